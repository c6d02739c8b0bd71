"""CPD in Slack, end to end: signed requests → waitress → Bolt → handlers → the fake Slack Web API."""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.request

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, func, select, text

from storage.models import CpdEntry
from tests.bot.conftest import SECRET, slack_escaped
from tests.support.fakeslack import FakeSlack
from tests.support.rows import entries
from tests.support.server import BackgroundServer
from tests.support.slackclient import SignedClient
from tests.support.slackforms import fill
from tests.support.slackmessages import button, texts


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(CpdEntry)).scalar_one())


def test_healthz(server: BackgroundServer) -> None:
    with urllib.request.urlopen(server.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert response.read() == b"ok\n"


def test_quick_add_replies_ephemerally_with_the_entry(slack: SignedClient, engine: Engine) -> None:
    sent = slack.command("/cpd", "add 1h30m Soldering course type:formal date:2026-11-20 #career-development")
    assert sent.status == 200
    reply = sent.reply()
    assert reply["response_type"] == "ephemeral"
    [entry] = entries(engine)
    assert (entry.minutes, entry.activity_type, str(entry.occurred_on)) == (90, "formal", "2026-11-20")
    assert [t.tag for t in entry.tags] == ["career-development"]
    shown = texts(reply)
    for expected in (f"`{entry.id}`", "Soldering course", "1 h 30 min", "Formal / educational", "#career-development"):
        assert expected in shown
    assert {b["text"]["text"] for b in reply["blocks"][-1]["elements"]} == {"Add reflection", "Edit", "Undo"}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("add 0h x", "at least one minute"),
        ("add 2h", "title"),
        ("add 2h x date:2999-01-01", "future"),
        ("add 2h x type:nonsense", "kind of CPD"),
    ],
)
def test_bad_input_gets_an_ephemeral_explanation_and_stores_nothing(
    slack: SignedClient, engine: Engine, text: str, says: str
) -> None:
    reply = slack.command("/cpd", text).reply()
    assert reply["response_type"] == "ephemeral"
    assert says in texts(reply)
    assert "For example" in texts(reply)
    assert count(engine) == 0


def test_the_log_cpd_modal(slack: SignedClient, fake_slack: FakeSlack, engine: Engine) -> None:
    sent = slack.command("/cpd", "add")
    view = sent.modal()
    assert view["callback_id"] == "cpd-entry-save"
    assert [b["block_id"] for b in view["blocks"]] == [
        "cpd-date",
        "cpd-duration",
        "cpd-type",
        "cpd-title",
        "cpd-reflection",
        "cpd-benefit",
        "cpd-tags",
        "cpd-evidence",
    ]
    answers = {
        "cpd-duration": "2h",
        "cpd-type": "professional",
        "cpd-title": "Tech Net talk",
        "cpd-reflection": "How to explain our work",
        "cpd-benefit": "Others reuse our jigs",
        "cpd-tags": "#visibility",
        "cpd-evidence": "https://example.org/slides",
    }
    submitted = slack.view_submission(view, fill(view, answers))
    assert submitted.status == 200
    assert submitted.body == ""
    reply = fake_slack.wait_response(sent.response_url or "")  # the reply goes where /cpd add was typed
    assert "Logged" in texts(reply)
    [entry] = entries(engine)
    assert (entry.title, entry.minutes, entry.benefit, entry.evidence_url) == (
        "Tech Net talk",
        120,
        "Others reuse our jigs",
        "https://example.org/slides",
    )
    assert str(entry.occurred_on) == "2026-11-22"  # the datepicker's initial date, today in Europe/London


def test_an_invalid_modal_keeps_it_open_with_errors_on_the_fields(slack: SignedClient, engine: Engine) -> None:
    view = slack.command("/cpd", "add").modal()
    bad = fill(view, {"cpd-duration": "soon", "cpd-type": "work", "cpd-title": "x", "cpd-evidence": "notalink"})
    bad["cpd-date"]["cpd-date"]["selected_date"] = "2999-01-01"
    answer = slack.view_submission(view, bad).json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"cpd-duration", "cpd-date", "cpd-evidence"}
    assert count(engine) == 0


def test_a_submission_delivered_twice_logs_once(slack: SignedClient, fake_slack: FakeSlack, engine: Engine) -> None:
    view = slack.command("/cpd", "add").modal()
    values = fill(view, {"cpd-duration": "1h", "cpd-type": "work", "cpd-title": "Twice"})
    first, second = slack.view_submission(view, values), slack.view_submission(view, values)
    assert (first.status, second.status) == (200, 200)
    fake_slack.wait_for(lambda: count(engine) == 1 or None)
    time.sleep(0.3)
    assert count(engine) == 1


def test_undo_button_replaces_the_message_and_removes_the_entry(slack: SignedClient, engine: Engine) -> None:
    reply = slack.command("/cpd", "add 1h Reading group").reply()
    undo = button(reply, "Undo")
    answer = slack.block_action(undo["action_id"], undo["value"]).reply()
    assert answer["replace_original"] is True
    assert "Undone" in texts(answer)
    assert count(engine) == 0


