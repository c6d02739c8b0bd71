"""Event forms through the dispatcher: only organisers and admins create events, whatever arrives."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.dispatch import Dispatcher, Who
from handlers import ui
from handlers.clock import FixedClock
from handlers.context import Policy
from handlers.ids import FormId, InputId
from storage.models import Event
from storage.people import PersonId
from storage.uow import UnitOfWorkFactory

VALUES: dict[str, str | None] = {
    InputId.EVENT_TITLE: "Sneaky",
    InputId.EVENT_START_DATE: "2026-12-10",
    InputId.EVENT_START_TIME: "12:00",
    InputId.EVENT_END_TIME: "13:00",
    InputId.EVENT_CHANNEL: "C0GENERAL",
}


def events(uow_factory: UnitOfWorkFactory) -> int:
    with uow_factory(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Event)) or 0)


def test_a_forged_event_form_from_a_non_organiser_is_refused(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, policy: Policy
) -> None:
    bot = Dispatcher(uow=uow_factory, clock=clock, policy=policy)
    someone = Who(PersonId("slack", "T0TEST", "U0SOMEONE"), None)
    result = bot.submit(someone, ui.Submission(FormId.EVENT_CREATE_SAVE, VALUES, {}))
    assert isinstance(result, ui.FormErrors)
    assert "Only Tech Net organisers" in result.errors[ui.WHOLE_FORM]
    assert events(uow_factory) == 0
    admin = Who(PersonId("slack", "T0TEST", "UADMIN"), None)
    assert isinstance(bot.submit(admin, ui.Submission(FormId.EVENT_CREATE_SAVE, VALUES, {})), ui.Reply)
    assert events(uow_factory) == 1


def test_a_field_error_quoting_what_was_typed_shows_it_as_typed(bot: Dispatcher) -> None:
    """Fields show plain text: the typed value comes back unescaped and without markup, whichever form."""
    admin = Who(PersonId("slack", "T0TEST", "UADMIN"), None)
    values = {**VALUES, InputId.EVENT_CPD_HOURS: "<b>2 & 3"}
    result = bot.submit(admin, ui.Submission(FormId.EVENT_CREATE_SAVE, values, {}))
    assert isinstance(result, ui.FormErrors)
    assert result.errors[InputId.EVENT_CPD_HOURS] == "I couldn't read <b>2 & 3 as a duration."


def test_only_commits_that_queue_messages_wake_the_sender(bot: Dispatcher) -> None:
    wakes: list[None] = []
    bot.on_queued(lambda: wakes.append(None))
    admin = Who(PersonId("slack", "T0TEST", "UADMIN"), None)
    bot.command(admin, "cpd", "add 1h Nothing to send")
    assert wakes == []
    assert isinstance(bot.submit(admin, ui.Submission(FormId.EVENT_CREATE_SAVE, VALUES, {})), ui.Reply)
    assert len(wakes) == 1  # the announcement was queued
