"""Deliveries that arrive twice (Slack's retries, or the same body racing itself): one effect, one answer."""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine

from tests.bot.test_slack_events import announced, create_event
from tests.bot.test_slack_events import organiser as organiser  # a fixture, requested by name
from tests.support.concurrency import (
    WAIT,
    all_at_once,
    assert_not_an_apology,
    captured,
    click_sent,
    replies_so_far,
)
from tests.support.fakeslack import FakeSlack
from tests.support.rows import entries, rsvp_rows
from tests.support.slackclient import Sent, SignedClient
from tests.support.slackmessages import texts
from tests.support.waiting import logged, wait_until

# -- 4. deliveries that arrive twice --------------------------------------------------------------


def test_a_retried_app_home_opened_event_is_answered_and_publishes_the_home(
    slack: SignedClient, fake_slack: FakeSlack
) -> None:
    event = {"type": "app_home_opened", "user": "U0HOME", "channel": "DU0HOME", "tab": "home"}
    first = slack.event(event, event_id="Ev0RETRY0001")
    second = slack.event(event, event_id="Ev0RETRY0001", retry_num=1)
    assert (first.status, second.status) == (200, 200)
    published = fake_slack.wait_call("views.publish", lambda c: c.args.get("user_id") == "U0HOME", timeout=WAIT)
    assert published.ok
    assert "of 30 h target" in texts(published.args["view"])
    assert fake_slack.problems == [], fake_slack.describe()


def test_an_event_retried_after_a_timeout_is_acknowledged_and_not_handled_again(
    slack: SignedClient, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """Slack says why it retries (X-Slack-Retry-Reason): after a timeout the first delivery is being handled."""
    caplog.set_level(logging.INFO, logger="techcommit")
    event = {"type": "app_home_opened", "user": "U0ONCE", "channel": "DU0ONCE", "tab": "home"}
    assert slack.event(event, event_id="Ev0RETRY0002").status == 200
    fake_slack.wait_call("views.publish", lambda c: c.args.get("user_id") == "U0ONCE", timeout=WAIT)
    assert slack.event(event, event_id="Ev0RETRY0002", retry_num=1, retry_reason="http_timeout").status == 200
    wait_until(lambda: logged(caplog, "event retry skipped"), "the retry is skipped")
    # a retry for another reason (the first delivery failed) is handled
    assert slack.event(event, event_id="Ev0RETRY0002", retry_num=2, retry_reason="http_error").status == 200
    wait_until(
        lambda: (
            len([c for c in fake_slack.calls_to("views.publish") if c.args.get("user_id") == "U0ONCE"]) == 2 or None
        ),
        "the retry after an error publishes again",
    )
    time.sleep(0.3)  # nothing else arrives
    assert len([c for c in fake_slack.calls_to("views.publish") if c.args.get("user_id") == "U0ONCE"]) == 2


def deliver_a_going_click_twice(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> tuple[Sent, int]:
    """Press Going once, then post the very same request body again; wait until both are handled.

    Returns the first request and the number of chat.update calls before the click.
    """
    caplog.set_level(logging.INFO, logger="techcommit")
    event_id, post = create_event(slack, fake_slack, capacity="5")
    wait_until(lambda: announced(engine, event_id), "the announcement is on record")
    updates_before = len(fake_slack.calls_to("chat.update"))
    first, body, headers = captured(slack, lambda: click_sent(slack, post, "Going", "U0TWICE"))
    assert first.status == 200
    assert "You're going" in texts(first.reply(timeout=WAIT))
    fake_slack.wait_for(lambda: len(fake_slack.calls_to("chat.update")) > updates_before or None, WAIT)

    again = slack.post(body, headers)  # same body, same signature: Slack's retry of the same delivery
    assert again.status == 200

    def handled() -> bool:
        ignored = logged(caplog, "duplicate delivery ignored", f"delivery=action:{first.trigger_id}")
        acted_again = (
            replies_so_far(fake_slack, first) >= 2 and len(fake_slack.calls_to("chat.update")) >= updates_before + 2
        )
        return bool(ignored) or acted_again

    wait_until(handled, "the second delivery is handled")
    return first, updates_before


@pytest.mark.usefixtures("organiser")
def test_a_retried_going_click_stores_one_rsvp(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    deliver_a_going_click_twice(slack, fake_slack, engine, caplog)
    assert [(r.user_id, r.response) for r in rsvp_rows(engine)] == [("U0TWICE", "going")]
    assert fake_slack.problems == [], fake_slack.describe()


@pytest.mark.usefixtures("organiser")
def test_a_retried_going_click_is_answered_once(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Dispatcher: "a delivery seen before does nothing" — no second reply, no second redraw."""
    first, updates_before = deliver_a_going_click_twice(slack, fake_slack, engine, caplog)
    with fake_slack.lock:
        answers = [texts(r) for r in fake_slack.responses[first.response_url or ""]]
    redraws = len(fake_slack.calls_to("chat.update")) - updates_before
    assert len(answers) == 1, f"the repeated delivery was answered again: {answers}"
    assert redraws == 1, f"the announcement was redrawn {redraws} times"
    assert fake_slack.problems == [], fake_slack.describe()


def test_a_command_delivered_twice_at_once_logs_one_entry(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="techcommit")
    # deliver one `/cpd add 1h …` normally, keeping its exact body and headers, then deliver that twice more at once
    first, body, headers = captured(slack, lambda: slack.command("/cpd", "add 1h Twice delivered", user="U0DUP"))
    assert first.status == 200
    first.reply(timeout=WAIT)
    resent = all_at_once(lambda i: slack.post(body, headers), 2)
    assert [s.status for s in resent] == [200, 200]
    wait_until(
        lambda: len(logged(caplog, "duplicate delivery ignored", f"delivery=command:{first.trigger_id}")) >= 2,
        "both repeats are recognised",
    )
    assert [(e.user_id, e.title) for e in entries(engine)] == [("U0DUP", "Twice delivered")]
    assert replies_so_far(fake_slack, first) == 1
    assert fake_slack.problems == [], fake_slack.describe()


def test_a_command_whose_two_deliveries_race_logs_one_entry(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="techcommit")
    # build a command body without sending it, then post it twice at the same moment
    response_url, trigger_id = fake_slack.new_response_url(), slack.new_trigger_id()
    fields = {
        "token": slack.verification_token,
        "team_id": slack.team_id,
        "team_domain": slack.team_domain,
        "channel_id": "C1",
        "channel_name": "general",
        "user_id": "U0RACE",
        "user_name": "racer",
        "command": "/cpd",
        "text": "add 1h x",
        "api_app_id": slack.api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    body = urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **slack.signed_headers(body)}
    sent = all_at_once(lambda i: slack.post(body, headers), 2)
    assert [s.status for s in sent] == [200, 200]
    reply: dict[str, Any] = fake_slack.wait_response(response_url, 1, WAIT)
    assert_not_an_apology(texts(reply))
    wait_until(
        lambda: logged(caplog, "duplicate delivery ignored", f"delivery=command:{trigger_id}"),
        "one of the two deliveries is recognised as a repeat",
    )
    assert [(e.user_id, e.title) for e in entries(engine)] == [("U0RACE", "x")]
    with fake_slack.lock:
        assert len(fake_slack.responses[response_url]) == 1
    assert fake_slack.problems == [], fake_slack.describe()
