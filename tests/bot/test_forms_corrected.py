"""A form refused once and then corrected is a new submission: what the person typed the second time is kept.

Each test starts a new runtime, so the corrected submission is the first use of its form type in
the process (where the old runtime remembered the view as a read-only attempt and dropped it).
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.models import Event
from tests.bot.test_slack_events import ORGANISER
from tests.bot.test_slack_events import organiser as organiser  # a fixture, requested by name
from tests.support.fakeslack import FakeSlack
from tests.support.rows import entries
from tests.support.slackclient import SignedClient
from tests.support.slackforms import fill
from tests.support.slackmessages import texts


def test_a_cpd_form_refused_for_its_duration_then_corrected_logs_the_entry(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    opened = slack.command("/cpd", "add")
    view = opened.modal()
    refused = slack.view_submission(
        view, fill(view, {"cpd-duration": "banana", "cpd-type": "work", "cpd-title": "Fixed"})
    )
    answer = refused.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"cpd-duration"}
    assert entries(engine) == []

    corrected = slack.view_submission(
        view, fill(view, {"cpd-duration": "2h", "cpd-type": "work", "cpd-title": "Fixed"})
    )
    assert corrected.status == 200
    assert corrected.json() is None  # acknowledged with no errors: the form closes
    [entry] = entries(engine)
    assert (entry.title, entry.minutes) == ("Fixed", 120)
    confirmation = fake_slack.wait_response(opened.response_url or "")
    assert "Logged" in texts(confirmation)


def test_an_event_form_refused_then_corrected_creates_and_announces_the_event(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, organiser: str
) -> None:
    view = slack.command("/event", "create", user=ORGANISER, channel="C0TECHNET").modal()
    answers = {
        "event-title": "Fume cupboard clinic",
        "event-start-date": "2026-12-03",
        "event-start-time": "14:00",
        "event-end-time": "13:00",  # ends before it starts
        "event-cpd-type": "professional",
    }
    values = fill(view, answers)
    values["event-channel"]["event-channel"]["selected_conversation"] = "C0TECHNET"
    refused = slack.view_submission(view, values, user=ORGANISER).json()
    assert refused["response_action"] == "errors"
    with Session(engine) as session:
        assert session.scalars(select(Event)).all() == []

    values = fill(view, {**answers, "event-end-time": "15:30"})
    values["event-channel"]["event-channel"]["selected_conversation"] = "C0TECHNET"
    corrected = slack.view_submission(view, values, user=ORGANISER)
    assert corrected.status == 200
    assert corrected.json() is None
    with Session(engine) as session:
        [event] = session.scalars(select(Event)).all()
        assert event.title == "Fume cupboard clinic"
    fake_slack.wait_for(
        lambda: next(
            (c for c in fake_slack.calls_to("chat.postMessage") if c.args.get("channel") == "C0TECHNET" and c.ok), None
        )
    )


def test_a_form_accepted_once_is_not_accepted_again(slack: SignedClient, fake_slack: FakeSlack, engine: Engine) -> None:
    """The same view submitted again after it was accepted (a replay) changes nothing: its id was claimed."""
    view = slack.command("/cpd", "add").modal()
    values = fill(view, {"cpd-duration": "1h", "cpd-type": "work", "cpd-title": "Once"})
    assert slack.view_submission(view, values).status == 200
    assert slack.view_submission(view, values).status == 200
    assert [e.title for e in entries(engine)] == ["Once"]


def test_an_event_form_with_a_past_date_is_refused_on_the_date_field(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, organiser: str
) -> None:
    """The date is what is wrong, so the error sits under the date, not the start time (issue #17, item 4)."""
    view = slack.command("/event", "create", user=ORGANISER, channel="C0TECHNET").modal()
    answers = {
        "event-title": "Fume cupboard clinic",
        "event-start-date": "2026-11-01",  # three weeks ago
        "event-start-time": "14:00",
        "event-end-time": "15:00",
        "event-cpd-type": "professional",
    }
    values = fill(view, answers)
    values["event-channel"]["event-channel"]["selected_conversation"] = "C0TECHNET"
    refused = slack.view_submission(view, values, user=ORGANISER).json()
    assert refused["response_action"] == "errors"
    assert set(refused["errors"]) == {"event-start-date"}
    assert "has passed" in refused["errors"]["event-start-date"]
    with Session(engine) as session:
        assert session.scalars(select(Event)).all() == []
