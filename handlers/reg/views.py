"""How a registration journey looks: stage bar, time in stage, competence coverage, next step."""

from __future__ import annotations

from datetime import date

from handlers import formatting as fmt
from handlers import ui
from handlers.reg.registers import COMPETENCES, REGISTERS, STAGE_LABELS, STAGES, Register
from storage.models import RegJourney


def stage_bar(stage: str) -> str:
    """`●●●○○○○ 3/7`."""
    done = STAGES.index(stage) + 1
    return "●" * done + "○" * (len(STAGES) - done) + f" {done}/{len(STAGES)}"


def time_in_stage(since: date, today: date) -> str:
    days = (today - since).days
    if days < 14:
        return fmt.plural(days, "day")
    return fmt.plural(days // 7, "week") if days < 90 else fmt.plural(days // 30, "month")


def coverage_line(register: Register, evidence: dict[str, list[int]]) -> str:
    """`A ✅ (2) · B ⬜ …` and how many areas have evidence."""
    parts = [
        f"{c} {'✅' if evidence.get(c) else '⬜'}" + (f" ({len(evidence[c])})" if evidence.get(c) else "")
        for c in COMPETENCES
    ]
    covered = sum(1 for c in COMPETENCES if evidence.get(c))
    return f"{covered} of 5 competences have evidence: " + " · ".join(parts)


def next_step(journey: RegJourney, evidence: dict[str, list[int]], *, audit_ready: bool, today: date) -> str:
    register = REGISTERS[journey.register.lower()]
    missing = [c for c in COMPETENCES if not evidence.get(c)]
    code = register.code
    steps = {
        "exploring": f"Join a licensed body for {code} (`/reg body IST`), then `/reg stage joined`.",
        "joined": "Start gathering evidence: `/reg stage evidence`, then link CPD with `/reg evidence A <cpd-id>`.",
        "evidence": (
            f"Link CPD evidence for {', '.join(missing)} (`/reg evidence {missing[0]} <cpd-id>`)."
            if missing
            else "Every competence has evidence — secure your supporters: `/reg stage referees`."
        ),
        "referees": f"Submit your application{' to ' + ui.escape(journey.body) if journey.body else ''}: "
        "`/reg stage submitted` once it's in.",
        "submitted": "Your application is with the assessors. Prepare for a review interview if your register has one.",
        "assessment": "Good luck! When you hear back: `/reg stage registered`.",
    }
    if journey.stage == "registered":
        declaration = f"annual CPD declaration due by 31 December {today.year}"
        ready = (
            "your CPD record is audit-ready ✅"
            if audit_ready
            else "your CPD record is not audit-ready yet (`/cpd summary`)"
        )
        return f"Keep it up: {declaration}; {ready}."
    return steps[journey.stage]


def journey_blocks(
    journey: RegJourney, evidence: dict[str, list[int]], *, today: date, zone_date: date, audit_ready: bool
) -> list[ui.Block]:
    register = REGISTERS[journey.register.lower()]
    lines = [
        f"*{register.code}* — {register.name} ({register.council})",
        f"{stage_bar(journey.stage)}  *{STAGE_LABELS[journey.stage]}* for {time_in_stage(zone_date, today)}",
    ]
    if journey.body:
        lines.append(f"Licensed body: {ui.escape(journey.body)}")
    if journey.target_date:
        late = " — overdue" if journey.target_date < today and journey.stage != "registered" else ""
        lines.append(f"Target for the next stage: {fmt.day(journey.target_date)}{late}")
    lines.append(coverage_line(register, evidence))
    lines.append(f"→ {next_step(journey, evidence, audit_ready=audit_ready, today=today)}")
    return [ui.Text("\n".join(lines))]


def competence_legend(register: Register) -> ui.Context:
    return ui.Context(" · ".join(f"{c}: {register.competence(c)}" for c in COMPETENCES))
