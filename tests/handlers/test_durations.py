"""One reader for every duration people type: quick add, the Log CPD form, the event form (issue #17, item 2)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dispatch import Dispatcher, Who
from handlers import formatting as fmt
from handlers import ui
from handlers.cpd.draft import draft_from_form, parse_quick_add
from handlers.errors import UserError
from handlers.events.form import read_event_form
from handlers.ids import InputId
from handlers.parsing import MAX_MINUTES, duration_text, duration_words, parse_duration
from storage.events import EventFields
from storage.models import CpdEntry
from storage.uow import UnitOfWorkFactory
from tests.conftest import ALICE
from tests.support.dispatcher import count, text_of

TODAY = date(2026, 11, 22)
A = Who(ALICE, "Alice")


def spellings(minutes: int) -> list[str]:
    """Ways people (and the bot) write the same duration."""
    hours, mins = divmod(minutes, 60)
    found = [f"{minutes}m", f"{minutes} minutes", duration_text(minutes), fmt.duration(minutes)]
    if hours and mins:
        found += [f"{hours}h {mins}m", f"{hours} hours {mins} minutes", f"{hours}hr {mins}min", f"{hours}h{mins}"]
    elif hours:
        found += [f"{hours} hours", f"{hours}h", f"{hours} hrs"]
    return found


@pytest.mark.parametrize(
    ("text", "minutes", "title"),
    [
        ("1h 30m Split duration", 90, "Split duration"),
        ("2 hours Reading group", 120, "Reading group"),
        ("1 hour 30 minutes Bench safety", 90, "Bench safety"),
        ("1 h 45 min Rota planning", 105, "Rota planning"),
        ("45 min Toolbox talk", 45, "Toolbox talk"),
        ("2h 3D printing", 120, "3D printing"),
        ("2h 3 labs visited", 120, "3 labs visited"),
    ],
)
def test_quick_add_reads_a_duration_of_several_words(text: str, minutes: int, title: str) -> None:
    draft = parse_quick_add(text, today=TODAY)
    assert (draft.minutes, draft.title) == (minutes, title)


def test_a_duration_at_the_end_is_put_first_in_the_reply() -> None:
    with pytest.raises(UserError) as caught:
        parse_quick_add("Risk assessment course 3h", today=TODAY)
    assert caught.value.message == "Start with the duration: `/cpd add 3h Risk assessment course`."


def test_a_bare_number_is_asked_about() -> None:
    with pytest.raises(UserError) as caught:
        parse_quick_add("2 Reading group", today=TODAY)
    assert "`2` needs a unit" in caught.value.message


@given(st.integers(min_value=1, max_value=MAX_MINUTES), st.data())
def test_every_spelling_means_the_same_minutes_everywhere(minutes: int, data: st.DataObject) -> None:
    """Round trip: each spelling reads back as the minutes, in the parser, quick add and the form."""
    spelt = data.draw(st.sampled_from(spellings(minutes)))
    assert parse_duration(spelt) == minutes
    assert duration_words([*spelt.split(), "Title"]) == len(spelt.split())
    assert parse_quick_add(f"{spelt} Soldering refresher", today=TODAY).minutes == minutes
    form = draft_from_form(
        {
            InputId.CPD_DATE: "2026-11-20",
            InputId.CPD_DURATION: spelt,
            InputId.CPD_TYPE: "work",
            InputId.CPD_TITLE: "Soldering refresher",
        },
        today=TODAY,
    )
    assert not isinstance(form, ui.FormErrors), form
    assert form.minutes == minutes


WORD = st.text(st.characters(codec="utf-8"), min_size=1, max_size=8).filter(lambda w: w.split() == [w])


@given(st.lists(WORD, min_size=1, max_size=6))
def test_any_words_give_a_duration_or_a_user_error(words: list[str]) -> None:
    used = duration_words(words)
    assert 0 <= used <= min(len(words), 4)
    try:
        minutes = parse_duration(" ".join(words), bare_hours=True)
    except UserError as exc:
        assert exc.message
    else:
        assert 1 <= minutes <= MAX_MINUTES


TITLE_WORDS = st.lists(st.from_regex(r"[A-Za-z]{1,8}", fullmatch=True), min_size=1, max_size=4)


@given(st.integers(min_value=1, max_value=MAX_MINUTES), TITLE_WORDS)
def test_a_duration_typed_after_the_title_is_suggested_first(minutes: int, title: list[str]) -> None:
    """The suggestion in the error is itself a quick add that logs the same thing."""
    spelt = duration_text(minutes)
    with pytest.raises(UserError) as caught:
        parse_quick_add(f"{' '.join(title)} {spelt}", today=TODAY)
    suggested = caught.value.message.split("`/cpd add ", 1)[1].rsplit("`", 1)[0]
    draft = parse_quick_add(suggested, today=TODAY)
    assert (draft.minutes, draft.title) == (minutes, " ".join(title))


def event_cpd_minutes(typed: str) -> int | str:
    values = {
        InputId.EVENT_TITLE: "Tech Net",
        InputId.EVENT_START_DATE: "2026-12-10",
        InputId.EVENT_START_TIME: "12:00",
        InputId.EVENT_END_TIME: "13:00",
        InputId.EVENT_CHANNEL: "C0GENERAL",
        InputId.EVENT_CPD_HOURS: typed,
    }
    zone = ZoneInfo("Europe/London")
    result = read_event_form(values, now=datetime(2026, 11, 22, 12, 0, tzinfo=zone), zone=zone)
    return result.cpd_minutes if isinstance(result, EventFields) else result.errors[InputId.EVENT_CPD_HOURS]


@pytest.mark.parametrize(("typed", "minutes"), [("1.5", 90), ("2 hours", 120), ("1h 15m", 75), ("45 min", 45)])
def test_the_event_form_reads_cpd_hours_with_the_same_reader(typed: str, minutes: int) -> None:
    assert event_cpd_minutes(typed) == minutes


def test_cpd_summary_takes_the_last_12_months_as_export_does(bot: Dispatcher) -> None:
    shown = text_of(bot.command(A, "cpd", "summary 12m"))
    assert "My CPD — the last 12 months" in shown
    assert not shown.startswith("⚠️")


def test_an_unknown_export_format_is_called_a_format(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    shown = text_of(bot.command(A, "cpd", "export docx"))
    assert "`docx` isn't a format I can export" in shown
    assert "period" not in shown
    assert "period I know" in text_of(bot.command(A, "cpd", "export pdf 12x"))
    assert count(uow_factory, CpdEntry) == 0
