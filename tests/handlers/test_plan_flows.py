"""`/plan` through the dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select, text

from bot.dispatch import Dispatcher, Who
from handlers import ui
from handlers.clock import FixedClock
from handlers.context import Policy
from handlers.ids import ActionId, FormId, InputId
from handlers.plan.importing import look_up_owners
from storage import plan as plan_repo
from storage.models import PlanStatusUpdate
from storage.people import PersonId
from storage.uow import UnitOfWorkFactory
from tests.plan_data import SEED, csv_plan, load_plan
from tests.support.dispatcher import text_of

OWNER = Who(PersonId("slack", "T0TEST", "U01ALICE"), "alice")
OTHER = Who(PersonId("slack", "T0TEST", "U02BOB"), "bob")
ADMIN = Who(PersonId("slack", "T0TEST", "UADMIN"), "admin")
IN_2018Q4 = datetime(2019, 9, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def bot(uow_factory: UnitOfWorkFactory, policy: Policy) -> Dispatcher:
    clock = FixedClock(IN_2018Q4)
    load_plan(uow_factory, SEED.read_bytes(), now=clock.now(), default_owner="U01ALICE")
    load_plan(uow_factory, csv_plan([("X1", 2018, "Unowned action", "", "Q4", "")]), now=clock.now())
    return Dispatcher(uow=uow_factory, clock=clock, policy=policy)


def statuses(uow_factory: UnitOfWorkFactory) -> int:
    with uow_factory(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(PlanStatusUpdate)) or 0)


def test_mine_lists_this_quarters_actions_then_later_ones(bot: Dispatcher) -> None:
    reply = bot.command(OWNER, "plan", "")
    shown = text_of(reply)
    assert "Due this quarter — 2018Q4 (Aug – Oct 2019)" in shown
    due_refs = [line.split("*")[1] for line in shown.splitlines() if line.startswith("*Y1-")]
    assert due_refs == ["Y1-01", "Y1-02", "Y1-03", "Y1-04", "Y1-06", "Y1-07", "Y1-08", "Y1-13"]
    assert "*Later*" in shown
    assert "*Y2-01*" in shown
    assert "No update yet" in shown
    assert "You don't own any" in text_of(bot.command(OTHER, "plan", "mine"))


def test_update_records_history_and_show_displays_it(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    reply = bot.command(OWNER, "plan", "update y1-03 at-risk Waiting for HR <!channel>")
    assert "🟠 At risk" in text_of(reply)
    assert "2018Q4 (Aug – Oct 2019)" in text_of(reply)
    bot.command(OWNER, "plan", "update Y1-03 on-track")
    shown = text_of(bot.command(OTHER, "plan", "show Y1-03"))
    assert shown.index("On track") < shown.index("At risk")  # newest first
    assert "Waiting for HR &lt;!channel&gt;" in shown
    assert "<@U01ALICE>" in shown
    assert "2018Q1 (Nov 2018 – Jan 2019)" in shown
    assert statuses(uow_factory) == 2


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("update Y1-03 sideways", "isn't a status"),
        ("update Y9-99 done", "no plan action"),
        ("update", "ref and its status"),
        ("report 2018Q9", "isn't a plan quarter"),
        ("show", "Which action"),
        ("assign Y1-03 bob", "isn't a person"),
        ("dance", "don't know"),
    ],
)
def test_bad_plan_commands_are_explained(bot: Dispatcher, uow_factory: UnitOfWorkFactory, text: str, says: str) -> None:
    shown = text_of(bot.command(ADMIN, "plan", text))
    assert shown.startswith("⚠️")
    assert says in shown
    assert statuses(uow_factory) == 0


def test_only_the_owner_or_an_admin_updates(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    refused = bot.command(OTHER, "plan", "update Y1-03 done")
    assert "Only the owner" in text_of(refused)
    forged = bot.action(OTHER, ui.Action(ActionId.PLAN_STATUS_DONE, "Y1-03|2018Q4|dm"))
    assert "Only the owner" in text_of(forged)
    assert "Only the owner" in text_of(bot.action(OTHER, ui.Action(ActionId.PLAN_NOTE_OPEN, "Y1-03|2018Q4|dm")))
    assert statuses(uow_factory) == 0
    assert "Recorded" in text_of(bot.command(ADMIN, "plan", "update Y1-03 done"))
    assert statuses(uow_factory) == 1


def test_status_buttons_record_redraw_in_place_and_ignore_double_clicks(
    bot: Dispatcher, uow_factory: UnitOfWorkFactory
) -> None:
    click = ui.Action(ActionId.PLAN_STATUS_DONE, "Y1-07|2018Q4|dm")
    first = bot.action(OWNER, click)
    second = bot.action(OWNER, click)
    assert isinstance(first, ui.Reply)
    assert first.replace
    assert "A new plan quarter has started" in text_of(first)  # the DM, redrawn
    assert "*Y1-07*" in text_of(first)
    assert "✅ Done" in text_of(first)
    assert text_of(first) == text_of(second)
    assert statuses(uow_factory) == 1


def test_add_note_form(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    form = bot.action(OWNER, ui.Action(ActionId.PLAN_NOTE_OPEN, "Y1-07|2018Q4|mine"))
    assert isinstance(form, ui.Form)
    assert form.callback == FormId.PLAN_NOTE_SAVE
    empty = bot.submit(
        OWNER, ui.Submission(form.callback, {InputId.PLAN_STATUS: "blocked", InputId.PLAN_NOTE: ""}, form.state)
    )
    assert isinstance(empty, ui.FormErrors)
    assert InputId.PLAN_NOTE in empty.errors
    saved = bot.submit(
        OWNER,
        ui.Submission(
            form.callback, {InputId.PLAN_STATUS: "blocked", InputId.PLAN_NOTE: "No budget until Q1"}, form.state
        ),
    )
    assert isinstance(saved, ui.Reply)
    assert saved.replace
    assert "🔴 Blocked" in text_of(saved)
    assert "No budget until Q1" in text_of(saved)
    assert statuses(uow_factory) == 1


def test_report_shows_counts_by_pillar_and_gaps(bot: Dispatcher) -> None:
    bot.command(OWNER, "plan", "update Y1-09 done")  # not due in 2018Q4: recorded, but not counted as due
    bot.command(OWNER, "plan", "update Y1-07 on-track")
    bot.command(OWNER, "plan", "update Y1-04 blocked")
    shown = text_of(bot.command(OTHER, "plan", "report 2018Q4"))
    assert "Action plan — 2018Q4 (Aug – Oct 2019)" in shown
    assert "9 actions due · 2 updated · 7 with no update · 1 unassigned" in shown
    sustainability = "🟢 On track 1 · 🟠 At risk 0 · 🔴 Blocked 0 · ✅ Done 0 · ⚪ No update 2"
    assert f"*Sustainability* (3 due)\n{sustainability}" in shown
    career = "🟢 On track 0 · 🟠 At risk 0 · 🔴 Blocked 1 · ✅ Done 0 · ⚪ No update 0"
    assert f"*Career development* (1 due)\n{career}" in shown
    assert "*No update this quarter*" in shown
    assert "*Y1-01*" in shown
    assert "*Unassigned*" in shown
    assert "*X1* Unowned action" in shown
    by_date = text_of(bot.command(OTHER, "plan", "report 2019-09-10"))
    assert by_date == shown
    assert "Aug – Oct 2019" in text_of(bot.command(OTHER, "plan", "report"))


def test_assign_is_for_admins(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    assert "Only admins" in text_of(bot.command(OWNER, "plan", "assign X1 <@U02BOB|bob>"))
    assert "now owned by <@U02BOB>" in text_of(bot.command(ADMIN, "plan", "assign X1 <@U02BOB|bob>"))
    with uow_factory(write=False) as uow:
        action = plan_repo.get_action(uow, ref="X1")
        assert action is not None
        assert action.owner_user_id == "U02BOB"
    assert "*X1*" in text_of(bot.command(OTHER, "plan", ""))


@pytest.mark.parametrize("person", ["@U02BOB", "<@U02BOB>", "<@U02BOB|bob>", "U02BOB"])
def test_assign_takes_a_person_however_they_arrive(
    bot: Dispatcher, uow_factory: UnitOfWorkFactory, person: str
) -> None:
    """`@U02BOB` typed in the console, `<@U02BOB>` or `<@U02BOB|bob>` from Slack (issue #17, item 7)."""
    assert "now owned by <@U02BOB>" in text_of(bot.command(ADMIN, "plan", f"assign X1 {person}"))


@pytest.mark.parametrize("text", ["assign X1 bob", "assign X1", "assign", "assign X1 @U02BOB"])
def test_a_non_admin_is_told_assign_is_for_admins_before_anything_else(bot: Dispatcher, text: str) -> None:
    shown = text_of(bot.command(OWNER, "plan", text))
    assert "Only admins can assign plan actions." in shown
    assert "person" not in shown


def test_a_name_that_is_not_a_mention_is_explained(bot: Dispatcher) -> None:
    shown = text_of(bot.command(ADMIN, "plan", "assign X1 @alice"))
    assert "mention them with @" not in shown
    assert "pick them from the list" in shown


def test_a_forged_note_form_for_someone_elses_action_is_refused(
    bot: Dispatcher, uow_factory: UnitOfWorkFactory
) -> None:
    forged = ui.Submission(
        FormId.PLAN_NOTE_SAVE,
        {InputId.PLAN_STATUS: "done", InputId.PLAN_NOTE: "not mine"},
        {"ref": "Y1-03", "quarter": "2018Q4", "view": "dm"},
    )
    result = bot.submit(OTHER, forged)
    assert isinstance(result, ui.FormErrors)
    assert "Only the owner" in result.errors[ui.WHOLE_FORM]
    assert statuses(uow_factory) == 0


def test_an_imported_plan_is_planned_for_as_it_is_at_once(uow_factory: UnitOfWorkFactory, engine: Engine) -> None:
    """PostgreSQL's planner knows the imported rows when the import commits, not when autovacuum gets to them.

    Without it, the planner takes the new tables for empty and reads a quarter's every action for each
    owner's reminder (bench/RESULTS.md: the quarterly fan-out).
    """
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite plans without statistics; only PostgreSQL's planner needs them")
    rows = [(f"S{n}", 2026, f"Action {n}", f"U0OWNER{n % 7}", "Q1", "") for n in range(40)]
    load_plan(uow_factory, csv_plan(rows), now=IN_2018Q4)
    with engine.connect() as conn:
        counted = dict(
            conn.execute(
                text("SELECT relname, reltuples FROM pg_class WHERE relname IN ('plan_action', 'plan_action_quarter')")
            ).all()
        )
    assert counted == {"plan_action": 40, "plan_action_quarter": 40}


def test_an_owner_known_only_by_email_is_kept_shown_and_looked_up_later(
    uow_factory: UnitOfWorkFactory, policy: Policy
) -> None:
    clock = FixedClock(IN_2018Q4)
    plan = csv_plan(
        [("E1", 2018, "Emailed action", "Kate@Example.ac.uk", "Q4", ""), ("E2", 2018, "Other", "", "Q4", "")]
    )
    report = load_plan(uow_factory, plan, now=clock.now(), default_owner="ann@example.ac.uk")
    assert report.by_email == {"kate@example.ac.uk": 1, "ann@example.ac.uk": 1}
    assert report.unresolved == []
    assert report.unassigned == []
    bot = Dispatcher(uow=uow_factory, clock=clock, policy=policy)
    shown = text_of(bot.command(OTHER, "plan", "report 2018Q4"))
    assert "*E1* Emailed action — kate@example.ac.uk _(not looked up in Slack yet)_" in shown
    assert "*Unassigned*" not in shown
    with uow_factory(write=False) as uow:
        assert plan_repo.owners_due(uow, plan_year=2018, quarter=4) == []  # a real pass cannot reach them

    people = {"kate@example.ac.uk": "U0KATE"}
    found = look_up_owners(uow_factory, platform="slack", lookup=people.get, now=clock.now)
    assert found.found == {"kate@example.ac.uk": "U0KATE"}
    assert found.not_found == {"ann@example.ac.uk": 1}
    with uow_factory(write=False) as uow:
        assert plan_repo.owners_due(uow, plan_year=2018, quarter=4) == [("slack", "U0KATE")]
        assert [a.ref for a in plan_repo.unassigned_actions(uow)] == ["E2"]
    assert "*E1* Emailed action" in text_of(bot.command(Who(PersonId("slack", "T0TEST", "U0KATE")), "plan", ""))


def test_reimporting_with_the_user_id_replaces_an_owner_kept_as_email(uow_factory: UnitOfWorkFactory) -> None:
    clock = FixedClock(IN_2018Q4)
    by_email = csv_plan([("E1", 2018, "Emailed action", "kate@example.ac.uk", "Q4", "")])
    load_plan(uow_factory, by_email, now=clock.now())
    again = load_plan(uow_factory, csv_plan([("E1", 2018, "Emailed action", "U0KATE", "Q4", "")]), now=clock.now())
    assert again.owners == {"U0KATE": 1}
    third = load_plan(uow_factory, by_email, now=clock.now())
    assert third.owners == {"U0KATE": 1}  # a found owner is kept
