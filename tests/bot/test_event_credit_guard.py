"""The *Log N h as CPD* button credits only an event that has happened, whatever a click says.

The button is offered after an event ends, but a click is only a signed request: anyone can send
one with the button's action id and any event id. These clicks are crafted (no offer was sent for
them) and go through the real HTTP path; the server decides from the event itself.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from handlers.clock import FixedClock
from handlers.ids import ActionId
from storage.models import Delivery
from tests.bot.test_slack_events import ORGANISER, click, confirm_cancel, create_event
from tests.bot.test_slack_events import organiser as organiser  # a fixture, requested by name
from tests.support.fakeslack import FakeSlack
from tests.support.rows import entries, row_counts
from tests.support.slackclient import SignedClient
from tests.support.slackmessages import texts
from tests.support.waiting import wait_until

START = datetime(2026, 12, 3, 12, 30, tzinfo=UTC)  # create_event's: Thu 3 Dec 2026, 12:30–14:00
END = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
NOT_YET = "can be logged once it has ended, on Thu 3 Dec 2026 at 14:00"


def settled(engine: Engine) -> bool:
    """Whether every queued message has been dealt with (so the sender writes nothing more)."""
    unsettled = select(Delivery.id).where(Delivery.status.not_in(("sent", "failed", "skipped")))
    with Session(engine) as session:
        return not session.scalars(unsettled).all()


def crafted_credit_click(slack: SignedClient, event_id: int, user: str = "U0A") -> str:
    """A signed click on *Log as CPD* for `event_id`, sent without any offer; what the person is told."""
    sent = slack.block_action(ActionId.EVENT_CREDIT_LOG, str(event_id), user=user, channel=f"D{user}")
    assert sent.status == 200
    return texts(sent.reply())


@pytest.mark.usefixtures("organiser")
def test_a_crafted_credit_click_for_an_event_still_to_come_is_refused_and_logs_nothing(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, clock: FixedClock
) -> None:
    event_id, post = create_event(slack, fake_slack)
    click(slack, post, "Going", "U0A")
    wait_until(lambda: settled(engine), "the announcement is sent")
    before = row_counts(engine)
    moments = (clock.now(), START - timedelta(minutes=1), START + timedelta(minutes=30), END - timedelta(seconds=1))
    for moment in moments:  # before it starts, and while it is on
        clock.set(moment)
        shown = crafted_credit_click(slack, event_id)
        assert NOT_YET in shown, (moment, shown)
        assert "Logged" not in shown
    assert entries(engine) == []
    assert row_counts(engine) == before


@pytest.mark.usefixtures("organiser")
def test_a_crafted_credit_click_for_a_cancelled_event_is_refused_and_logs_nothing(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, clock: FixedClock
) -> None:
    event_id, post = create_event(slack, fake_slack)
    click(slack, post, "Going", "U0A")
    question = slack.command("/event", f"cancel {event_id} Room flooded", user=ORGANISER).reply()
    cancelled = confirm_cancel(slack, question)
    assert "telling 1 person" in texts(cancelled)
    fake_slack.wait_call("chat.postMessage", lambda c: c.response.get("channel") == "DU0A")  # told of it
    wait_until(lambda: settled(engine), "the cancellation is sent")
    before = row_counts(engine)
    for moment in (clock.now(), END + timedelta(hours=2)):  # before its time, and after it would have ended
        clock.set(moment)
        shown = crafted_credit_click(slack, event_id)
        assert "was cancelled" in shown, (moment, shown)
        assert "Logged" not in shown
    assert entries(engine) == []
    assert row_counts(engine) == before


@pytest.mark.usefixtures("organiser")
def test_a_credit_click_once_the_event_has_ended_logs_it_once(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, clock: FixedClock
) -> None:
    event_id, post = create_event(slack, fake_slack)
    click(slack, post, "Going", "U0A")
    clock.set(END)  # it has ended at its end time
    assert "Logged" in crafted_credit_click(slack, event_id)
    clock.set(END + timedelta(days=3))
    assert "Already logged" in crafted_credit_click(slack, event_id)
    assert "for people who went" in crafted_credit_click(slack, event_id, user="U0B")
    [entry] = entries(engine)
    assert (entry.user_id, entry.minutes, entry.source) == ("U0A", 90, f"event:{event_id}")
    assert entry.occurred_on.isoformat() == "2026-12-03"
