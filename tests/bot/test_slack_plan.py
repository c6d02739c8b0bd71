"""The action plan in Slack, end to end: the quarterly DM, clicks in it, retries, and /plan."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.composition import Deps
from bot.runtime import Runtime
from handlers.clock import FixedClock
from storage import conversations
from storage.models import PlanStatusUpdate
from tests.plan_data import csv_plan, load_plan
from tests.support.fakeslack import FakeSlack
from tests.support.slackclient import SignedClient
from tests.support.slackforms import fill
from tests.support.slackmessages import button, texts

OWNERS = ("U01ALICE", "U02BOB", "U03CAROL")


@pytest.fixture
def plan(deps: Deps, clock: FixedClock) -> None:
    """Plan year 2026: quarter 1 is Nov 2026 – Jan 2027, which contains the tests' clock (22 Nov 2026)."""
    rows = [(f"A{n}", 2026, f"Action {n}", OWNERS[n % 3], "Q1 Q2", "visibility") for n in range(1, 7)]
    load_plan(deps.uow, csv_plan(rows), now=clock.now())


def statuses(engine: Engine) -> list[tuple[str, int, str, str]]:
    with Session(engine) as session:
        rows = session.scalars(select(PlanStatusUpdate).order_by(PlanStatusUpdate.id))
        return [(r.status, r.quarter, r.by_user_id, r.note) for r in rows]


@pytest.mark.usefixtures("plan")
def test_each_owner_gets_one_dm_and_a_second_pass_sends_nothing(
    runtime: Runtime, deps: Deps, fake_slack: FakeSlack
) -> None:
    first = runtime.sweep()
    assert len(first.sending.sent) == 3
    posts = fake_slack.calls_to("chat.postMessage")
    assert sorted(c.response["channel"] for c in posts) == ["DU01ALICE", "DU02BOB", "DU03CAROL"]
    alice = next(c for c in posts if c.response.get("channel") == "DU01ALICE")
    assert "*A3* Action 3" in texts(alice.args)
    assert "*A6* Action 6" in texts(alice.args)
    assert "Action 1" not in texts(alice.args)
    second = runtime.sweep()
    assert second.queued == []
    assert len(fake_slack.calls_to("chat.postMessage")) == 3
    assert fake_slack.calls_to("conversations.open") == []  # DMs go to the user id; the channel is remembered
    assert sorted(c.args["channel"] for c in posts) == ["U01ALICE", "U02BOB", "U03CAROL"]
    with deps.uow(write=False) as unit:  # for DMs outside the outbox, which then need no conversations.open
        assert conversations.get_ref(unit, platform="slack", user_id="U02BOB") == "DU02BOB"


@pytest.mark.usefixtures("plan")
def test_rate_limits_and_server_errors_during_fan_out_lose_nothing(
    runtime: Runtime, deps: Deps, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=1)
    fake_slack.fail("conversations.open", status=500)
    result = runtime.sweep()
    assert len(result.sending.sent) == 3
    assert result.sending.retrying == []
    delivered = [c.response["channel"] for c in fake_slack.calls_to("chat.postMessage") if c.ok]
    assert sorted(delivered) == ["DU01ALICE", "DU02BOB", "DU03CAROL"]


@pytest.mark.usefixtures("plan")
def test_clicking_done_in_the_dm_records_it_and_updates_the_message(
    runtime: Runtime, deps: Deps, fake_slack: FakeSlack, slack: SignedClient, engine: Engine
) -> None:
    runtime.sweep()
    dm = next(c for c in fake_slack.calls_to("chat.postMessage") if c.response.get("channel") == "DU01ALICE")
    message = {"ts": dm.response["ts"], "blocks": dm.args["blocks"], "text": dm.args["text"]}
    done = button(message, "Done")
    assert done["value"] == "A3|2026Q1|dm"
    click = slack.block_action(done["action_id"], done["value"], user="U01ALICE", message=message, channel="DU01ALICE")
    updated = click.reply()
    assert updated["replace_original"] is True
    assert "✅ Done" in texts(updated)
    slack.block_action(done["action_id"], done["value"], user="U01ALICE", message=message, channel="DU01ALICE").reply()
    assert statuses(engine) == [("done", 1, "U01ALICE", "")]


@pytest.mark.usefixtures("plan")
def test_add_note_from_the_dm(
    runtime: Runtime, deps: Deps, fake_slack: FakeSlack, slack: SignedClient, engine: Engine
) -> None:
    runtime.sweep()
    dm = next(c for c in fake_slack.calls_to("chat.postMessage") if c.response.get("channel") == "DU02BOB")
    message = {"ts": dm.response["ts"], "blocks": dm.args["blocks"], "text": dm.args["text"]}
    note = button(message, "Add note")
    click = slack.block_action(note["action_id"], note["value"], user="U02BOB", message=message, channel="DU02BOB")
    view = click.modal()
    assert view["title"]["text"] == "Update A1"
    answer = slack.view_submission(
        view, fill(view, {"plan-status": "at-risk", "plan-note": "Room booking fell through"}), user="U02BOB"
    )
    assert answer.status == 200
    redrawn = fake_slack.wait_response(click.response_url or "")
    assert redrawn["replace_original"] is True
    assert "Room booking fell through" in texts(redrawn)
    assert statuses(engine) == [("at-risk", 1, "U02BOB", "Room booking fell through")]


@pytest.mark.usefixtures("plan")
def test_someone_else_cannot_click_an_owners_buttons(
    runtime: Runtime, deps: Deps, fake_slack: FakeSlack, slack: SignedClient, engine: Engine
) -> None:
    runtime.sweep()
    dm = next(c for c in fake_slack.calls_to("chat.postMessage") if c.response.get("channel") == "DU01ALICE")
    message = {"ts": dm.response["ts"], "blocks": dm.args["blocks"], "text": dm.args["text"]}
    done = button(message, "Done")
    refused = slack.block_action(done["action_id"], done["value"], user="U02BOB", message=message).reply()
    assert "Only the owner" in texts(refused)
    assert statuses(engine) == []


@pytest.mark.usefixtures("plan")
def test_plan_commands_over_slack(slack: SignedClient) -> None:
    mine = slack.command("/plan", "", user="U03CAROL").reply()
    assert "Due this quarter — 2026Q1 (Nov 2026 – Jan 2027)" in texts(mine)
    assert len([b for b in mine["blocks"] if b["type"] == "actions"]) == 2
    report = slack.command("/plan", "report").reply()
    assert "6 actions due · 0 updated · 6 with no update · 0 unassigned" in texts(report)
    assert report["response_type"] == "ephemeral"
