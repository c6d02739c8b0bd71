"""Forms in the console: a refused form lets every field be changed; Ctrl-C leaves the form, not the console."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.console.render import markup_to_text
from bot.console.repl import Console
from bot.dispatch import Dispatcher, Who
from handlers.clock import FixedClock
from handlers.context import Policy
from storage.models import Event
from storage.people import PersonId
from storage.uow import UnitOfWorkFactory

ADMIN = Who(PersonId("slack", "T0TEST", "UADMIN"), "Admin")
INTERRUPT = object()  # in a script: the person presses Ctrl-C here


@pytest.fixture
def bot(uow_factory: UnitOfWorkFactory, clock: FixedClock, policy: Policy) -> Dispatcher:
    return Dispatcher(uow=uow_factory, clock=clock, policy=policy)


def typist(lines: Iterable[object]) -> Callable[[str], str]:
    """What the person types, line by line; past the end, the input ends (Ctrl-D)."""
    script = iter(lines)

    def read(prompt: str) -> str:
        line = next(script, None)
        if line is None:
            raise EOFError
        if line is INTERRUPT:
            raise KeyboardInterrupt
        assert isinstance(line, str)
        return line

    return read


def run_console(bot: Dispatcher, lines: Iterable[object], tmp_path: Path) -> str:
    out = io.StringIO()
    Console(bot, ADMIN, files_dir=tmp_path, read=typist(lines), out=out).run()
    return out.getvalue()


def events(uow_factory: UnitOfWorkFactory) -> int:
    with uow_factory(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Event)) or 0)


# The Create event form asks, in order: title, description, date, starts at, ends at, end date,
# location, places, CPD hours, kind of CPD, channel.
PAST_DATE = ["Fume cupboard clinic", "", "2026-11-01", "14:00", "15:00", "", "", "", "", "", "C0TECHNET"]


def test_a_refused_event_form_lets_the_date_be_changed(
    bot: Dispatcher, uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    """A past date is reported against the date, and the date can be typed again (issue #17, item 4)."""
    again = ["", "", "2026-12-03", "", "", "", "", "", "", "", ""]  # Enter keeps everything but the date
    out = run_console(bot, ["/event create", *PAST_DATE, *again, "quit"], tmp_path)
    assert "! Date: 01 Nov 2026 has passed" in out
    assert "Starts at: That time has passed" not in out
    assert "📣" in out  # announced once corrected
    assert events(uow_factory) == 1


def test_after_a_refusal_any_field_can_be_changed_not_only_the_one_with_the_problem(
    bot: Dispatcher, uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    """The end is before the start: the person fixes it by moving the start, a field without an error."""
    first = ["Glassblowing", "", "2026-12-03", "16:00", "15:00", "", "", "", "", "", "C0TECHNET"]
    again = ["", "", "", "14:00", "", "", "", "", "", "", ""]
    out = run_console(bot, ["/event create", *first, *again, "quit"], tmp_path)
    assert "! Ends at: The event must end after it starts." in out
    assert "📣" in out
    assert events(uow_factory) == 1


def test_ctrl_c_in_a_form_cancels_the_form_and_the_console_goes_on(
    bot: Dispatcher, uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    out = run_console(
        bot, ["/event create", "Half typed", "", INTERRUPT, "/cpd add 1h Reading group", "quit"], tmp_path
    )
    assert "Cancelled; nothing was saved." in out
    assert "✅ Logged" in out  # the next command still ran
    assert events(uow_factory) == 0


def test_the_end_of_input_in_a_form_cancels_it_without_a_traceback(
    bot: Dispatcher, uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    out = run_console(bot, ["/event create", "Half typed"], tmp_path)
    assert "Cancelled; nothing was saved." in out
    assert events(uow_factory) == 0


def test_an_evidence_link_is_shown_once(bot: Dispatcher, tmp_path: Path) -> None:
    """Not `url (url)` (issue #17, item 7); a link with its own label still shows both."""
    url = "https://example.ac.uk/certificates/" + "c" * 60  # longer than the card's 80 characters
    form = ["", "1h", "", "Fume cupboard course", "", "", "", url]  # date, duration, type, title, ..., evidence
    out = run_console(bot, ["/cpd add", *form, "quit"], tmp_path)
    [evidence] = [line for line in out.splitlines() if "Evidence:" in line]
    assert evidence.strip() == f"Evidence: {url}"
    assert markup_to_text("<https://example.ac.uk/tc|the plan>") == "the plan (https://example.ac.uk/tc)"
