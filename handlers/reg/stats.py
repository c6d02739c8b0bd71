"""`/reg stats`: how the organisation is doing on registration — counts and medians, never names."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from statistics import median

from handlers import ui
from handlers.context import Ctx
from handlers.errors import NotAllowed
from handlers.reg.registers import REGISTERS, STAGES
from storage import registration as repo

SMALLEST_SHOWN = 3  # a count below this could point at a person: it is shown as "<3"


def shown(count: int) -> str:
    return "<3" if 0 < count < SMALLEST_SHOWN else str(count)


def stats(ctx: Ctx) -> ui.Reply:
    if not ctx.is_admin:
        raise NotAllowed("Registration statistics are for admins.")
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for register, stage, count in repo.people_by_register_and_stage(ctx.uow):
        counts[register][stage] = count
    if not counts:
        return ui.notice("Nobody is tracking a registration yet.")
    cells = []
    for register in (r.code for r in REGISTERS.values() if r.code in counts):
        by_stage = counts[register]
        line = " · ".join(f"{stage} {shown(by_stage.get(stage, 0))}" for stage in STAGES)
        cells.append(f"*{register}* ({shown(sum(by_stage.values()))} people)\n{line}")
    durations = stage_durations(ctx)
    medians = " · ".join(
        f"{stage} {median(durations[stage]):.0f} d" if len(durations[stage]) >= SMALLEST_SHOWN else f"{stage} –"
        for stage in STAGES[:-1]
    )
    blocks = (
        ui.Header("Professional registration — everyone"),
        ui.Fields(tuple(cells)),
        ui.Text(f"*Median days spent in each stage* (completed stages)\n{medians}"),
        ui.Context("Counts under 3 are shown as <3 and medians need 3 people, so nobody can be singled out."),
    )
    return ui.Reply(blocks=blocks, text="Professional registration statistics")


def stage_durations(ctx: Ctx) -> dict[str, list[float]]:
    """Days each journey spent in each stage it has left."""
    durations: dict[str, list[float]] = defaultdict(list)
    changes = repo.all_stage_changes(ctx.uow)
    for (journey, _, stage, at), (next_journey, _, _, next_at) in pairwise(changes):
        if journey == next_journey:
            durations[stage].append((next_at - at).total_seconds() / 86400)
    return durations
