"""Tech Net events in Slack, end to end: the form, the announcement, RSVPs, waitlist, cancel, calendar."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.composition import Deps
from bot.runtime import Runtime
from handlers.clock import FixedClock
from handlers.events.messages import announcement_key
from storage import roles
from storage.models import CpdEntry, Delivery, Event, EventRsvp
from tests.support.fakeslack import ApiCall, FakeSlack
from tests.support.slackclient import SignedClient
from tests.support.slackforms import fill
from tests.support.slackmessages import button, texts
from tests.support.waiting import logged, wait_until

ORGANISER = "U0ORG1"


@pytest.fixture
def organiser(deps: Deps, clock: FixedClock) -> str:
    with deps.uow(write=True) as uow:
        roles.grant_role(uow, platform="slack", user_id=ORGANISER, role="organiser", now=clock.now())
        uow.commit()
    return ORGANISER


def create_event(
    slack: SignedClient,
    fake: FakeSlack,
    *,
    capacity: str = "",
    title: str = "3D printing for labs",
    day: str = "2026-12-03",
) -> tuple[int, ApiCall]:
    """Create an event through the modal; return its id and the announcement Slack was asked to post."""
    seen = len(fake.calls_to("chat.postMessage"))
    view = slack.command("/event", "create", user=ORGANISER, channel="C0TECHNET").modal()
    answers = {
        "event-title": title,
        "event-description": "Bring a part you designed.",
        "event-start-date": day,
        "event-start-time": "12:30",
        "event-end-time": "14:00",
        "event-location": "John Dalton E0.12",
        "event-capacity": capacity,
        "event-cpd-type": "professional",
    }
    values = fill(view, answers)
    values["event-channel"]["event-channel"]["selected_conversation"] = "C0TECHNET"
    assert slack.view_submission(view, values, user=ORGANISER).status == 200

    def announcement() -> ApiCall | None:
        posts = fake.calls_to("chat.postMessage")[seen:]
        return next((c for c in posts if c.args.get("channel") == "C0TECHNET" and c.ok), None)

    post = fake.wait_for(announcement)
    return int(button(post.args, "Going")["value"]), post


def announced(engine: Engine, event_id: int) -> bool:
    """Whether the bot has stored where the announcement is (so a click redraws it itself)."""
    with Session(engine) as session:
        return session.scalar(select(Delivery.message_ts).where(Delivery.key == announcement_key(event_id))) is not None


def click(slack: SignedClient, post: ApiCall, label: str, user: str) -> dict[str, Any]:
    message = {"ts": post.response["ts"], "blocks": post.args["blocks"], "text": post.args["text"]}
    target = button(message, label)
    return slack.block_action(
        target["action_id"], target["value"], user=user, message=message, channel="C0TECHNET"
    ).reply()


def confirm_cancel(slack: SignedClient, question: dict[str, Any], label: str = "Cancel the event") -> dict[str, Any]:
    """Press a button of the question `/event cancel` asks the organiser."""
    target = button(question, label)
    return slack.block_action(target["action_id"], target["value"], user=ORGANISER).reply()


def rsvps(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {r.user_id: r.response for r in session.scalars(select(EventRsvp).order_by(EventRsvp.id))}


@pytest.mark.usefixtures("organiser")
def test_create_announces_with_details_counts_and_buttons(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    event_id, post = create_event(slack, fake_slack, capacity="30")
    shown = texts(post.args)
    for expected in (
        "Tech Net: 3D printing for labs",
        "Bring a part you designed.",
        "Thu 3 Dec 2026, 12:30–14:00",
        "John Dalton E0.12",
        "1 h 30 min (professional activity)",
        f"<@{ORGANISER}>",
        "✅ 0 going · 🤔 0 maybe · ⏳ 0 waitlisted · 30 places left",
    ):
        assert expected in shown
    assert [b["text"]["text"] for b in post.args["blocks"][-1]["elements"]] == [
        "Going",
        "Maybe",
        "Can't go",
        "Add to calendar",
    ]
    with Session(engine) as session:
        event = session.get(Event, event_id)
        assert event is not None
        assert event.starts_at == datetime(2026, 12, 3, 12, 30, tzinfo=UTC)  # GMT in December
        assert event.cpd_minutes == 90


def test_only_organisers_and_admins_create_events(slack: SignedClient, fake_slack: FakeSlack) -> None:
    refused = slack.command("/event", "create", user="U0NOBODY").reply()
    assert "Only Tech Net organisers and admins" in texts(refused)
    assert fake_slack.calls_to("views.open") == []
    assert slack.command("/event", "create", user="UADMIN").modal()["callback_id"] == "event-create-save"


@pytest.mark.usefixtures("organiser")
def test_invalid_submissions_show_errors_on_the_fields(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    view = slack.command("/event", "create", user=ORGANISER).modal()
    values = fill(
        view,
        {
            "event-title": "",
            "event-start-date": "2026-11-01",
            "event-start-time": "12:30",
            "event-end-time": "11:00",
            "event-capacity": "0",
            "event-cpd-hours": "lots",
        },
    )
    answer = slack.view_submission(view, values, user=ORGANISER).json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {
        "event-title",
        "event-start-date",  # the date has passed: the date is wrong, not the time
        "event-end-time",
        "event-capacity",
        "event-cpd-hours",
        "event-channel",
    }
    assert "passed" in answer["errors"]["event-start-date"]
    with Session(engine) as session:
        assert session.scalars(select(Event)).all() == []


@pytest.mark.usefixtures("organiser")
def test_rsvps_update_the_announcement_in_place_and_confirm_privately(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    _, post = create_event(slack, fake_slack, capacity="10")
    going = click(slack, post, "Going", "U0A")
    assert going["response_type"] == "ephemeral"
    assert "You're going" in texts(going)
    update = fake_slack.wait_call("chat.update", lambda c: "1 going" in texts(c.args))
    print("DESCRIBE", fake_slack.describe())
    assert (update.args["channel"], update.args["ts"]) == ("C0TECHNET", post.response["ts"])
    click(slack, post, "Maybe", "U0B")
    click(slack, post, "Going", "U0B")
    click(slack, post, "Can't go", "U0A")
    fake_slack.wait_call("chat.update", lambda c: "✅ 1 going · 🤔 0 maybe" in texts(c.args))
    assert rsvps(engine) == {"U0A": "not-going", "U0B": "going"}
    assert "already going" in texts(click(slack, post, "Going", "U0B"))


@pytest.mark.usefixtures("organiser")
def test_going_pressed_before_the_announcement_is_on_record_still_counts_on_it(
    slack: SignedClient, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack has posted the announcement but not yet answered, so its ts is not stored when Going arrives."""
    caplog.set_level(logging.DEBUG, logger="techcommit.slack")
    held = fake_slack.hold("chat.postMessage")
    try:
        event_id, post = create_event(slack, fake_slack, capacity="10")
        assert held.reached.wait(5)
        assert "You're going" in texts(click(slack, post, "Going", "U0EARLY"))
        wait_until(lambda: logged(caplog, "nothing to redraw yet", f"subject=event:{event_id}"), "the click's redraw")
        assert fake_slack.calls_to("chat.update") == []
    finally:
        held.release()
    update = fake_slack.wait_call("chat.update", lambda c: "1 going" in texts(c.args))
    print("DESCRIBE", fake_slack.describe())
    assert (update.args["channel"], update.args["ts"]) == ("C0TECHNET", post.response["ts"])
    assert fake_slack.problems == [], fake_slack.describe()


