"""Undo after `/cpd edit` in Slack, end to end: the entry is put back as it was, not deleted."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.support.fakeslack import FakeSlack
from tests.support.rows import entries
from tests.support.slackclient import SignedClient
from tests.support.slackforms import fill
from tests.support.slackmessages import button, texts


def test_undo_after_editing_the_duration_puts_the_old_duration_back(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    logged = slack.command("/cpd", "add 1h30m Soldering course type:formal #soldering").reply()
    entry_id = button(logged, "Edit")["value"]

    typed = slack.command("/cpd", f"edit {entry_id}")
    view = typed.modal()
    assert {b["block_id"]: b["element"] for b in view["blocks"]}["cpd-duration"]["initial_value"] == "1h30m"
    assert slack.view_submission(view, fill(view, {"cpd-duration": "3h"})).status == 200
    updated = fake_slack.wait_response(typed.response_url or "")
    assert "Updated" in texts(updated)
    [entry] = entries(engine)
    assert entry.minutes == 180

    undo = button(updated, "Undo")
    answer = slack.block_action(undo["action_id"], undo["value"]).reply()
    assert answer["replace_original"] is True
    assert f"CPD entry `{entry_id}` is back as it was" in texts(answer)
    assert "1 h 30 min" in texts(answer)
    [entry] = entries(engine)
    assert (entry.id, entry.minutes, entry.title, entry.activity_type) == (
        int(entry_id),
        90,
        "Soldering course",
        "formal",
    )
    assert [t.tag for t in entry.tags] == ["soldering"]

    again = slack.block_action(undo["action_id"], undo["value"]).reply()
    assert "already undone" in texts(again)
    [entry] = entries(engine)
    assert entry.minutes == 90
