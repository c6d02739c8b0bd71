"""Event reminders and CPD credit offers: due at the right time, to the right people, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.calendar import WorkingDays
from handlers.clock import FixedClock
from handlers.context import Policy
from handlers.events.messages import ANNOUNCE, announcement_key
from scheduler.passes import run_pass
from scheduler.sender import DeliveryFailed
from storage import events, outbox
from storage.events import EventFields
from storage.outbox import Outgoing
from storage.people import PersonId
from storage.uow import UnitOfWorkFactory
from tests.support.notifier import RecordingNotifier

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


def run(  # type: ignore[no-untyped-def]
    uow: UnitOfWorkFactory, at: datetime, notifier: RecordingNotifier, redraws: list[str] | None = None
):
    redraw = None if redraws is None else redraws.append
    return run_pass(uow=uow, clock=FixedClock(at), policy=POLICY, notifier=notifier, report_channel="", redraw=redraw)


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


def queue_announcement(uow_factory: UnitOfWorkFactory, event_id: int, at: datetime) -> None:
    message = Outgoing(
        key=announcement_key(event_id),
        kind=ANNOUNCE,
        platform="slack",
        recipient="C1",
        params={"event": event_id},
        to_channel=True,
    )
    with uow_factory(write=True) as uow:
        assert outbox.enqueue(uow, message=message, now=at)
        uow.commit()


def test_an_announcement_unchanged_while_it_was_posted_is_not_redrawn(
    uow_factory: UnitOfWorkFactory, event_id: int
) -> None:
    at = START - timedelta(days=5)
    queue_announcement(uow_factory, event_id, at)
    notifier, redraws = RecordingNotifier(), []
    assert run(uow_factory, at, notifier, redraws).sending.sent == [announcement_key(event_id)]
    assert redraws == []


def test_an_announcement_whose_counts_moved_while_it_was_posted_is_redrawn(
    uow_factory: UnitOfWorkFactory, event_id: int
) -> None:
    """An RSVP committed before the message's ts is stored could not redraw it; the sender does, once."""
    at = START - timedelta(days=5)
    queue_announcement(uow_factory, event_id, at)

    def someone_answers() -> None:
        with uow_factory(write=True) as uow:
            event = events.get_event(uow, event_id=event_id)
            assert event is not None
            events.set_response(uow, event=event, person=PersonId("slack", "T", "U0NEW"), response="going", now=at)
            uow.commit()

    notifier, redraws = RecordingNotifier(), []
    notifier.while_sending = someone_answers
    assert run(uow_factory, at, notifier, redraws).sending.sent == [announcement_key(event_id)]
    assert redraws == [f"event:{event_id}"]
