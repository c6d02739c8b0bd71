"""SignedClient: signed slash commands, clicks, submissions and events, as Slack sends them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from tests.support.blockkit_samples import full_modal, pt
from tests.support.fakeslack import FakeSlack
from tests.support.slackclient import SignedClient
from tests.support.slackforms import fill


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


# -- SignedClient ---------------------------------------------------------------------------------------

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


class _EchoApp(BaseHTTPRequestHandler):
    """A stand-in bot: verifies signatures on its own, echoes what it got, and reacts like a bot would."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        ts = self.headers.get("X-Slack-Request-Timestamp", "0")
        expected = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256).hexdigest()
        fresh = ts.isdigit() and abs(time.time() - int(ts)) < 300
        if not fresh or not hmac.compare_digest(expected, self.headers.get("X-Slack-Signature", "")):
            self._reply(401, {"error": "invalid signature"})
            return
        if self.headers["Content-Type"] == "application/json":
            body = json.loads(raw)
        else:
            body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            body = json.loads(body["payload"]) if "payload" in body else body
        fake: FakeSlack = self.server.fake  # type: ignore[attr-defined]
        if body.get("command") == "/modal":
            WebClient(token=fake.token, base_url=fake.api_url).views_open(
                trigger_id=body["trigger_id"], view=full_modal()
            )
        elif body.get("response_url") and body.get("text") != "quiet":
            WebhookClient(body["response_url"]).send(text=f"echo {body.get('text', '')}")
        headers = {k: v for k, v in self.headers.items() if k.startswith("X-Slack-Retry")}
        self._reply(200, {"content_type": self.headers["Content-Type"], "body": body, "retry": headers})

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def slack(fake: FakeSlack) -> Iterator[SignedClient]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoApp)
    server.fake = fake  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield SignedClient(f"http://127.0.0.1:{server.server_address[1]}", SECRET, fake)
    server.shutdown()
    server.server_close()


def test_command_is_signed_and_shaped_like_slack(slack: SignedClient, fake: FakeSlack) -> None:
    sent = slack.command("/cpd", "log 2h", user="U5", channel="C7")
    echoed = sent.json()
    assert sent.status == 200
    assert echoed["content_type"] == "application/x-www-form-urlencoded"
    body = echoed["body"]
    assert {k: body[k] for k in ("command", "text", "user_id", "channel_id", "team_id")} == {
        "command": "/cpd",
        "text": "log 2h",
        "user_id": "U5",
        "channel_id": "C7",
        "team_id": "T0TEST",
    }
    assert body["is_enterprise_install"] == "false"
    assert body["response_url"] == sent.response_url
    assert body["trigger_id"] == sent.trigger_id
    assert len(body["trigger_id"].split(".")) == 3
    assert slack.command("/cpd", "x").trigger_id != sent.trigger_id
    assert sent.reply()["text"] == "echo log 2h"
    assert fake.problems == []


def test_bad_signatures_are_refused(slack: SignedClient) -> None:
    assert slack.command("/cpd", "x", secret="wrong").status == 401
    assert slack.command("/cpd", "x", timestamp=int(time.time()) - 600).status == 401
    assert slack.post(b"text=x", {"Content-Type": "application/x-www-form-urlencoded"}).status == 401
    body = b'{"type": "event_callback"}'
    headers = {"Content-Type": "application/json", **slack.signed_headers(body)}
    assert slack.post(body, headers).status == 200


def test_block_action_payloads(slack: SignedClient) -> None:
    sent = slack.block_action("approve", "42", block_id="b9", message={"ts": "1700000000.000100", "text": "m"})
    body = sent.json()["body"]
    assert body["type"] == "block_actions"
    assert body["actions"][0]["action_id"] == "approve"
    assert body["actions"][0]["value"] == "42"
    assert body["actions"][0]["block_id"] == "b9"
    assert body["container"]["message_ts"] == "1700000000.000100"
    assert body["channel"]["id"] == "C1"
    assert body["user"]["id"] == "U1"
    assert body["response_url"] == sent.response_url
    assert sent.reply()["text"] == "echo "
    from_view = slack.block_action(
        "pick",
        view={"id": "V1", "type": "modal"},
        action_type="static_select",
        selected_option={"text": pt("A"), "value": "a"},
    ).json()["body"]
    assert from_view["container"] == {"type": "view", "view_id": "V1"}
    assert "response_url" not in from_view
    assert "channel" not in from_view
    assert from_view["actions"][0]["selected_option"]["value"] == "a"
    silent = slack.block_action("x", response_url=False)
    assert silent.response_url is None
    assert "response_url" not in silent.json()["body"]


