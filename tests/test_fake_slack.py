"""The fake Slack Web API, driven by the real slack_sdk WebClient."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.support.blockkit_samples import full_modal, modal, pt, rich_message, section, text_input_modal
from tests.support.fakeslack import FakeSlack

# -- FakeSlack ----------------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.token, base_url=fake.api_url, timeout=5)


def _error(call: Any) -> str:
    with pytest.raises(SlackApiError) as info:
        call()
    return str(info.value.response["error"])


def test_post_message_is_recorded_with_realistic_response(fake: FakeSlack, client: WebClient) -> None:
    assert client.auth_test()["user_id"] == "U0BOT"
    first = client.chat_postMessage(channel="C1", text="hi", blocks=rich_message()["blocks"])
    second = client.chat_postMessage(channel="U7", text="dm")
    assert first["ts"] < second["ts"]
    assert first["ts"] == first["message"]["ts"]
    assert second["channel"] == "D" + "U7"
    call = fake.calls_to("chat.postMessage")[0]
    assert call.args["blocks"] == rich_message()["blocks"]
    assert call.headers["Authorization"].startswith("Bearer")
    assert fake.problems == []


def test_form_encoded_json_strings_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    blocks = [section("form")]
    client.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps(blocks)})
    assert fake.calls[-1].args["blocks"] == blocks
    assert fake.problems == []


def test_required_arguments_and_unknown_methods(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info, pytest.warns(UserWarning, match="text"):
        client.chat_postMessage(channel="C1")
    assert info.value.response["error"] == "invalid_arguments"
    assert (
        "[ERROR] one of [text, blocks, attachments] is required" in info.value.response["response_metadata"]["messages"]
    )
    assert _error(lambda: client.api_call("chat.delete", json={"channel": "C1"})) == "invalid_arguments"
    assert _error(lambda: client.api_call("nope.nothing")) == "unknown_method"
    assert len(fake.problems) == 3
    assert "ts" in fake.problems[1]


def test_authentication(fake: FakeSlack) -> None:
    assert _error(WebClient(token="xoxb-wrong", base_url=fake.api_url).auth_test) == "invalid_auth"
    assert _error(WebClient(base_url=fake.api_url).auth_test) == "not_authed"
    assert WebClient(base_url=fake.api_url).auth_test(token=fake.token)["ok"]
    assert [p.split(":")[1].strip() for p in fake.problems] == ["invalid_auth", "not_authed"]


def test_invalid_blocks_are_rejected(fake: FakeSlack, client: WebClient) -> None:
    error = _error(
        lambda: client.chat_postMessage(channel="C1", text="t", blocks=[{"type": "header", "text": pt("h" * 151)}])
    )
    assert error == "invalid_blocks"
    assert "limit 150" in fake.problems[0]
    assert _error(lambda: client.chat_update(channel="C1", ts="1.2", text="<!here>")) == "invalid_blocks"
    no_submit = {k: v for k, v in text_input_modal().items() if k != "submit"}
    assert _error(lambda: client.views_open(trigger_id="t", view=no_submit)) == "invalid_blocks"


def test_files_upload_v2_end_to_end(fake: FakeSlack, client: WebClient) -> None:
    data = bytes(range(256)) * 10
    result = client.files_upload_v2(
        content=data, filename="r.pdf", title="Report", channel="D1", initial_comment="Here"
    )
    uploaded = fake.wait_file(2)
    assert (uploaded.content, uploaded.filename, uploaded.title) == (data, "r.pdf", "Report")
    assert (uploaded.channel_id, uploaded.initial_comment) == ("D1", "Here")
    assert result["file"]["id"] == uploaded.file_id
    assert fake.problems == []
    assert [c.method for c in fake.calls] == ["files.getUploadURLExternal", "files.completeUploadExternal"]


def test_files_complete_without_upload_and_length_mismatch(fake: FakeSlack, client: WebClient) -> None:
    got = client.files_getUploadURLExternal(filename="a.txt", length=3)
    files = [{"id": got["file_id"], "title": "A"}]
    assert _error(lambda: client.files_completeUploadExternal(files=files)) == "file_not_found"
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(urllib.request.Request(got["upload_url"], data=b"four", method="POST"))
    assert info.value.code == 400
    assert fake.files == []
    assert len(fake.problems) == 2


def test_rate_limited_call_is_retried(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=0)
    client = WebClient(
        token=fake.token, base_url=fake.api_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )
    assert client.chat_postMessage(channel="C1", text="x")["ok"]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
    assert fake.count_429 == 1
    assert fake.problems == []


def test_429_without_handler_carries_retry_after(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("users.info", retry_after=7)
    with pytest.raises(SlackApiError) as info:
        client.users_info(user="U1")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "7"


def test_server_error_is_retried(fake: FakeSlack) -> None:
    fake.fail("chat.update", status=500)
    client = WebClient(token=fake.token, base_url=fake.api_url, retry_handlers=[ServerErrorRetryHandler()])
    assert client.chat_update(channel="C1", ts="1700000000.000100", text="x")["ok"]
    assert [c.status for c in fake.calls_to("chat.update")] == [500, 200]
    assert fake.problems == []


def test_injected_error_and_delay(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("conversations.open", error="cannot_dm_bot", times=2)
    assert _error(lambda: client.conversations_open(users="U1")) == "cannot_dm_bot"
    assert _error(lambda: client.conversations_open(users="U1")) == "cannot_dm_bot"
    assert client.conversations_open(users="U1")["channel"]["id"] == "DU1"
    fake.fail("auth.test", status=200, delay=0.6)
    with pytest.raises((TimeoutError, OSError)):
        WebClient(token=fake.token, base_url=fake.api_url, timeout=0.2).auth_test()  # type: ignore[arg-type]
    assert fake.problems == []


def test_rate_limit_token_bucket(fake: FakeSlack, client: WebClient) -> None:
    fake.rate_limit("chat.postMessage", per_second=2)
    outcomes = []
    for _ in range(5):
        try:
            outcomes.append(client.chat_postMessage(channel="C1", text="x")["ok"])
        except SlackApiError as err:
            outcomes.append(err.response.headers.get("Retry-After"))
    assert outcomes[:2] == [True, True]
    assert "1" in outcomes
    assert fake.count_429 >= 1
    assert fake.problems == []


def test_response_url_limits_and_validation(fake: FakeSlack) -> None:
    url = fake.new_response_url()
    hook = WebhookClient(url)
    statuses = [hook.send(text=f"reply {i}").status_code for i in range(6)]
    assert statuses == [200] * 5 + [404]
    assert fake.wait_response(url, 5)["text"] == "reply 4"
    assert "used more than 5 times" in fake.problems[-1]
    assert WebhookClient(fake.base_url + "/response/R404").send(text="x").status_code == 404
    bad = WebhookClient(fake.new_response_url()).send(text="x", blocks=[{"type": "bogus"}])
    assert bad.status_code == 400
    assert len(fake.problems) == 3


def test_wait_for_wakes_up_and_times_out(fake: FakeSlack, client: WebClient) -> None:
    threading.Timer(0.1, lambda: client.chat_postMessage(channel="C9", text="later")).start()
    call = fake.wait_call("chat.postMessage", lambda c: c.args["channel"] == "C9", timeout=3)
    assert call.response["ok"]
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="recent calls") as info:
        fake.wait_for(lambda: fake.calls_to("views.open"), timeout=0.2)
    assert time.monotonic() - started < 1
    assert "chat.postMessage" in str(info.value)


def test_views_lifecycle(fake: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id="1.2.abc", view=full_modal())["view"]
    assert opened["id"].startswith("V")
    assert opened["callback_id"] == "cb"
    assert opened["hash"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal(section("done")))
    assert updated["view"]["id"] == opened["id"]
    assert _error(lambda: client.views_update(view_id="V404", view=modal())) == "not_found"
    assert _error(lambda: client.views_update(view_id=opened["id"], hash="stale", view=modal())) == "hash_conflict"
    home = [client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["view"]["id"] for _ in "ab"]
    assert home[0] == home[1]
    assert len(fake.problems) == 2


def test_users_conversations_and_reset(fake: FakeSlack, client: WebClient) -> None:
    fake.users["U2"] = {"real_name": "Bea", "profile": {"email": "bea@example.ac.uk"}}
    fake.users_by_email["bea@example.ac.uk"] = "U2"
    assert client.users_info(user="U2")["user"]["profile"]["email"] == "bea@example.ac.uk"
    assert client.users_info(user="U3")["user"]["tz"] == "Europe/London"
    assert client.users_lookupByEmail(email="Bea@example.ac.uk")["user"]["id"] == "U2"
    assert _error(lambda: client.users_lookupByEmail(email="nobody@example.ac.uk")) == "users_not_found"
    assert [m["id"] for m in client.users_list()["members"]] == ["U2"]
    assert client.conversations_info(channel="DU2")["channel"]["is_im"]
    assert client.chat_getPermalink(channel="C1", message_ts="1700000000.000100")["permalink"].endswith(
        "/archives/C1/p1700000000000100"
    )
    assert fake.problems == []
    assert _error(lambda: client.api_call("conversations.open", json={"users": [1]})) == "fake_internal_error"
    assert len(fake.problems) == 1
    fake.fail("team.info")
    fake.reset()
    assert client.team_info()["team"]["id"] == "T0TEST"
    assert len(fake.calls) == 1
