"""Neutral views → Block Kit: valid and within Slack's limits whatever the data."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.console.render import markup_to_text
from bot.slack.render import clip_markup, read_values, to_home, to_message, to_modal
from bot.teams.render import to_markdown
from handlers import ui
from handlers.cpd.views import entry_form
from tests.support.blockkit import check_message, check_view

markup_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=5000)
typed = st.text(max_size=400)


def test_huge_replies_are_clipped_and_trimmed_to_fifty_blocks() -> None:
    blocks = tuple(ui.Text("x" * 5000) for _ in range(80))
    message = to_message(ui.Reply(blocks=blocks, text="y" * 50_000))
    assert check_message(message) == []
    assert len(message["blocks"]) == 50
    assert "more not shown" in message["blocks"][-1]["elements"][0]["text"]


def test_many_fields_are_split_into_sections_of_ten() -> None:
    message = to_message(ui.reply(ui.Fields(tuple(f"*{n}*" for n in range(23))), text="f"))
    assert [len(b["fields"]) for b in message["blocks"]] == [10, 10, 3]
    assert check_message(message) == []


def test_clipping_never_cuts_an_entity_or_a_link_in_half() -> None:
    assert clip_markup("a &amp; b", 5) == "a…"
    assert clip_markup("see <https://example.org|the page> now", 20) == "see…"
    assert clip_markup("short", 10) == "short"


@settings(max_examples=150)
@given(title=typed, label=typed, body=markup_text, many=st.integers(min_value=0, max_value=120))
def test_any_reply_renders_to_valid_block_kit(title: str, label: str, body: str, many: int) -> None:
    button = ui.Button(label or "x", "cpd-entry-edit", label * 10)
    blocks = (
        ui.Header(title or "t"),
        ui.Text(ui.escape(body), button=button),
        ui.Context(ui.clip(body, 5000)),
        ui.Fields(tuple(ui.escape(body[:3000]) for _ in range(min(many, 25)))),
        ui.Divider(),
        ui.Buttons(tuple(ui.Button(label or "b", f"cpd-b{n}", "v") for n in range(min(many, 30)))),
        *(ui.Text(ui.escape(title)) for _ in range(many)),
    )
    message = to_message(ui.Reply(blocks=blocks, text=ui.escape(body)))
    assert check_message(message) == []
    assert check_view(to_home(ui.Home(blocks=blocks))) == []


@settings(max_examples=60)
@given(title=typed, reflection=st.text(max_size=3000), tags=st.lists(st.from_regex(r"[a-z]{1,10}", fullmatch=True)))
def test_the_cpd_form_is_a_valid_modal_whatever_was_stored(title: str, reflection: str, tags: list[str]) -> None:
    class Entry:
        id = 7
        occurred_on = date(2026, 1, 2)
        minutes = 95
        activity_type = "self"
        benefit = ""
        evidence_url = "https://example.org/x"

    entry = Entry()
    entry.title = title[:200]  # type: ignore[attr-defined]
    entry.reflection = reflection  # type: ignore[attr-defined]
    entry.tags = [type("T", (), {"tag": t})() for t in tags[:10]]  # type: ignore[attr-defined]
    view = to_modal(entry_form(entry, today=date(2026, 11, 22)), meta={"response_url": "https://hooks/x"})  # type: ignore[arg-type]
    assert check_view(view) == []


def test_read_values_understands_each_element() -> None:
    values = read_values(
        {
            "a": {"a": {"type": "plain_text_input", "value": "2h"}},
            "b": {"b": {"type": "datepicker", "selected_date": "2026-11-20"}},
            "c": {"c": {"type": "static_select", "selected_option": {"value": "formal"}}},
            "d": {"d": {"type": "url_text_input", "value": None}},
            "e": {"e": {"type": "static_select", "selected_option": None}},
        }
    )
    assert values == {"a": "2h", "b": "2026-11-20", "c": "formal", "d": None, "e": None}


MARKUP = (
    "📣 *Glass & safety* is being announced in <#C0TECHNET>; ask <@U0ORG1> or <@3f2a9c1e-aaaa-bbbb> in "
    "<#C0HELP|help>, see <https://example.ac.uk/tc|the plan> or <https://example.ac.uk> &lt;soon&gt;"
)


def test_the_console_shows_markup_as_readable_text() -> None:
    assert markup_to_text(MARKUP) == (
        "📣 Glass & safety is being announced in #C0TECHNET; ask @U0ORG1 or @3f2a9c1e-aaaa-bbbb in "
        "#help, see the plan (https://example.ac.uk/tc) or https://example.ac.uk <soon>"
    )


def test_teams_cards_show_markup_as_markdown() -> None:
    assert to_markdown(MARKUP) == (
        "📣 **Glass & safety** is being announced in #C0TECHNET; ask @U0ORG1 or @3f2a9c1e in "
        "#help, see [the plan](https://example.ac.uk/tc) or https://example.ac.uk <soon>"
    )
