"""A refused form submission reaches the person as the refusal, whatever blocks the submitted view has.

Slack shows a refusal on a form's input blocks (`response_action: errors`, keyed by block id), and
refuses an answer keyed by blocks the view does not have, or with no errors at all. Our forms all
have inputs, but a view_submission is only a signed request and can carry any view: these are
crafted through the real HTTP path, with no input blocks, or without the inputs the errors are about.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import pytest
from sqlalchemy import Engine, text

from handlers.ids import FormId, InputId
from tests.support.blockkit import check_view
from tests.support.fakeslack import FakeSlack
from tests.support.rows import row_counts
from tests.support.slackclient import SignedClient
from tests.support.slackmessages import texts

NOTE = {"type": "section", "block_id": "about", "text": {"type": "mrkdwn", "text": "Nothing to fill in here."}}


def crafted(callback: str, *, blocks: list[dict[str, Any]], state: dict[str, str] | None = None) -> dict[str, Any]:
    """A modal as a sender may make one up: our callback id, its own blocks and metadata."""
    return {
        "id": f"V0{callback.upper().replace('-', '')}"[:11],
        "type": "modal",
        "callback_id": callback,
        "title": {"type": "plain_text", "text": "Crafted"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": blocks,
        "private_metadata": json.dumps({"state": state or {}}),
    }


def text_value(block_id: str, value: str) -> dict[str, dict[str, Any]]:
    return {block_id: {"type": "plain_text_input", "value": value}}


def select_value(block_id: str, value: str) -> dict[str, dict[str, Any]]:
    return {block_id: {"type": "static_select", "selected_option": {"value": value}}}


# (the view, the values submitted with it, who submits it, what the refusal says)
REFUSED_WITHOUT_INPUTS: dict[str, tuple[dict[str, Any], dict[str, Any], str, str]] = {
    "an event form from someone who is not an organiser": (
        crafted(FormId.EVENT_CREATE_SAVE, blocks=[NOTE]),
        {},
        "U0NOBODY",
        "Only Tech Net organisers and admins create events",
    ),
    "a CPD form with nothing filled in": (
        crafted(FormId.CPD_ENTRY_SAVE, blocks=[NOTE]),
        {},
        "U1",
        "How long did it take?",
    ),
    "a plan note for a plan action that does not exist": (
        crafted(FormId.PLAN_NOTE_SAVE, blocks=[], state={"ref": "Z9", "quarter": "2026Q3", "view": "mine"}),
        {
            InputId.PLAN_STATUS: select_value(InputId.PLAN_STATUS, "on-track"),
            InputId.PLAN_NOTE: text_value(InputId.PLAN_NOTE, "Sneaky note"),
        },
        "U1",
        "There's no plan action Z9",
    ),
}


def apologies(fake: FakeSlack) -> list[str]:
    """Apologies for an internal error the bot sent anywhere (messages or response URLs)."""
    said = [texts(c.args) for c in fake.calls if c.method.startswith("chat.")]
    said += [texts(body) for bodies in fake.responses.values() for body in bodies]
    return [s for s in said if "Sorry" in s]


def refusal_view(answer: Any) -> dict[str, Any]:
    """The view a refusal replaced the form with; it must be a valid modal with nothing to submit."""
    assert isinstance(answer, dict), answer
    assert answer.get("response_action") == "update", answer
    view: dict[str, Any] = answer["view"]
    assert check_view(view) == [], check_view(view)
    assert view["type"] == "modal"
    assert not any(b.get("type") == "input" for b in view["blocks"])
    assert "submit" not in view  # nothing left to send: the person reads it and closes it
    return view


@pytest.mark.parametrize("case", list(REFUSED_WITHOUT_INPUTS))
def test_a_refused_submission_of_a_view_without_inputs_shows_the_refusal_in_its_place(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, case: str
) -> None:
    view, values, user, refusal = REFUSED_WITHOUT_INPUTS[case]
    before = row_counts(engine)
    sent = slack.view_submission(view, values, user=user)
    assert sent.status == 200, sent.body
    shown = texts(refusal_view(sent.json()))
    assert refusal in shown, shown
    assert "Sorry" not in shown
    assert row_counts(engine) == before
    assert apologies(fake_slack) == []


def test_an_internal_error_on_a_view_without_inputs_shows_the_reference_in_its_place(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    view = crafted(FormId.CPD_ENTRY_SAVE, blocks=[NOTE])
    values = {
        InputId.CPD_DATE: {InputId.CPD_DATE: {"type": "datepicker", "selected_date": "2026-11-20"}},
        InputId.CPD_DURATION: text_value(InputId.CPD_DURATION, "1h"),
        InputId.CPD_TYPE: select_value(InputId.CPD_TYPE, "work"),
        InputId.CPD_TITLE: text_value(InputId.CPD_TITLE, "Never stored"),
    }
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE handled_interaction RENAME TO handled_interaction_away"))
    try:
        with caplog.at_level(logging.ERROR):
            sent = slack.view_submission(view, values)
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE handled_interaction_away RENAME TO handled_interaction"))
    assert sent.status == 200, sent.body
    shown = texts(refusal_view(sent.json()))
    assert "Sorry" in shown
    assert "nothing was changed" in shown
    ref = shown.split("reference ")[1].split()[0].strip("`.")
    assert any(ref in record.getMessage() for record in caplog.records)
    assert row_counts(engine)["cpd_entry"] == 0
    assert apologies(fake_slack) == []  # told once, in the form, not again by the error handler


def test_errors_about_inputs_the_view_lacks_are_shown_on_an_input_it_has(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    opened = slack.command("/cpd", "add").modal()
    view = copy.deepcopy(opened)
    view["blocks"] = [b for b in view["blocks"] if b.get("block_id") in (InputId.CPD_TITLE, InputId.CPD_TAGS)]
    before = row_counts(engine)
    sent = slack.view_submission(view, {InputId.CPD_TITLE: text_value(InputId.CPD_TITLE, "Half a form")})
    answer = sent.json()
    assert answer["response_action"] == "errors", answer
    assert set(answer["errors"]) == {InputId.CPD_TITLE}  # the first input of the view
    for missing in ("Pick the date.", "How long did it take?", "Pick a kind of activity."):
        assert missing in answer["errors"][InputId.CPD_TITLE]
    assert len(answer["errors"][InputId.CPD_TITLE]) <= 2000
    assert row_counts(engine) == before