def test_edit_and_add_reflection_open_the_prefilled_modal(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    reply = slack.command("/cpd", "add 45m Autoclave training #career-development").reply()
    reflect = button(reply, "Add reflection")
    click = slack.block_action(reflect["action_id"], reflect["value"])
    view = click.modal()
    by_id = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert by_id["cpd-title"]["initial_value"] == "Autoclave training"
    assert by_id["cpd-duration"]["initial_value"] == "45m"
    assert by_id["cpd-tags"]["initial_value"] == "#career-development"
    slack.view_submission(view, fill(view, {"cpd-reflection": "Checklists speed up training"}))
    updated = fake_slack.wait_response(click.response_url or "")
    assert "Updated" in texts(updated)
    [entry] = entries(engine)
    assert entry.reflection == "Checklists speed up training"
    assert entry.minutes == 45


def test_someone_else_cannot_touch_my_entry_even_with_forged_clicks(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    reply = slack.command("/cpd", "add 1h Alice only", user="U1").reply()
    entry_id = button(reply, "Edit")["value"]
    for action in ("cpd-entry-edit", "cpd-entry-undo", "cpd-entry-delete"):
        answer = slack.block_action(action, entry_id, user="U2", user_name="mallory").reply()
        assert "Alice only" not in texts(answer)
    assert fake_slack.calls_to("views.open") == []
    for typed in (f"edit {entry_id}", f"delete {entry_id}", "list all"):
        assert "Alice only" not in texts(slack.command("/cpd", typed, user="U2").reply())
    assert [e.title for e in entries(engine)] == ["Alice only"]


def test_user_text_is_escaped_so_nobody_is_pinged(slack: SignedClient, engine: Engine) -> None:
    reply = slack.command("/cpd", slack_escaped("add 1h <!channel> R&D <https://evil.example|click> talk")).reply()
    shown = texts(reply)
    assert "&lt;!channel&gt; R&amp;D &lt;https://evil.example|click&gt; talk" in shown
    [entry] = entries(engine)
    assert entry.title == "<!channel> R&D <https://evil.example|click> talk"  # stored as typed


def test_list_pages_through_long_records_within_block_kit_limits(slack: SignedClient, engine: Engine) -> None:
    long_title = "Very long title " * 12
    for n in range(25):
        slack.command("/cpd", f"add {n + 1}m {long_title[:190]} {n} date:2026-10-{n % 28 + 1:02d}").reply()
    first = slack.command("/cpd", "list").reply()
    assert "page 1 of 3" in texts(first)
    older = button(first, "Older ›")
    second = slack.block_action(older["action_id"], older["value"]).reply()
    assert second["replace_original"] is True
    assert "page 2 of 3" in texts(second)


def test_summary(slack: SignedClient) -> None:
    slack.command("/cpd", "add 3h Course type:formal").reply()
    reply = slack.command("/cpd", "summary").reply()
    shown = texts(reply)
    assert "3 h* of 30 h target" in shown
    assert "Audit check — last 12 months" in shown
    assert shown.count("not yet") == 4


def test_csv_export_arrives_in_the_dm(slack: SignedClient, fake_slack: FakeSlack) -> None:
    slack.command("/cpd", "add 1h30m Soldering type:formal date:2026-11-20").reply()
    slack.command("/cpd", "add 2h Café visit").reply()
    reply = slack.command("/cpd", "export csv").reply()
    assert "in your DM" in texts(reply)
    uploaded = fake_slack.wait_file()
    assert uploaded.channel_id == "DU1"
    rows = list(csv.reader(io.StringIO(uploaded.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "date", "hours"]
    assert [row[5] for row in rows[1:]] == ["Soldering", "Café visit"]


def test_pdf_audit_pack_from_the_summary_button(slack: SignedClient, fake_slack: FakeSlack) -> None:
    view = slack.command("/cpd", "add").modal()
    slack.view_submission(
        view,
        fill(
            view,
            {
                "cpd-duration": "2h",
                "cpd-type": "formal",
                "cpd-title": "Fume cupboards",
                "cpd-reflection": "Face velocity at nine points",
            },
        ),
    )
    summary = slack.command("/cpd", "summary").reply()
    pack = button(summary, "Audit pack (PDF)")
    slack.block_action(pack["action_id"], pack["value"]).reply()
    uploaded = fake_slack.wait_file()
    assert uploaded.filename.endswith(".pdf")
    text_in_pdf = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(uploaded.content)).pages)
    assert "Fume cupboards" in text_in_pdf
    assert "Face velocity at nine points" in text_in_pdf


def test_app_home(slack: SignedClient, fake_slack: FakeSlack) -> None:
    slack.command("/cpd", "add 3h Course type:formal").reply()
    slack.event({"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"})
    call = fake_slack.wait_call("views.publish")
    assert call.args["user_id"] == "U1"
    assert "3 h* of 30 h target" in texts(call.args["view"])
    log_cpd = button(call.args["view"], "Log CPD")
    click = slack.block_action(
        log_cpd["action_id"], log_cpd.get("value", ""), view={"id": call.response["view"]["id"], "type": "home"}
    )
    view = click.modal()
    slack.view_submission(view, fill(view, {"cpd-duration": "1h", "cpd-type": "self", "cpd-title": "From home"}))
    dm = fake_slack.wait_call("chat.postMessage")  # no response_url from App Home: the reply goes to the DM
    assert dm.response["channel"] == "DU1"
    assert "From home" in texts(dm.args)


@pytest.mark.parametrize("how", ["wrong secret", "stale timestamp", "future timestamp", "no signature"])
def test_unsigned_or_stale_requests_are_rejected_and_change_nothing(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, how: str
) -> None:
    if how == "wrong secret":
        sent = slack.command("/cpd", "add 1h x", secret="not-the-" + SECRET)
    elif how == "stale timestamp":
        sent = slack.command("/cpd", "add 1h x", timestamp=int(time.time()) - 5 * 60 - 30)
    elif how == "future timestamp":
        sent = slack.command("/cpd", "add 1h x", timestamp=int(time.time()) + 5 * 60 + 30)
    else:
        sent = slack.post(
            b"command=%2Fcpd&text=add+1h+x&user_id=U1&team_id=T0TEST",
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert sent.status == 401
    time.sleep(0.2)
    assert count(engine) == 0
    assert fake_slack.calls == []


def test_an_internal_error_apologises_with_a_reference_that_is_in_the_log(
    slack: SignedClient, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE cpd_entry RENAME TO cpd_entry_away"))
    try:
        reply = slack.command("/cpd", "list").reply()
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE cpd_entry_away RENAME TO cpd_entry"))
    shown = texts(reply)
    assert "Sorry" in shown
    assert "Traceback" not in shown
    assert "cpd_entry" not in shown
    ref = shown.split("reference `")[1].split("`")[0]
    assert any(ref in record.getMessage() for record in caplog.records)


def test_bolt_rejects_a_request_for_an_unknown_action(slack: SignedClient) -> None:
    assert slack.block_action("nobody-handles-this", "1").status == 404


def test_response_is_json_error_free(slack: SignedClient) -> None:
    sent = slack.command("/cpd", "help")
    assert sent.status == 200
    reply = sent.reply()
    assert "/cpd add" in texts(reply)
    assert reply["response_type"] == "ephemeral"


def test_rate_limits_and_server_errors_from_slack_are_retried(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake_slack.fail("views.open", status=429, retry_after=1)
    slack.command("/cpd", "add")
    view = fake_slack.wait_call("views.open", lambda call: call.ok, timeout=10).response["view"]
    assert [c.status for c in fake_slack.calls_to("views.open")] == [429, 200]
    slack.view_submission(view, fill(view, {"cpd-duration": "1h", "cpd-type": "work", "cpd-title": "Retried"}))
    fake_slack.fail("files.completeUploadExternal", status=500)
    slack.command("/cpd", "export csv all").reply(timeout=15)
    assert "Retried" in fake_slack.wait_file(timeout=15).content.decode("utf-8-sig")
    assert [c.status for c in fake_slack.calls_to("files.completeUploadExternal")] == [500, 200]


def test_a_form_submitted_after_its_response_url_expired_replies_another_way(
    slack: SignedClient, fake_slack: FakeSlack
) -> None:
    sent = slack.command("/cpd", "add")
    view = sent.modal()
    meta = json.loads(view["private_metadata"])
    assert meta["response_url"] == sent.response_url
    meta["issued"] -= 31 * 60  # the person left the form open for half an hour
    view = {**view, "private_metadata": json.dumps(meta)}
    slack.view_submission(view, fill(view, {"cpd-duration": "1h", "cpd-type": "work", "cpd-title": "Late"}))
    ephemeral = fake_slack.wait_call("chat.postEphemeral")
    assert (ephemeral.args["channel"], ephemeral.args["user"]) == ("C1", "U1")
    assert "Late" in texts(ephemeral.args)
    assert fake_slack.responses.get(sent.response_url or "", []) == []


@pytest.mark.parametrize("how", ["non-numeric timestamp", "tampered body", "missing timestamp"])
def test_more_forged_requests_are_rejected(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, how: str
) -> None:
    body = b"command=%2Fcpd&text=add+1h+x&user_id=U1&team_id=T0TEST&trigger_id=1.2.3&response_url=http%3A%2F%2Fx"
    headers = {"Content-Type": "application/x-www-form-urlencoded", **slack.signed_headers(body)}
    if how == "non-numeric timestamp":
        headers["X-Slack-Request-Timestamp"] = "soon"
    elif how == "tampered body":
        body = body.replace(b"1h", b"9h")
    else:
        del headers["X-Slack-Request-Timestamp"]
    assert slack.post(body, headers).status == 401
    assert count(engine) == 0
    assert fake_slack.calls == []
