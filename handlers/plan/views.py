"""How an owner's actions look: one section per action with its status and the status buttons."""

from __future__ import annotations

from collections.abc import Sequence

from handlers import ui
from handlers.ids import ActionId
from handlers.plan.quarters import Quarter
from handlers.plan.status import action_line, quarter_heading, status_text
from storage.models import PlanAction, PlanStatusUpdate

MAX_ACTIONS_PER_MESSAGE = 20  # two blocks each: well inside Slack's 50


def status_buttons(action: PlanAction, quarter: Quarter, view: str) -> ui.Buttons:
    """On track / At risk / Blocked / Done / Add note; the value says which action, quarter and view."""
    value = f"{action.ref}|{quarter.label}|{view}"
    return ui.Buttons(
        (
            ui.Button("On track", ActionId.PLAN_STATUS_ON_TRACK, value),
            ui.Button("At risk", ActionId.PLAN_STATUS_AT_RISK, value),
            ui.Button("Blocked", ActionId.PLAN_STATUS_BLOCKED, value),
            ui.Button("Done", ActionId.PLAN_STATUS_DONE, value, style="primary"),
            ui.Button("Add note", ActionId.PLAN_NOTE_OPEN, value),
        )
    )


def due_blocks(
    actions: Sequence[PlanAction], statuses: dict[int, PlanStatusUpdate], quarter: Quarter, *, view: str
) -> list[ui.Block]:
    """Each due action with its status in the quarter and its buttons (the first 20)."""
    blocks: list[ui.Block] = []
    for action in actions[:MAX_ACTIONS_PER_MESSAGE]:
        blocks.append(ui.Text(f"{action_line(action)}\n{status_text(statuses.get(action.id))}"))
        blocks.append(status_buttons(action, quarter, view))
    if len(actions) > MAX_ACTIONS_PER_MESSAGE:
        blocks.append(ui.Context(f"…and {len(actions) - MAX_ACTIONS_PER_MESSAGE} more — `/plan show <ref>` for each."))
    return blocks


def later_blocks(actions: Sequence[PlanAction], quarter: Quarter, limit: int = 12) -> list[ui.Block]:
    """The person's actions due in later quarters, one line each."""
    lines = []
    for action in actions[:limit]:
        upcoming = [
            f"{q.plan_year}Q{q.quarter}"
            for q in action.quarters
            if (q.plan_year, q.quarter) > (quarter.year, quarter.number)
        ]
        lines.append(f"{action_line(action, limit=120)} — due {', '.join(upcoming[:4])}")
    if not lines:
        return []
    more = f"\n…and {len(actions) - limit} more." if len(actions) > limit else ""
    return [ui.Text("*Later*\n" + "\n".join(lines) + more)]


def heading(quarter: Quarter, start_month: int) -> str:
    return f"*Due this quarter — {quarter_heading(quarter, start_month)}*"
