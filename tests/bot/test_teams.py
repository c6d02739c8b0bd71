"""Microsoft Teams end to end: Teams-shaped activities → /api/messages → the same handlers; a fake Bot Connector."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.composition import Deps, build
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from handlers.clock import FixedClock
from storage.models import Delivery
from tests.bot.conftest import POOL_THREADS, SECRET, TOKEN
from tests.plan_data import csv_plan, load_plan
from tests.support.cli import clean_env, env_for, run, serving
from tests.support.fakeconnector import ConnectorCall, FakeConnector
from tests.support.fakeslack import FakeSlack
from tests.support.rows import entries
from tests.support.server import BackgroundServer
from tests.support.slackclient import SignedClient
from tests.support.teamsclient import TeamsClient, TeamsUser

ANNE = TeamsUser.make("Anne Teams")
TENANT = "72f988bf-0000-0000-0000-000000000000"


@pytest.fixture
def connector() -> Iterator[FakeConnector]:
    with FakeConnector() as fake:
        yield fake
        assert fake.problems == [], fake.describe()


@pytest.fixture
def teams_deps(engine: Engine, clock: FixedClock, fake_slack: FakeSlack) -> Iterator[Deps]:
    """One deployment serving Slack and Teams (Teams anonymous, as for local testing)."""
    settings = load_settings(
        _env_file=None,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=fake_slack.api_url,
        admin_user_ids="UADMIN",
        listener_threads=POOL_THREADS,
        teams_allow_anonymous=True,
    )
    return build(settings, clock=clock, engine=engine)


@pytest.fixture
def teams_runtime(teams_deps: Deps) -> Iterator[Runtime]:
    running = build_runtime(teams_deps)
    assert running.teams is not None
    assert running.slack is not None
    yield running
    running.close()


@pytest.fixture
def served(teams_runtime: Runtime) -> Iterator[BackgroundServer]:
    with BackgroundServer(teams_runtime.wsgi()) as server:
        yield server


@pytest.fixture
def teams(served: BackgroundServer, connector: FakeConnector) -> TeamsClient:
    return TeamsClient(served.url, connector, tenant_id=TENANT)


def card_text(call: ConnectorCall) -> str:
    found: list[str] = [call.text or ""]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "value", "label"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(FakeConnector.cards(call))
    return "\n".join(found)


def submit_data(call: ConnectorCall, title: str) -> dict[str, Any]:
    for card in FakeConnector.cards(call):
        for action in _actions(card):
            if action.get("title") == title:
                return dict(action["data"])
    raise AssertionError(f"no button {title!r} in {card_text(call)}")


def _actions(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "Action.Submit":
            yield node
        for value in node.values():
            yield from _actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _actions(item)


def test_a_message_command_logs_cpd_for_the_teams_person(teams: TeamsClient, engine: Engine) -> None:
    posted = teams.message("cpd add 1h30m Soldering course type:formal #career-development", user=ANNE)
    assert posted.status in (200, 202)
    [reply] = posted.replies()
    shown = card_text(reply)
    assert "Logged" in shown
    assert "Soldering course" in shown
    assert "**Soldering course**" in json.dumps(FakeConnector.cards(reply))  # Slack's *bold* became markdown
    [entry] = entries(engine)
    assert (entry.platform, entry.team_id, entry.user_id) == ("teams", TENANT, ANNE.aad_object_id)
    assert (entry.minutes, entry.activity_type) == (90, "formal")


def test_mentioning_the_bot_and_a_colleague_in_a_command(teams: TeamsClient, engine: Engine) -> None:
    """In a group chat people @mention the bot; a colleague mentioned in the text keeps their name."""
    bob = TeamsUser.make("Bob Teams")
    text = f"<at>{teams.bot['name']}</at> cpd add 1h Showed <at>{bob.name}</at> the reflow oven"
    [reply] = teams.message(text, user=ANNE, mentioning=[teams.bot, {"id": bob.teams_id, "name": bob.name}]).replies()
    assert "Logged" in card_text(reply)
    [entry] = entries(engine)
    assert entry.title == "Showed Bob Teams the reflow oven"


def test_a_leading_slash_and_the_form_as_a_card(teams: TeamsClient, engine: Engine) -> None:
    [form] = teams.message("/cpd add", user=ANNE).replies()
    [card] = FakeConnector.cards(form)
    ids = [element.get("id") for element in card["body"] if "id" in element]
    assert ids == [
        "cpd-date",
        "cpd-duration",
        "cpd-type",
        "cpd-title",
        "cpd-reflection",
        "cpd-benefit",
        "cpd-tags",
        "cpd-evidence",
    ]
    data = submit_data(form, "Save")
    bad = teams.submit(
        {**data, "cpd-date": "2026-11-20", "cpd-duration": "soon", "cpd-type": "work", "cpd-title": "Reading"},
        user=ANNE,
        reply_to_id=form.resource_id,
    )
    assert "Duration" in card_text(bad.replies()[0])
    assert entries(engine) == []
    good = teams.submit(
        {
            **data,
            "cpd-date": "2026-11-20",
            "cpd-duration": "45m",
            "cpd-type": "self",
            "cpd-title": "Reading",
            "cpd-reflection": "Learned X",
        },
        user=ANNE,
        reply_to_id=form.resource_id,
    )
    assert "Logged" in card_text(good.replies()[0])
    [entry] = entries(engine)
    assert (entry.minutes, entry.reflection) == (45, "Learned X")


def test_a_button_click_updates_the_card_it_was_on(
    teams: TeamsClient, connector: FakeConnector, engine: Engine
) -> None:
    [reply] = teams.message("cpd add 1h Reading group", user=ANNE).replies()
    undo = submit_data(reply, "Undo")
    teams.submit(undo, user=ANNE, reply_to_id=reply.resource_id)
    update = connector.wait_for(lambda: next((c for c in connector.calls_of("update_activity")), None))
    assert update.activity_id == reply.resource_id
    assert "Undone" in card_text(update)
    assert entries(engine) == []


def test_unknown_words_get_a_helpful_answer(teams: TeamsClient) -> None:
    [reply] = teams.message("hello there", user=ANNE).replies()
    assert "cpd add 2h Soldering refresher" in card_text(reply)


def test_forged_tokens_are_refused_and_change_nothing(
    teams: TeamsClient, connector: FakeConnector, engine: Engine
) -> None:
    posted = teams.message("cpd add 1h x", user=ANNE, authorization="Bearer x.y.z")
    assert posted.status == 401
    posted = teams.message("cpd add 1h x", user=ANNE, authorization="Basic dXNlcjpwYXNz")
    assert posted.status == 401
    assert entries(engine) == []
    assert connector.calls == []


def test_anonymous_requests_are_refused_unless_allowed(
    engine: Engine, clock: FixedClock, connector: FakeConnector, tmp_path: Any
) -> None:
    settings = load_settings(
        _env_file=None,
        teams_app_id="00000000-1111-2222-3333-444444444444",
        teams_app_password="not-a-real-secret",
        teams_tenant_id=TENANT,
    )
    runtime = build_runtime(build(settings, clock=clock, engine=engine))
    assert runtime.teams is not None
    assert runtime.slack is None
    try:
        with BackgroundServer(runtime.wsgi()) as server:
            posted = TeamsClient(server.url, connector, tenant_id=TENANT).message("cpd add 1h x", user=ANNE)
            assert posted.status == 401
    finally:
        runtime.close()
    assert entries(engine) == []


def test_quarterly_reminders_reach_a_slack_owner_and_a_teams_owner_once(
    teams: TeamsClient,
    connector: FakeConnector,
    fake_slack: FakeSlack,
    teams_deps: Deps,
    teams_runtime: Runtime,
    clock: FixedClock,
    engine: Engine,
) -> None:
    teams.message("plan", user=ANNE).replies()  # Anne has talked to the bot: her chat is remembered
    load_plan(
        teams_deps.uow,
        csv_plan(
            [
                ("M1", 2026, "Mixed action one", f"teams:{ANNE.aad_object_id}", "Q1", ""),
                ("M2", 2026, "Mixed action two", "U0SLACKER", "Q1", ""),
                (
                    "M3",
                    2026,
                    "Nobody has talked to me",
                    "teams:" + TeamsUser.make("Silent Sam").aad_object_id,
                    "Q1",
                    "",
                ),
            ]
        ),
        now=clock.now(),
    )
    first = teams_runtime.sweep()
    assert sorted(first.sending.sent) == [
        "plan-quarter:2026Q1:slack:U0SLACKER",
        f"plan-quarter:2026Q1:teams:{ANNE.aad_object_id}",
    ]
    [failed] = first.sending.failed
    assert failed.startswith("plan-quarter:2026Q1:teams:")
    proactive = [c for c in connector.calls_of("send_to_conversation") if "Mixed action one" in card_text(c)]
    assert len(proactive) == 1
    assert "On track" in card_text(proactive[0])
    assert [c.args["channel"] for c in fake_slack.calls_to("chat.postMessage")] == ["U0SLACKER"]
    assert teams_runtime.sweep().queued == []
    with Session(engine) as session:
        reason = session.scalars(select(Delivery.last_error).where(Delivery.status == "failed")).one()
    assert "no Teams chat with this person yet" in (reason or "")


def test_a_status_click_from_a_teams_reminder(
    teams: TeamsClient, connector: FakeConnector, teams_deps: Deps, teams_runtime: Runtime, clock: FixedClock
) -> None:
    teams.message("help", user=ANNE).replies()
    load_plan(
        teams_deps.uow,
        csv_plan([("T1", 2026, "Teams action", f"teams:{ANNE.aad_object_id}", "Q1", "")]),
        now=clock.now(),
    )
    teams_runtime.sweep()
    [dm] = [c for c in connector.calls_of("send_to_conversation") if "Teams action" in card_text(c)]
    done = submit_data(dm, "Done")
    teams.submit(done, user=ANNE, reply_to_id=dm.resource_id)
    update = connector.wait_for(
        lambda: next((c for c in connector.calls_of("update_activity") if "✅ Done" in card_text(c)), None)
    )
    assert update.activity_id == dm.resource_id


def test_an_rsvp_from_teams_redraws_the_slack_announcement(
    teams: TeamsClient, connector: FakeConnector, fake_slack: FakeSlack, served: BackgroundServer
) -> None:
    slack = SignedClient(served.url, SECRET, fake_slack)
    view = slack.command("/event", "create", user="UADMIN", channel="C0TECHNET").modal()
    from tests.support.slackclient import fill

    values = fill(
        view,
        {
            "event-title": "Cross-platform clinic",
            "event-start-date": "2026-12-03",
            "event-start-time": "12:30",
            "event-end-time": "13:30",
            "event-cpd-type": "professional",
        },
    )
    values["event-channel"]["event-channel"]["selected_conversation"] = "C0TECHNET"
    slack.view_submission(view, values, user="UADMIN")
    fake_slack.wait_call("chat.postMessage", lambda c: c.args.get("channel") == "C0TECHNET" and c.ok)
    [listing] = teams.message("event", user=ANNE).replies()
    teams.submit(submit_data(listing, "Going"), user=ANNE, reply_to_id=listing.resource_id)
    fake_slack.wait_call("chat.update", lambda c: "✅ 1 going" in json.dumps(c.args.get("blocks"), ensure_ascii=False))


def test_one_reminders_run_reaches_a_slack_user_and_a_teams_user(
    engine: Engine, fake_slack: FakeSlack, connector: FakeConnector, tmp_path: Any
) -> None:
    """The issue's scenario with real processes: `serve` for both platforms, then one `reminders run` pass."""
    env = env_for(
        engine,
        fake_slack,
        SLACK_SIGNING_SECRET=SECRET,
        TEAMS_ALLOW_ANONYMOUS="true",
        SCHEDULER_ENABLED="false",
    )
    with serving(env, tmp_path) as server:
        assert "Logged" in card_text(
            TeamsClient(server.base, connector, tenant_id=TENANT)
            .message("cpd add 1h Teams reading", user=ANNE)
            .replies()[0]
        )
        assert "Logged" in json.dumps(
            SignedClient(server.base, SECRET, fake_slack)
            .command("/cpd", "add 1h Slack reading", user="U0SLACKER")
            .reply()
        )
    assert sorted((e.platform, e.title) for e in entries(engine)) == [
        ("slack", "Slack reading"),
        ("teams", "Teams reading"),
    ]
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "ref,year,title,owner,quarters,pillar\n"
        f"S1,2018,Slack owner's action,U0SLACKER,Q4,\nT1,2018,Teams owner's action,teams:{ANNE.aad_object_id},Q4,\n"
    )
    assert run(["plan", "import", str(plan)], env, tmp_path).returncode == 0
    result = run(["reminders", "run", "--as-of", "2019-08-01T09:00"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sent   plan-quarter:2018Q4:slack:U0SLACKER" in result.stdout
    assert f"sent   plan-quarter:2018Q4:teams:{ANNE.aad_object_id}" in result.stdout
    assert [c.args["channel"] for c in fake_slack.calls_to("chat.postMessage")] == ["U0SLACKER"]
    assert len([c for c in connector.calls_of("send_to_conversation") if "Teams owner's action" in card_text(c)]) == 1


def test_the_teams_app_package(tmp_path: Any) -> None:
    import struct
    import zipfile

    app_id = "00000000-1111-2222-3333-444444444444"
    destination = tmp_path / "app.zip"
    result = run(
        ["teams", "package", str(destination), "--organisation", "Example University"],
        clean_env(TEAMS_APP_ID=app_id, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"),
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(destination) as package:
        manifest = json.loads(package.read("manifest.json"))
        sizes = {name: struct.unpack(">II", package.read(name)[16:24]) for name in ("color.png", "outline.png")}
    assert manifest["id"] == app_id
    assert manifest["bots"][0]["botId"] == app_id
    assert manifest["developer"]["name"] == "Example University"
    titles = [c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]]
    assert any(t.startswith("cpd add") for t in titles)
    assert {"reg", "event", "plan"} <= set(titles)
    assert sizes == {"color.png": (192, 192), "outline.png": (32, 32)}
    assert "{{" not in json.dumps(manifest)