def test_modal_fill_and_view_submission(slack: SignedClient, fake: FakeSlack) -> None:
    view = slack.command("/modal", "").modal()
    assert view["id"].startswith("V")
    assert view["callback_id"] == "cb"
    values = slack.fill(view, {"title": "Workshop", "hours": 1.5, "kind": "v2", "tags": ["v0", "v2"], "where": "C3"})
    assert values["title"]["ti"] == {"type": "plain_text_input", "value": "Workshop"}
    assert values["hours"]["h"]["value"] == "1.5"
    assert values["date"]["d"]["selected_date"] == "2025-01-31"
    assert values["kind"]["k"]["selected_option"]["value"] == "v2"
    assert values["link"]["l"]["value"] is None
    assert [o["value"] for o in values["tags"]["tg"]["selected_options"]] == ["v0", "v2"]
    assert values["where"]["w"]["selected_conversation"] == "C3"
    assert values["chan"]["c"]["selected_channel"] is None
    assert values["time"]["t"]["selected_time"] is None
    body = slack.view_submission(view, values, user="U2").json()["body"]
    assert body["type"] == "view_submission"
    assert body["response_urls"] == []
    assert body["view"]["id"] == view["id"]
    assert body["view"]["state"]["values"] == values
    assert body["view"]["private_metadata"] == "{}"
    assert body["user"]["id"] == "U2"
    with pytest.raises(ValueError, match="not an option"):
        fill(view, {"kind": "nope"})
    with pytest.raises(KeyError):
        fill(view, {"missing": "x"})
    with pytest.raises(ValueError, match="no id"):
        slack.view_submission(full_modal(), values)
    assert fake.problems == []


def test_events_and_no_reply(slack: SignedClient, fake: FakeSlack) -> None:
    sent = slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"}, retry_num=1)
    echoed = sent.json()
    assert echoed["content_type"] == "application/json"
    assert echoed["body"]["type"] == "event_callback"
    assert echoed["body"]["event"]["type"] == "app_home_opened"
    assert echoed["body"]["event_id"].startswith("Ev")
    assert echoed["retry"] == {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert slack.event({"type": "x"}, event_id="Ev1").json()["retry"] == {}
    slack.command("/cpd", "quiet").no_reply(wait=0.2)
    with pytest.raises(AssertionError, match="expected no reply"):
        slack.command("/cpd", "loud").no_reply(wait=1)
    with pytest.raises(TimeoutError):
        slack.command("/cpd", "quiet").modal(timeout=0.2)


def test_with_a_real_bolt_app(fake: FakeSlack) -> None:
    from slack_bolt import Ack, App, BoltRequest, Respond

    app = App(signing_secret=SECRET, client=WebClient(token=fake.token, base_url=fake.api_url))

    @app.command("/cpd")
    def command(ack: Ack, respond: Respond, command: dict[str, Any], client: WebClient) -> None:
        ack()
        if command["text"] == "modal":
            client.views_open(trigger_id=command["trigger_id"], view=full_modal())
        else:
            respond(text=f"got {command['text']}")

    @app.view("cb")
    def submitted(ack: Ack, view: dict[str, Any]) -> None:
        ack(response_action="errors", errors={"title": "not " + view["state"]["values"]["title"]["ti"]["value"]})

    class Adapter(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
            resp = app.dispatch(BoltRequest(body=raw, headers={k.lower(): v for k, v in self.headers.items()}))
            self.send_response(resp.status)
            self.end_headers()
            self.wfile.write(resp.body.encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Adapter)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        slack = SignedClient(f"http://127.0.0.1:{server.server_address[1]}", SECRET, fake)
        assert slack.command("/cpd", "hello").reply() == {"text": "got hello"}
        view = slack.command("/cpd", "modal").modal()
        answer = slack.view_submission(view, fill(view, {"title": "this"})).json()
        assert answer == {"response_action": "errors", "errors": {"title": "not this"}}
        assert slack.command("/cpd", "x", secret="nope").status == 401
        assert fake.problems == []
    finally:
        server.shutdown()
        server.server_close()
