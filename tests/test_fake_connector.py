"""Tests for the test-side Teams stand-ins (FakeConnector, TeamsClient), driven by a tiny real Agents SDK bot.

The stand-in bot (tests/support/standinbot.py) is built with the Microsoft 365 Agents SDK in anonymous mode,
so this file does not depend on the bot package.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import ClientResponseError
from microsoft_agents.activity import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from microsoft_agents.hosting.core import (
    CardFactory,
    ClaimsIdentity,
    MessageFactory,
    TurnContext,
)
from waitress import create_server

from tests.support.adaptivecards import ADAPTIVE_CARD, check_card
from tests.support.fakeconnector import ConnectorCall, FakeConnector
from tests.support.standinbot import TOKEN, StandInBot, card
from tests.support.teamsclient import Posted, TeamsClient, TeamsUser

ALICE = TeamsUser.make("Alice Example")
BOB = TeamsUser.make("Bob Example")

# -- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def connector() -> Iterator[FakeConnector]:
    with FakeConnector() as fake:
        yield fake


@pytest.fixture(scope="module")
def bot_url() -> Iterator[tuple[StandInBot, str]]:
    bot = StandInBot()
    server = create_server(bot.wsgi, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield bot, f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(5)
    bot.close()


@pytest.fixture
def bot(bot_url: tuple[StandInBot, str], connector: FakeConnector) -> StandInBot:
    connector.reset()
    bot_url[0].errors.clear()
    bot_url[0].seen.clear()
    return bot_url[0]


@pytest.fixture
def teams(bot: StandInBot, bot_url: tuple[StandInBot, str], connector: FakeConnector) -> TeamsClient:
    return TeamsClient(bot_url[1], connector)


def texts(calls: list[ConnectorCall]) -> list[str | None]:
    return [c.text for c in calls]


def http(method: str, url: str, body: Any = None, raw: bytes | None = None) -> tuple[int, dict[str, str], Any]:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            status, headers, text = resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as err:
        status, headers, text = err.code, dict(err.headers.items()), err.read()
    return status, headers, json.loads(text) if text else None


# -- round trips through the stand-in bot --------------------------------------------------------------


def test_message_round_trip(teams: TeamsClient, connector: FakeConnector, bot: StandInBot) -> None:
    posted = teams.message("hello", user=ALICE)
    assert (posted.status, posted.body) == (202, None)
    first, second = posted.replies(2)
    assert [first.op, second.op] == ["reply_to_activity"] * 2
    assert first.text == "Hi Alice Example, you said: hello"
    assert (first.activity_id, first.conversation_id) == (posted.activity_id, teams.personal_conversation_id(ALICE))
    assert first.authorization is None  # anonymous turns send no token
    assert first.body["recipient"]["aadObjectId"] == ALICE.aad_object_id
    assert connector.cards(second) == [card("What do you think?")]
    seen = bot.seen[-1]
    assert (seen.conversation.tenant_id, seen.conversation.conversation_type) == (teams.tenant_id, "personal")
    assert (seen.from_property.id, seen.channel_id) == (ALICE.teams_id, "msteams")
    assert (connector.problems, bot.errors) == ([], [])


def test_submit_round_trip(teams: TeamsClient, connector: FakeConnector, bot: StandInBot) -> None:
    card_call = teams.message("hello", user=ALICE).replies(2)[1]
    posted = teams.submit({"verb": "ack", "comment": "looks fine"}, user=ALICE)
    assert (posted.status, posted.activity["replyToId"]) == (202, card_call.resource_id)
    assert "text" not in posted.activity
    assert texts(posted.replies(1)) == ["Thanks: looks fine"]
    update = connector.wait_for(lambda: connector.calls_of("update_activity"))[0]
    assert (update.activity_id, update.response) == (card_call.resource_id, {"id": card_call.resource_id})
    assert connector.cards(update)[0]["actions"][0]["data"] == {"verb": "done"}
    assert bot.seen[-1].value == {"verb": "ack", "comment": "looks fine"}
    assert (connector.problems, bot.errors) == ([], [])


def test_proactive_send_with_a_stored_reference(teams: TeamsClient, connector: FakeConnector, bot: StandInBot) -> None:
    teams.message("remember me", user=BOB).replies(2)
    reference = ConversationReference.model_validate_json(bot.references[BOB.aad_object_id])
    continuation = reference.get_continuation_activity()
    continuation.id = None  # else the SDK replies to a random id instead of sending

    async def remind(context: TurnContext) -> None:
        await context.send_activity("Reminder: your CPD log is due")
        await context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card("Log it now"))))

    bot.run(bot.adapter.continue_conversation("", continuation, remind))
    bot.run(bot.adapter.continue_conversation_with_claims(ClaimsIdentity(), continuation, remind))
    sent = connector.calls_of("send_to_conversation")
    assert [c.conversation_id for c in sent] == [teams.personal_conversation_id(BOB)] * 4
    assert [c.authorization for c in sent] == [f"Bearer {TOKEN}"] * 2 + [None] * 2
    assert texts(sent)[::2] == ["Reminder: your CPD log is due"] * 2
    assert (connector.problems, bot.errors) == ([], [])


def test_create_conversation_returns_the_existing_personal_chat(
    teams: TeamsClient, connector: FakeConnector, bot: StandInBot
) -> None:
    teams.message("hi", user=ALICE).replies(2)
    params = ConversationParameters(
        is_group=False,
        agent=ChannelAccount(id=teams.bot["id"]),
        members=[ChannelAccount(id=ALICE.teams_id)],
        tenant_id=teams.tenant_id,
        channel_data={"tenant": {"id": teams.tenant_id}},
    )
    created: list[str] = []

    async def on_created(context: TurnContext) -> None:
        created.append(context.activity.conversation.id)

    audience = "https://api.botframework.com"  # the SDK refuses an empty audience
    bot.run(bot.adapter.create_conversation("", "msteams", connector.service_url, audience, params, on_created))
    assert created == [teams.personal_conversation_id(ALICE)]
    call = connector.calls_of("create_conversation")[0]
    assert (call.status, call.authorization, connector.problems) == (201, f"Bearer {TOKEN}", [])


def test_install_sends_installation_and_conversation_updates(teams: TeamsClient, connector: FakeConnector) -> None:
    installed, added = teams.install(ALICE)
    assert (installed.status, added.status) == (202, 202)
    assert (installed.activity["type"], installed.activity["action"]) == ("installationUpdate", "add")
    assert added.activity["membersAdded"] == [{"id": teams.bot["id"]}]
    assert texts(added.replies(1)) == ["Welcome to techcommit"]
    assert connector.problems == []


def test_invalid_card_is_recorded_as_a_problem(teams: TeamsClient, connector: FakeConnector) -> None:
    reply = teams.message("bad card", user=ALICE).replies(2)[1]
    assert reply.status == 201  # the real service accepts it; the card is broken for users
    assert [p.split(": ", 3)[-1][:20] for p in connector.problems] == [
        "'id' is a required p",
        "Input.Text has no 'i",
        "Slack markup '<!here",
    ]
    assert all(p.startswith("reply_to_activity: attachments/0/content: body/2") for p in connector.problems)


def test_forged_bearer_token_is_refused(teams: TeamsClient, connector: FakeConnector, bot: StandInBot) -> None:
    forged = teams.message("let me in", user=ALICE, authorization="Bearer x.y.z")
    assert (forged.status, forged.body) == (401, {"error": "Invalid token or authentication failed."})
    assert teams.message("let me in", user=ALICE, authorization="Basic YTpi").status == 401
    forged.no_replies(0.2)
    assert (bot.seen, connector.calls) == ([], [])


def test_malformed_activities_are_refused(teams: TeamsClient) -> None:
    headers = {"Content-Type": "application/json"}
    assert teams.post_raw(b"not json", headers).status == 400
    assert teams.post_raw(json.dumps({"type": "message"}).encode(), headers).status == 400


def test_injected_429_reaches_the_bot_and_then_clears(
    teams: TeamsClient, connector: FakeConnector, bot: StandInBot
) -> None:
    connector.fail("reply_to_activity", status=429, retry_after=3)
    assert teams.message("hello", user=ALICE).status == 202  # the turn error is the bot's to handle
    refused = connector.calls[0]
    assert (refused.op, refused.status, refused.ok) == ("reply_to_activity", 429, False)
    assert refused.response["error"]["code"] == "Throttled"
    [error] = bot.errors
    assert isinstance(error, ClientResponseError)
    assert error.headers is not None
    assert (error.status, error.headers.get("Retry-After")) == (429, "3")
    assert texts(teams.message("again", user=ALICE).replies(1)) == ["Hi Alice Example, you said: again"]
    cid = teams.personal_conversation_id(ALICE)
    assert (refused in connector.sent_to(cid, include_failed=True), refused in connector.sent_to(cid)) == (True, False)


# -- the fake connector on its own ---------------------------------------------------------------------


def test_routes_answer_like_the_connector(connector: FakeConnector) -> None:
    connector.reset()
    base, cid = connector.service_url + "v3/conversations", "a:direct-test"
    connector.add_member(cid, ALICE.account("t"))
    activity = {"type": "message", "text": "hi", "conversation": {"id": cid}}
    status, _, sent = http("POST", f"{base}/{cid}/activities", activity)
    assert (status, sent["id"].isdigit()) == (201, True)
    assert http("POST", f"{base}/{cid}/activities/{sent['id']}", activity)[0] == 201
    assert http("PUT", f"{base}/{cid}/activities/{sent['id']}", activity)[2] == {"id": sent["id"]}
    assert http("DELETE", f"{base}/{cid}/activities/{sent['id']}")[::2] == (200, None)
    assert http("GET", f"{base}/{cid}/members")[2] == [ALICE.account("t")]
    assert http("GET", f"{base}/{cid}/members/{ALICE.teams_id}")[2]["aadObjectId"] == ALICE.aad_object_id
    assert http("GET", f"{base}/{cid}/members/29:nobody")[0] == 404
    group = {"isGroup": True, "members": [{"id": "29:a"}, {"id": "29:b"}], "tenantId": "t"}
    status, _, created = http("POST", base, group)
    assert (status, sorted(created), created["id"][:20]) == (
        201,
        ["activityId", "id", "serviceUrl"],
        "a:fake-conversation-",
    )
    ops = [c.op for c in connector.calls]
    assert ops[:5] == ["send_to_conversation", "reply_to_activity", "update_activity", "delete_activity", "get_members"]
    assert connector.problems == []


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("POST", "c/activities", {"text": "no type"}, "activity has no 'type'"),
        ("POST", "c/activities", {"type": "message"}, "neither text nor attachments"),
        ("POST", "c/activities", {"type": "message", "text": "hi <@U0123ABC>"}, "'<@U0123ABC>' leaked"),
        ("POST", "c/activities", {"type": "message", "text": "<at>Bob</at>"}, "without a matching mention"),
        ("PUT", "c/activities/1", {"type": "message", "text": "x", "conversation": {"id": "d"}}, "addressed to"),
        ("POST", "", {"members": [], "tenantId": "t"}, "'members' must list"),
        ("POST", "", {"members": [{"id": "29:a"}, {"id": "29:b"}], "tenantId": "t"}, "exactly one member"),
        ("POST", "", {"members": [{"id": "29:a"}]}, "needs the tenant"),
        ("POST", "c/nothing", {}, "no such Connector endpoint"),
    ],
)
def test_misuse_is_recorded_but_answered(
    connector: FakeConnector, method: str, path: str, body: dict[str, Any], expected: str
) -> None:
    connector.reset()
    status, _, _ = http(method, connector.service_url + "v3/conversations/" + path, body)
    assert status == (404 if path == "c/nothing" else 200 if method == "PUT" else 201)
    assert len(connector.problems) == 1, connector.problems
    assert expected in connector.problems[0]


def test_non_json_body_is_a_problem(connector: FakeConnector) -> None:
    connector.reset()
    assert http("POST", connector.service_url + "v3/conversations/c/activities", raw=b"{oops")[0] == 201
    assert [p[:38] for p in connector.problems] == ["send_to_conversation: body is not JSON"]


def test_fail_counts_down_and_sets_retry_after(connector: FakeConnector) -> None:
    connector.reset()
    url = connector.service_url + "v3/conversations/c/activities"
    connector.fail("send_to_conversation", status=500, times=2, retry_after=None)
    connector.fail("send_to_conversation", status=429, retry_after=7)
    answers = [http("POST", url, {"type": "typing"}) for _ in range(4)]
    assert [(a[0], a[1].get("Retry-After")) for a in answers] == [(500, None), (500, None), (429, "7"), (201, None)]
    assert [c.status for c in connector.calls] == [500, 500, 429, 201]


def test_wait_for_times_out_with_an_account(connector: FakeConnector) -> None:
    connector.reset()
    with pytest.raises(TimeoutError, match="recent connector calls"):
        connector.wait_for(lambda: None, timeout=0.05)


def test_cards_picks_only_adaptive_cards(connector: FakeConnector) -> None:
    html = {"contentType": "text/html", "content": "<p>x</p>"}
    body = {"type": "message", "attachments": [html, {"contentType": ADAPTIVE_CARD, "content": card("x")}]}
    assert connector.cards(ConnectorCall("send_to_conversation", "c", None, body, None)) == [card("x")]
    assert check_card(card("x")) == []


# -- TeamsClient on its own ----------------------------------------------------------------------------


def test_teams_users_and_ids_are_stable() -> None:
    again = TeamsUser.make("Alice Example")
    assert (again, again.teams_id, ALICE.teams_id[:4]) == (ALICE, ALICE.teams_id, "29:1")
    assert (len(ALICE.aad_object_id), ALICE.aad_object_id == BOB.aad_object_id) == (36, False)
    client = TeamsClient("http://127.0.0.1:1", FakeConnector())
    conversations = [client.personal_conversation_id(u) for u in (ALICE, again, BOB)]
    assert (conversations[0] == conversations[1] != conversations[2], conversations[0][:3]) == (True, "a:1")


def test_message_activity_is_shaped_like_teams(teams: TeamsClient, connector: FakeConnector) -> None:
    activity = teams.base_activity("message", ALICE)
    assert (activity["serviceUrl"], activity["channelId"]) == (connector.service_url, "msteams")
    assert activity["recipient"] == {"id": f"28:{teams.bot_app_id}", "name": "techcommit"}
    assert activity["from"] == {"id": ALICE.teams_id, "name": "Alice Example", "aadObjectId": ALICE.aad_object_id}
    assert (activity["conversation"]["conversationType"], activity["locale"]) == ("personal", "en-GB")
    assert activity["channelData"] == {"tenant": {"id": "72f988bf-0000-0000-0000-000000000000"}}
    assert (activity["timestamp"][-1], activity["id"].isdigit()) == ("Z", True)
    assert Activity.model_validate(activity).from_property.aad_object_id == ALICE.aad_object_id


def test_submit_without_a_card_needs_a_reply_to_id(teams: TeamsClient) -> None:
    with pytest.raises(AssertionError, match="no card"):
        teams.submit({"verb": "ack"}, user=TeamsUser.make("Nobody Yet"))


def test_posted_without_connector_cannot_wait() -> None:
    with pytest.raises(AssertionError):
        Posted(202, None, "1").replies()
