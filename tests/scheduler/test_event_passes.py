"""Event reminders and CPD credit offers: due at the right time, to the right people, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.calendar import WorkingDays
from handlers.clock import FixedClock
from handlers.context import Policy
from scheduler.passes import run_pass
from scheduler.sender import DeliveryFailed
from storage import events
from storage.events import EventFields
from storage.people import PersonId
from storage.uow import UnitOfWorkFactory
from tests.scheduler.test_passes import RecordingNotifier

START = datetime(2026, 12, 3, 12, 30, tzinfo=UTC)
POLICY = Policy(working_days=WorkingDays(""), event_reminder_hours=24)


@pytest.fixture
def event_id(uow_factory: UnitOfWorkFactory) -> int:
    created = START - timedelta(days=10)
    fields = EventFields(
        title="Glass",
        description="",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        location="",
        capacity=None,
        cpd_minutes=60,
        cpd_type="professional",
        channel_id="C1",
    )
    with uow_factory(write=True) as uow:
        event = events.add_event(uow, fields=fields, organiser=("slack", "U0ORG"), now=created)
        for user, answer in (("U0GO1", "going"), ("U0GO2", "going"), ("U0MAY", "maybe"), ("U0NOT", "not-going")):
            events.set_response(uow, event=event, person=PersonId("slack", "T", user), response=answer, now=created)
        uow.commit()
        return event.id


def run(uow: UnitOfWorkFactory, at: datetime, notifier: RecordingNotifier):  # type: ignore[no-untyped-def]
    return run_pass(uow=uow, clock=FixedClock(at), policy=POLICY, notifier=notifier, report_channel="")


def test_reminders_go_to_people_going_once(uow_factory: UnitOfWorkFactory, event_id: int) -> None:
    notifier = RecordingNotifier()
    assert run(uow_factory, START - timedelta(hours=24, seconds=1), notifier).queued == []
    result = run(uow_factory, START - timedelta(hours=3), notifier)  # a bot that was down still reminds
    assert sorted(result.queued) == [f"event-reminder:{event_id}:slack:U0GO1", f"event-reminder:{event_id}:slack:U0GO2"]
    assert run(uow_factory, START - timedelta(hours=2), notifier).queued == []
    assert sorted(r for r, _ in notifier.sent) == ["U0GO1", "U0GO2"]
    assert run(uow_factory, START + timedelta(minutes=1), notifier).queued == []  # started: no reminders


def test_a_cancelled_event_sends_nothing(uow_factory: UnitOfWorkFactory, event_id: int) -> None:
    notifier = RecordingNotifier()
    with uow_factory(write=True) as uow:
        event = events.get_event(uow, event_id=event_id)
        assert event is not None
        events.cancel(uow, event=event, reason="", now=START - timedelta(days=2))
        uow.commit()
    assert run(uow_factory, START - timedelta(hours=2), notifier).queued == []
    assert run(uow_factory, START + timedelta(hours=2), notifier).queued == []
    assert notifier.sent == []


def test_someone_who_withdrew_after_the_reminder_was_queued_is_skipped(
    uow_factory: UnitOfWorkFactory, event_id: int
) -> None:
    notifier = RecordingNotifier()
    notifier.failures = [DeliveryFailed("timeout", permanent=False)] * 2
    run(uow_factory, START - timedelta(hours=20), notifier)
    with uow_factory(write=True) as uow:
        event = events.get_event(uow, event_id=event_id)
        assert event is not None
        for user in ("U0GO1", "U0GO2"):
            events.set_response(
                uow,
                event=event,
                person=PersonId("slack", "T", user),
                response="not-going",
                now=START - timedelta(hours=19),
            )
        uow.commit()
    result = run(uow_factory, START - timedelta(hours=19), notifier)
    assert len(result.sending.skipped) == 2
    assert notifier.sent == []


def test_credit_offers_after_the_end_within_a_week(uow_factory: UnitOfWorkFactory, event_id: int) -> None:
    notifier = RecordingNotifier()
    run(uow_factory, START - timedelta(hours=1), notifier)  # reminders
    notifier.sent.clear()
    assert run(uow_factory, START + timedelta(minutes=59), notifier).queued == []
    result = run(uow_factory, START + timedelta(hours=1), notifier)
    assert sorted(result.queued) == [f"event-credit:{event_id}:slack:U0GO1", f"event-credit:{event_id}:slack:U0GO2"]
    assert [text for _, text in notifier.sent] == ["Log Glass as CPD", "Log Glass as CPD"]
    assert run(uow_factory, START + timedelta(days=2), notifier).queued == []
