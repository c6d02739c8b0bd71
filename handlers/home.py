"""The personal dashboard (App Home): where the person stands, with the next things to do."""

from __future__ import annotations

from handlers import formatting as fmt
from handlers import ui
from handlers.context import Ctx
from handlers.cpd.kinds import ActivityType
from handlers.cpd.operations import current_year
from handlers.events import views as event_views
from handlers.ids import ActionId
from handlers.plan import views as plan_views
from handlers.plan.status import current_quarter
from handlers.reg.registers import REGISTERS, STAGE_LABELS
from handlers.reg.views import coverage_line, stage_bar
from storage import cpd as cpd_repo
from storage import events as event_repo
from storage import plan as plan_repo
from storage import registration as reg_repo

HOME_EVENTS = 5
HOME_ACTIONS = 8


def home_view(ctx: Ctx) -> ui.Home:
    """CPD this year, registration, my upcoming events, my plan actions due, and buttons to act."""
    blocks: list[ui.Block] = [
        ui.Header("My techcommit"),
        *_cpd(ctx),
        ui.Divider(),
        *_registration(ctx),
        *_events(ctx),
        *_plan(ctx),
    ]
    blocks.append(
        ui.Buttons(
            (
                ui.Button("Log CPD", ActionId.CPD_FORM_OPEN, style="primary"),
                ui.Button("Browse events", ActionId.EVENT_LIST_SHOW),
                ui.Button("Audit pack (PDF)", ActionId.CPD_EXPORT_PDF, "pdf:12m"),
            )
        )
    )
    return ui.Home(blocks=tuple(blocks))


def _cpd(ctx: Ctx) -> list[ui.Block]:
    year = current_year(ctx)
    by_type = cpd_repo.minutes_by_type(ctx.uow, person=ctx.actor, start=year.start, end=year.end)
    total = sum(by_type.values())
    target = round(ctx.policy.cpd_annual_target_hours * 60)
    blocks: list[ui.Block] = [
        ui.Text(
            f"*CPD — {year.label}*\n{ui.bold(fmt.hours(total))} of {fmt.hours(target)} "
            f"target  {fmt.progress_bar(total / target if target else 1)}"
        )
    ]
    if by_type:
        blocks.append(ui.Fields(tuple(f"*{t.label}*\n{fmt.hours(by_type.get(t.value, 0))}" for t in ActivityType)))
    else:
        blocks.append(ui.Context("Nothing logged this CPD year yet — `/cpd add 1h What you did` is all it takes."))
    return blocks


def _registration(ctx: Ctx) -> list[ui.Block]:
    journeys = reg_repo.journeys_of(ctx.uow, person=ctx.actor)
    if not journeys:
        return [ui.Context("*Registration:* not tracking one yet — `/reg start RSciTech` (or EngTech, …).")]
    evidence = reg_repo.evidence_of(ctx.uow, journey_ids=[j.id for j in journeys])
    lines = [
        f"*{j.register}* {stage_bar(j.stage)} {STAGE_LABELS[j.stage]}\n"
        f"{coverage_line(REGISTERS[j.register.lower()], evidence[j.id])}"
        for j in journeys
    ]
    return [ui.Text("*Registration*\n" + "\n".join(lines))]


def _events(ctx: Ctx) -> list[ui.Block]:
    upcoming = event_repo.upcoming(ctx.uow, now=ctx.now(), limit=50)
    mine = event_repo.responses_of(ctx.uow, person=ctx.actor, event_ids=[e.id for e in upcoming])
    answered = [e for e in upcoming if mine.get(e.id) in ("going", "maybe", "waitlist")][:HOME_EVENTS]
    zone = ctx.policy.timezone
    if not answered:
        others = f" ({fmt.plural(len(upcoming), 'event')} coming up)" if upcoming else ""
        return [ui.Context(f"*My events:* none yet{others} — *Browse events* below.")]
    lines = [
        f"{event_views.RESPONSE_LABELS[mine[e.id]]} *{ui.clip(e.title, 100)}* — {event_views.when(e, zone)}"
        for e in answered
    ]
    return [ui.Text("*My events*\n" + "\n".join(lines))]


def _plan(ctx: Ctx) -> list[ui.Block]:
    quarter = current_quarter(ctx)
    due = plan_repo.actions_due(
        ctx.uow, plan_year=quarter.year, quarter=quarter.number, owner=(ctx.actor.platform, ctx.actor.user_id)
    )
    if not due:
        return []
    statuses = plan_repo.latest_statuses(
        ctx.uow, action_ids=[a.id for a in due], plan_year=quarter.year, quarter=quarter.number
    )
    blocks: list[ui.Block] = [ui.Divider(), ui.Text(plan_views.heading(quarter, ctx.policy.plan_year_start_month))]
    blocks += plan_views.due_blocks(due[:HOME_ACTIONS], statuses, quarter, view="home")
    if len(due) > HOME_ACTIONS:
        blocks.append(ui.Context(f"…and {len(due) - HOME_ACTIONS} more — `/plan` lists them all."))
    return blocks
