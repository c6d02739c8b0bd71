"""What `/reg` does."""

from __future__ import annotations

from datetime import date

from handlers import ui
from handlers.context import Ctx
from handlers.cpd.operations import own_entry
from handlers.cpd.periods import rolling_12_months
from handlers.cpd.standards import check_standards
from handlers.errors import UserError
from handlers.formatting import day
from handlers.reg import views
from handlers.reg.registers import REGISTER_EXAMPLE, REGISTERS, STAGE_LABELS, STAGES, Register
from storage import cpd as cpd_repo
from storage import registration as repo
from storage.models import RegJourney


def audit_ready(ctx: Ctx) -> bool:
    """The last 12 months of CPD meet all four standards."""
    window = rolling_12_months(ctx.today())
    entries = cpd_repo.audit_rows(ctx.uow, person=ctx.actor, start=window.start, end=window.end)
    return all(check.met for check in check_standards(entries, ctx.today()))


def journey_for(ctx: Ctx, register: Register | None) -> RegJourney:
    """The journey named, or the only one; a clear error otherwise."""
    journeys = repo.journeys_of(ctx.uow, person=ctx.actor)
    if register is not None:
        found = next((j for j in journeys if j.register == register.code), None)
        if found is None:
            raise UserError(f"You aren't tracking {register.code}.", example=f"`/reg start {register.code}`")
        return found
    if not journeys:
        raise UserError("You aren't tracking a registration yet.", example="`/reg start RSciTech`")
    if len(journeys) > 1:
        names = ", ".join(f"`{j.register}`" for j in journeys)
        raise UserError(f"You track several registers ({names}); say which.", example="`/reg stage evidence RSciTech`")
    return journeys[0]


def status(ctx: Ctx) -> ui.Reply:
    """My journeys: register, stage bar, time in stage, coverage, next step."""
    journeys = repo.journeys_of(ctx.uow, person=ctx.actor)
    if not journeys:
        return ui.reply(
            ui.Text(
                "You aren't tracking a professional registration yet. Registration recognises your skills "
                "and commitment — technicians often start with *RSciTech* (Science Council) or *EngTech* "
                "(Engineering Council)."
            ),
            ui.Context(f"Start with `/reg start RSciTech`. Registers: {REGISTER_EXAMPLE}."),
            text="You aren't tracking a registration yet.",
        )
    evidence = repo.evidence_of(ctx.uow, journey_ids=[j.id for j in journeys])
    ready = audit_ready(ctx) if any(j.stage == "registered" for j in journeys) else False
    blocks: list[ui.Block] = [ui.Header("My professional registration")]
    zone = ctx.policy.timezone
    for journey in journeys:
        since = journey.stage_since.astimezone(zone).date()
        blocks += views.journey_blocks(
            journey, evidence[journey.id], today=ctx.today(), zone_date=since, audit_ready=ready
        )
        blocks.append(views.competence_legend(REGISTERS[journey.register.lower()]))
    return ui.Reply(blocks=tuple(blocks), text="My professional registration")


def start(ctx: Ctx, register: Register) -> ui.Reply:
    if any(j.register == register.code for j in repo.journeys_of(ctx.uow, person=ctx.actor)):
        return ui.notice(f"You're already tracking {register.code} — `/reg` shows where you are.")
    repo.start_journey(ctx.uow, person=ctx.actor, register=register.code, stage="exploring", now=ctx.now())
    return ui.notice(
        f"Started tracking *{register.code}* ({register.name}, {register.council}). "
        "Next: join a licensed body — `/reg body IST` — then `/reg stage joined`."
    )


def move(ctx: Ctx, stage: str, register: Register | None) -> ui.Reply:
    journey = journey_for(ctx, register)
    if journey.stage == stage:
        return ui.notice(f"{journey.register} is already at *{STAGE_LABELS[stage]}*.")
    repo.set_stage(ctx.uow, journey=journey, stage=stage, now=ctx.now())
    direction = "back to" if STAGES.index(stage) < STAGES.index(journey.stage) else "to"
    message = f"{journey.register} moved {direction} *{STAGE_LABELS[stage]}* {views.stage_bar(stage)}."
    if stage == "registered":
        message = f"🎉 Congratulations — you're registered as {journey.register}! " + message
    return ui.notice(message)


def link(ctx: Ctx, competence: str, entry_id: int, register: Register | None) -> ui.Reply:
    entry = own_entry(ctx, entry_id)  # only the person's own CPD can be their evidence
    journey = journey_for(ctx, register)
    added = repo.link_evidence(ctx.uow, journey=journey, competence=competence, cpd_entry_id=entry.id, now=ctx.now())
    area = REGISTERS[journey.register.lower()].competence(competence)
    title = ui.clip(entry.title, 120)
    if not added:
        return ui.notice(f"CPD entry `{entry.id}` ({title}) is already evidence for {competence}.")
    return ui.notice(
        f"Linked CPD entry `{entry.id}` ({title}) to {journey.register} competence *{competence}: {area}*."
    )


def set_target(ctx: Ctx, target: date, register: Register | None) -> ui.Reply:
    if target <= ctx.today():
        raise UserError("A target date must be in the future.", example="`/reg target 2027-06-30`")
    journey = journey_for(ctx, register)
    journey.target_date, journey.updated_at = target, ctx.now()
    return ui.notice(f"Target for {journey.register}'s next stage: {day(target)}.")


def set_body(ctx: Ctx, body: str, register: Register | None) -> ui.Reply:
    if not body or len(body) > 64:
        raise UserError("Give the licensed body's name, up to 64 characters.", example="`/reg body IST`")
    journey = journey_for(ctx, register)
    journey.body, journey.updated_at = body, ctx.now()
    return ui.notice(f"{journey.register} goes through *{ui.escape(body)}*.")
