"""Reading a CPD entry from one line of text or from the form."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.cpd.draft import EntryDraft, draft_from_form, parse_quick_add
from handlers.cpd.kinds import ActivityType
from handlers.errors import UserError
from handlers.ids import InputId
from handlers.ui import FormErrors

TODAY = date(2026, 11, 22)


def test_the_full_quick_form() -> None:
    draft = parse_quick_add("1h30m Soldering course type:formal date:2026-11-20 #career-development", today=TODAY)
    assert draft.minutes == 90
    assert draft.activity_type is ActivityType.FORMAL
    assert draft.occurred_on == date(2026, 11, 20)
    assert draft.tags == ("career-development",)
    assert draft.title == "Soldering course"


def test_defaults_and_options_anywhere() -> None:
    draft = parse_quick_add("2h #lab Soldering type: self refresher", today=TODAY)
    assert draft.title == "Soldering refresher"
    assert draft.activity_type is ActivityType.SELF
    assert draft.occurred_on == TODAY
    assert draft.tags == ("lab",)
    assert parse_quick_add("2h Soldering", today=TODAY).activity_type is ActivityType.WORK


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0h x", "at least one minute"),
        ("2h", "title"),
        ("2h x date:2999-01-01", "future"),
        ("2h x type:nonsense", "isn't a kind"),
        ("", "how long"),
        ("Soldering 2h", "duration"),
        ("2h x type:work type:self", "twice"),
        ("2h " + "x" * 201, "too long"),
        ("2h #tag", "title"),
    ],
)
def test_bad_quick_adds_are_explained(text: str, says: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_quick_add(text, today=TODAY)
    assert says in caught.value.message
    assert caught.value.example


@given(st.text(max_size=120))
def test_any_quick_add_text_gives_a_valid_draft_or_a_user_error(text: str) -> None:
    try:
        draft = parse_quick_add(text, today=TODAY)
    except UserError as exc:
        assert exc.message
    else:
        assert EntryDraft.model_validate(draft.model_dump()) == draft
        assert draft.title.strip() == draft.title
        assert draft.title


def form(**overrides: str | None) -> dict[str, str | None]:
    values: dict[str, str | None] = {
        InputId.CPD_DATE: "2026-11-20",
        InputId.CPD_DURATION: "1h30m",
        InputId.CPD_TYPE: "formal",
        InputId.CPD_TITLE: "Soldering course",
        InputId.CPD_REFLECTION: "Drag soldering\r\n\nfine pitch",
        InputId.CPD_BENEFIT: None,
        InputId.CPD_TAGS: "#visibility",
        InputId.CPD_EVIDENCE: "https://x.org/c.pdf",
    }
    values.update(overrides)
    return values


def test_the_form() -> None:
    draft = draft_from_form(form(), today=TODAY)
    assert isinstance(draft, EntryDraft)
    assert draft.reflection == "Drag soldering\n\nfine pitch"
    assert draft.benefit == ""
    assert draft.evidence_url == "https://x.org/c.pdf"


def test_form_problems_are_reported_per_field_at_once() -> None:
    result = draft_from_form(
        form(
            **{
                InputId.CPD_DURATION: "abc",
                InputId.CPD_DATE: "2999-01-01",
                InputId.CPD_TITLE: "  ",
                InputId.CPD_EVIDENCE: "nope",
                InputId.CPD_REFLECTION: "x" * 3001,
            }
        ),
        today=TODAY,
    )
    assert isinstance(result, FormErrors)
    assert set(result.errors) == {
        InputId.CPD_DURATION,
        InputId.CPD_DATE,
        InputId.CPD_TITLE,
        InputId.CPD_EVIDENCE,
        InputId.CPD_REFLECTION,
    }
    assert all("`" not in message for message in result.errors.values())


@given(st.dictionaries(st.sampled_from(list(InputId)), st.none() | st.text(max_size=50)))
def test_any_form_gives_a_draft_or_field_errors(values: dict[str, str | None]) -> None:
    result = draft_from_form({**form(), **values}, today=TODAY)
    if isinstance(result, FormErrors):
        assert result.errors
        assert set(result.errors) <= set(InputId)
    else:
        assert isinstance(result, EntryDraft)
