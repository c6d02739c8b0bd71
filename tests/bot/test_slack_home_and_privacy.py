"""App Home and people's own data, end to end in Slack."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import Engine, String, Text, select

from bot.composition import Deps
from bot.dispatch import Who
from bot.runtime import Runtime
from bot.slack.render import to_home
from handlers.clock import FixedClock
from storage import cpd as cpd_repo
from storage import events, roles
from storage.cpd import CpdFields
from storage.events import EventFields
from storage.models import AuditLog, Base
from storage.people import PersonId
from tests.plan_data import csv_plan, load_plan
from tests.support.blockkit import check_view
from tests.support.fakeslack import FakeSlack
from tests.support.slackclient import SignedClient
from tests.support.slackmessages import button, texts

ME = "U0ME"


def open_home(slack: SignedClient, fake: FakeSlack, user: str = ME) -> dict:  # type: ignore[type-arg]
    before = len(fake.calls_to("views.publish"))
    slack.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"})
    call = fake.wait_for(
        lambda: fake.calls_to("views.publish")[before] if len(fake.calls_to("views.publish")) > before else None
    )
    assert call.ok
    return call.args["view"]  # type: ignore[no-any-return]


def make_event(deps: Deps, clock: FixedClock, *, capacity: int | None = None) -> int:
    start = clock.now() + timedelta(days=5)
    fields = EventFields(
        title="Microscopy clinic",
        description="",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        location="Lab 3",
        capacity=capacity,
        cpd_minutes=60,
        cpd_type="professional",
        channel_id="C0TECHNET",
    )
    with deps.uow(write=True) as uow:
        event = events.add_event(uow, fields=fields, organiser=("slack", "U0ORG"), now=clock.now())
        uow.commit()
        return event.id


def test_home_for_someone_new_is_valid_and_helpful(slack: SignedClient, fake_slack: FakeSlack) -> None:
    view = open_home(slack, fake_slack)
    shown = texts(view)
    assert "*0 h* of 30 h target" in shown
    assert "not tracking one yet" in shown
    assert [b["text"]["text"] for b in view["blocks"][-1]["elements"]] == [
        "Log CPD",
        "Browse events",
        "Audit pack (PDF)",
    ]


def test_home_with_everything_and_redrawn_after_a_change(
    slack: SignedClient, fake_slack: FakeSlack, deps: Deps, clock: FixedClock
) -> None:
    rows = [(f"H{n}", 2026, f"Home action {n}", ME, "Q1", "") for n in range(12)]
    load_plan(deps.uow, csv_plan(rows), now=clock.now())
    event_id = make_event(deps, clock)
    slack.command("/cpd", "add 3h Course type:formal", user=ME).reply()
    slack.command("/reg", "start RSciTech", user=ME).reply()
    slack.block_action("event-rsvp-going", str(event_id), user=ME).reply()
    view = open_home(slack, fake_slack)
    shown = texts(view)
    assert "*3 h* of 30 h target" in shown
    assert "*RSciTech* ●○○○○○○ 1/7 Exploring" in shown
    assert "✅ Going *Microscopy clinic*" in shown
    assert "*H0* Home action 0" in shown
    assert "…and 4 more" in shown
    assert check_view(view) == []
    slack.command("/cpd", "add 2h Another", user=ME).reply()  # the open tab is redrawn after a change
    redrawn = fake_slack.wait_call("views.publish", lambda c: "*5 h* of 30 h target" in texts(c.args["view"]))
    assert redrawn.args["user_id"] == ME


def test_a_status_click_on_the_home_tab_redraws_it(
    slack: SignedClient, fake_slack: FakeSlack, deps: Deps, clock: FixedClock
) -> None:
    load_plan(deps.uow, csv_plan([("H1", 2026, "Home action", ME, "Q1", "")]), now=clock.now())
    view = open_home(slack, fake_slack)
    done = button(view, "Done")
    slack.block_action(done["action_id"], done["value"], user=ME, view={"id": "VHOME", "type": "home"})
    fake_slack.wait_call("views.publish", lambda c: "✅ Done" in texts(c.args["view"]))
    assert not fake_slack.calls_to("chat.postMessage")


def test_a_status_click_on_a_home_tab_opened_before_a_restart_redraws_it(
    slack: SignedClient, fake_slack: FakeSlack, deps: Deps, clock: FixedClock
) -> None:
    """This process never saw the tab open (no app_home_opened since it started), yet the click redraws it."""
    load_plan(deps.uow, csv_plan([("H1", 2026, "Home action", ME, "Q1", "")]), now=clock.now())
    shown_before = to_home(deps.dispatcher.home(Who(PersonId("slack", "T0TEST", ME), ME)))  # what Slack still shows
    done = button(shown_before, "Done")
    slack.block_action(done["action_id"], done["value"], user=ME, view={"id": "VHOME", "type": "home"})
    redrawn = fake_slack.wait_call("views.publish", lambda c: "✅ Done" in texts(c.args["view"]))
    assert redrawn.args["user_id"] == ME


def test_home_at_its_fullest_stays_within_block_kit_limits(
    slack: SignedClient, fake_slack: FakeSlack, deps: Deps, clock: FixedClock
) -> None:
    load_plan(deps.uow, csv_plan([(f"F{n}", 2026, "x" * 900, ME, "Q1", "") for n in range(60)]), now=clock.now())
    for register in ("RSciTech", "RSci", "CSci", "EngTech", "IEng", "CEng", "ICTTech"):
        slack.command("/reg", f"start {register}", user=ME).reply()
    for _ in range(8):
        slack.block_action("event-rsvp-going", str(make_event(deps, clock)), user=ME).reply()
    view = open_home(slack, fake_slack)
    assert check_view(view) == []
    assert len(view["blocks"]) <= 100


def test_my_data_has_everything_about_me(
    slack: SignedClient, fake_slack: FakeSlack, deps: Deps, clock: FixedClock
) -> None:
    load_plan(deps.uow, csv_plan([("D1", 2026, "Data action", ME, "Q1", "")]), now=clock.now())
    reply = slack.command("/cpd", "add 1h30m Soldering #visibility", user=ME).reply()
    entry_id = button(reply, "Edit")["value"]
    slack.command("/reg", "start RSciTech", user=ME).reply()
    slack.command("/reg", f"evidence B {entry_id}", user=ME).reply()
    slack.block_action("event-rsvp-maybe", str(make_event(deps, clock)), user=ME).reply()
    slack.command("/plan", "update D1 at-risk Budget", user=ME).reply()
    assert "copy of all your data is in your DM" in texts(slack.command("/techcommit", "my-data", user=ME).reply())
    data = json.loads(fake_slack.wait_file().content)
    assert data["person"]["user_id"] == ME
    assert [e["title"] for e in data["cpd_entries"]] == ["Soldering"]
    assert data["cpd_entries"][0]["tags"] == ["visibility"]
    assert data["registration"][0]["evidence"] == {"B": [int(entry_id)]}
    assert data["event_rsvps"][0]["response"] == "maybe"
    assert data["plan_actions_owned"] == [{"ref": "D1", "title": "Data action"}]
    assert data["plan_status_updates"][0]["note"] == "Budget"


def test_my_data_includes_what_i_logged_in_another_workspace(
    slack: SignedClient, fake_slack: FakeSlack, deps: Deps, clock: FixedClock
) -> None:
    """One Enterprise Grid user id in two workspaces: forget-me erases both, so my-data shows both."""
    elsewhere = PersonId("slack", "T0OTHER", ME)
    with deps.uow(write=True) as uow:
        day = clock.now().date()
        fields = CpdFields(occurred_on=day, minutes=60, activity_type="formal", title="Elsewhere", tags=())
        cpd_repo.add_entry(uow, person=elsewhere, fields=fields, now=clock.now())
        uow.commit()
    slack.command("/cpd", "add 1h Here", user=ME).reply()
    slack.command("/techcommit", "my-data", user=ME).reply()
    data = json.loads(fake_slack.wait_file().content)
    assert sorted((e["workspace"], e["title"]) for e in data["cpd_entries"]) == [
        ("T0OTHER", "Elsewhere"),
        ("T0TEST", "Here"),
    ]


def test_forget_me_asks_first_then_leaves_nothing_behind(
    runtime: Runtime, slack: SignedClient, fake_slack: FakeSlack, deps: Deps, clock: FixedClock, engine: Engine
) -> None:
    with deps.uow(write=True) as uow:
        roles.grant_role(uow, platform="slack", user_id=ME, role="organiser", now=clock.now())
        uow.commit()
    load_plan(deps.uow, csv_plan([("G1", 2026, "Gone action", ME, "Q1", "")]), now=clock.now())
    full = make_event(deps, clock, capacity=1)
    reply = slack.command("/cpd", "add 1h Mine", user=ME).reply()
    slack.command("/reg", "start RSciTech", user=ME).reply()
    slack.command("/reg", f"evidence A {button(reply, 'Edit')['value']}", user=ME).reply()
    slack.block_action("event-rsvp-going", str(full), user=ME).reply()
    slack.block_action("event-rsvp-going", str(full), user="U0NEXT").reply()
    slack.command("/plan", "update G1 done", user=ME).reply()
    runtime.sweep()  # quarterly DM: a delivery row and a DM channel for me
    open_home(slack, fake_slack)
    question = slack.command("/techcommit", "forget-me", user=ME).reply()
    assert "can't be undone" in texts(question)
    confirm = button(question, "Delete my data")
    assert confirm["style"] == "danger"
    assert "confirm" in confirm
    done = slack.block_action(confirm["action_id"], confirm["value"], user=ME).reply()
    assert done["replace_original"] is True
    assert "1 CPD entry, 1 registration journey, 1 event answer deleted; 1 plan action unassigned" in texts(done)
    fake_slack.wait_call("chat.postMessage", lambda c: c.response.get("channel") == "DU0NEXT")  # moved up
    leftovers = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            text_columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            for row in conn.execute(select(*text_columns)) if text_columns else []:
                leftovers += [f"{table.name}: {value}" for value in row if value and ME in str(value)]
        audit = conn.execute(select(AuditLog.action, AuditLog.detail)).one()
    assert leftovers == []
    assert audit.action == "forget-me"
    assert ME not in json.dumps(audit.detail)
    assert audit.detail["cpd_entries"] == 1


def test_keep_it_deletes_nothing(slack: SignedClient, engine: Engine) -> None:
    slack.command("/cpd", "add 1h Mine", user=ME).reply()
    question = slack.command("/techcommit", "forget-me", user=ME).reply()
    keep = button(question, "Keep it")
    assert "Nothing was deleted" in texts(slack.block_action(keep["action_id"], keep["value"], user=ME).reply())
    assert "Mine" in texts(slack.command("/cpd", "list", user=ME).reply())


def test_help_lists_every_command(slack: SignedClient) -> None:
    shown = texts(slack.command("/techcommit", "help").reply())
    for command in ("/cpd add", "/reg start RSciTech", "/event create", "/plan update", "/techcommit forget-me"):
        assert command in shown
