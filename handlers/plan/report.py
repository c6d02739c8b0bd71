"""The steering view of a quarter: what was due, status counts by pillar, gaps."""

from __future__ import annotations

from collections import Counter

from handlers import ui
from handlers.formatting import plural
from handlers.plan.pillars import PILLAR_LABELS
from handlers.plan.quarters import Quarter
from handlers.plan.status import NO_UPDATE_SHORT, STATUS_LABELS, STATUSES, action_line, owner_text, quarter_heading
from storage import plan as repo
from storage.uow import UnitOfWork

LIST_LIMIT = 15
NO_PILLAR = "No pillar"


def report_reply(uow: UnitOfWork, *, quarter: Quarter, start_month: int) -> ui.Reply:
    """The `/plan report` view (also posted to PLAN_REPORT_CHANNEL at the end of a quarter)."""
    due = repo.actions_due(uow, plan_year=quarter.year, quarter=quarter.number)
    statuses = repo.latest_statuses(uow, action_ids=[a.id for a in due], plan_year=quarter.year, quarter=quarter.number)
    silent = [a for a in due if a.id not in statuses and a.owner_user_id]
    unassigned = repo.unassigned_actions(uow)
    title = f"Action plan — {quarter_heading(quarter, start_month)}"
    summary = (
        f"{plural(len(due), 'action')} due · {len(statuses)} updated · "
        f"{len(due) - len(statuses)} with no update · {len(unassigned)} unassigned in the plan"
    )
    blocks: list[ui.Block] = [ui.Header(title), ui.Context(summary)]
    if not due:
        blocks.append(ui.Text("Nothing in the plan is due this quarter."))
    else:
        by_pillar: dict[str, Counter[str]] = {}
        for action in due:
            counts = by_pillar.setdefault(PILLAR_LABELS.get(action.pillar or "", NO_PILLAR), Counter())
            update = statuses.get(action.id)
            counts[update.status if update else "none"] += 1
        order = [*PILLAR_LABELS.values(), NO_PILLAR]
        blocks.append(ui.Text("*Status by pillar*"))
        blocks.append(ui.Fields(tuple(_pillar_cell(name, by_pillar[name]) for name in order if name in by_pillar)))
    if silent:
        blocks.append(
            ui.Text(
                "*No update this quarter*\n"
                + _lines([f"{action_line(a, limit=100)} — {owner_text(a)}" for a in silent])
            )
        )
    if unassigned:
        blocks.append(
            ui.Text(
                "*Unassigned* (`/plan assign <ref> @someone`)\n"
                + _lines([action_line(a, limit=100) for a in unassigned])
            )
        )
    return ui.Reply(blocks=tuple(blocks), text=f"{title}: {summary}")


def _pillar_cell(name: str, counts: Counter[str]) -> str:
    """`*Visibility* (3 due)` over `🟢 On track 1 · 🟠 At risk 0 · … · ⚪ No update 2`: each count named."""
    total = sum(counts.values())
    parts = [f"{STATUS_LABELS[s]} {counts[s]}" for s in STATUSES] + [f"{NO_UPDATE_SHORT} {counts['none']}"]
    return f"*{name}* ({total} due)\n" + " · ".join(parts)


def _lines(lines: list[str]) -> str:
    shown = "\n".join(lines[:LIST_LIMIT])
    return shown + (f"\n…and {len(lines) - LIST_LIMIT} more." if len(lines) > LIST_LIMIT else "")