@pytest.mark.usefixtures("organiser")
def test_five_people_clicking_going_at_once_for_two_places(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    _, post = create_event(slack, fake_slack, capacity="2")
    people = [f"U0P{n}" for n in range(5)]
    barrier = threading.Barrier(len(people))
    replies: dict[str, str] = {}

    def go(user: str) -> None:
        barrier.wait()
        replies[user] = texts(click(slack, post, "Going", user))

    threads = [threading.Thread(target=go, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    answers = rsvps(engine)
    going = [u for u, r in answers.items() if r == "going"]
    assert len(going) == 2
    with Session(engine) as session:
        queue = session.scalars(
            select(EventRsvp).where(EventRsvp.response == "waitlist").order_by(EventRsvp.waitlisted_at, EventRsvp.id)
        ).all()
    assert len(queue) == 3
    for position, rsvp in enumerate(queue, start=1):
        assert f"number {position} on the waitlist" in replies[rsvp.user_id]
    fake_slack.wait_call("chat.update", lambda c: "✅ 2 going · 🤔 0 maybe · ⏳ 3 waitlisted · full" in texts(c.args))


@pytest.mark.usefixtures("organiser")
def test_a_withdrawal_promotes_the_first_on_the_waitlist_who_is_told(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    _, post = create_event(slack, fake_slack, capacity="1")
    click(slack, post, "Going", "U0FIRST")
    assert "number 1 on the waitlist" in texts(click(slack, post, "Going", "U0SECOND"))
    assert "number 2 on the waitlist" in texts(click(slack, post, "Going", "U0THIRD"))
    click(slack, post, "Can't go", "U0FIRST")
    dm = fake_slack.wait_call("chat.postMessage", lambda c: c.response.get("channel") == "DU0SECOND")
    assert "A place came up" in texts(dm.args)
    assert rsvps(engine) == {"U0FIRST": "not-going", "U0SECOND": "going", "U0THIRD": "waitlist"}


@pytest.mark.usefixtures("organiser")
def test_cancel_tells_everyone_and_removes_the_buttons(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    event_id, post = create_event(slack, fake_slack)
    click(slack, post, "Going", "U0A")
    click(slack, post, "Maybe", "U0B")
    click(slack, post, "Can't go", "U0C")
    assert "Only the organiser" in texts(slack.command("/event", f"cancel {event_id}", user="U0A").reply())
    question = slack.command("/event", f"cancel {event_id} The printer broke", user=ORGANISER).reply()
    assert "I'll tell the 2 people who answered" in texts(question)  # asks first, like /cpd delete
    with Session(engine) as session:
        assert session.get(Event, event_id).status != "cancelled"  # type: ignore[union-attr]
    done = confirm_cancel(slack, question)
    assert done["replace_original"] is True
    assert "telling 2 people" in texts(done)
    update = fake_slack.wait_call("chat.update", lambda c: "Cancelled" in texts(c.args))
    assert "The printer broke" in texts(update.args)
    assert all(b["type"] != "actions" for b in update.args["blocks"])
    for user in ("U0A", "U0B"):
        fake_slack.wait_call("chat.postMessage", lambda c, u=user: c.response.get("channel") == f"D{u}")
    assert not any(c.response.get("channel") == "DU0C" for c in fake_slack.calls_to("chat.postMessage"))


@pytest.mark.usefixtures("organiser")
def test_add_to_calendar_gives_a_valid_ics_in_the_dm(slack: SignedClient, fake_slack: FakeSlack) -> None:
    event_id, post = create_event(slack, fake_slack, title="Glassblowing & safety")
    assert "calendar file is in your DM" in texts(click(slack, post, "Add to calendar", "U0A"))
    uploaded = fake_slack.wait_file()
    assert uploaded.channel_id == "DU0A"
    [vevent] = Calendar.from_ical(uploaded.content).walk("VEVENT")
    assert str(vevent["uid"]) == f"event-{event_id}@techcommit"
    assert str(vevent["summary"]) == "Tech Net: Glassblowing & safety"
    assert vevent.decoded("dtstart") == datetime(2026, 12, 3, 12, 30, tzinfo=UTC)
    assert vevent.decoded("dtend") == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    assert str(vevent["location"]) == "John Dalton E0.12"


@pytest.mark.usefixtures("organiser")
def test_attendees_for_the_organiser_only(slack: SignedClient, fake_slack: FakeSlack) -> None:
    event_id, post = create_event(slack, fake_slack, capacity="1")
    click(slack, post, "Going", "U0A")
    click(slack, post, "Going", "U0B")
    listing = texts(slack.command("/event", f"attendees {event_id}", user=ORGANISER).reply())
    assert "*Going (1)*\n1. <@U0A>" in listing
    assert "*Waitlist (1)*\n1. <@U0B>" in listing
    assert "Only the organiser" in texts(slack.command("/event", f"attendees {event_id}", user="U0A").reply())
    slack.command("/event", f"attendees {event_id} csv", user=ORGANISER).reply()
    assert b"going,,U0A," in fake_slack.wait_file().content


@pytest.mark.usefixtures("organiser")
def test_reminder_then_cpd_credit_each_sent_once(
    runtime: Runtime, slack: SignedClient, fake_slack: FakeSlack, deps: Deps, clock: FixedClock, engine: Engine
) -> None:
    _, post = create_event(slack, fake_slack)
    click(slack, post, "Going", "U0A")
    click(slack, post, "Maybe", "U0B")
    start = datetime(2026, 12, 3, 12, 30, tzinfo=UTC)
    clock.set(start - timedelta(hours=25))
    assert runtime.sweep().queued == []
    clock.set(start - timedelta(hours=24))
    assert runtime.sweep().queued == ["event-reminder:1:slack:U0A"]
    assert runtime.sweep().queued == []
    reminder = fake_slack.wait_call("chat.postMessage", lambda c: c.response.get("channel") == "DU0A")
    assert "Reminder" in texts(reminder.args)
    clock.set(start + timedelta(hours=2))
    assert runtime.sweep().queued == ["event-credit:1:slack:U0A"]
    assert runtime.sweep().queued == []
    offer = fake_slack.wait_call("chat.postMessage", lambda c: "Log 1.5 h as CPD" in texts(c.args))
    message = {"ts": offer.response["ts"], "blocks": offer.args["blocks"], "text": offer.args["text"]}
    log_it = button(message, "Log 1.5 h as CPD")
    first = slack.block_action(log_it["action_id"], log_it["value"], user="U0A", message=message, channel="DU0A")
    assert "Logged" in texts(first.reply())
    second = slack.block_action(log_it["action_id"], log_it["value"], user="U0A", message=message, channel="DU0A")
    assert "Already logged" in texts(second.reply())
    refused = slack.block_action(log_it["action_id"], log_it["value"], user="U0B", message=message)
    assert "for people who went" in texts(refused.reply())
    with Session(engine) as session:
        [entry] = session.scalars(select(CpdEntry)).all()
    assert (entry.user_id, entry.minutes, entry.activity_type, entry.source) == ("U0A", 90, "professional", "event:1")
    assert entry.title == "Tech Net: 3D printing for labs"
    assert not any(c.response.get("channel") == "DU0B" for c in fake_slack.calls_to("chat.postMessage"))


@pytest.mark.usefixtures("organiser")
def test_event_list(slack: SignedClient, fake_slack: FakeSlack) -> None:
    _, post = create_event(slack, fake_slack, capacity="5")
    click(slack, post, "Going", "U0A")
    listing = texts(slack.command("/event", "", user="U0A").reply())
    assert "3D printing for labs" in listing
    assert "you: ✅ Going" in listing
    assert "4 places left" in listing
