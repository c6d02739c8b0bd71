"""Action statuses and the small helpers every plan view shares."""

from __future__ import annotations

from handlers import ui
from handlers.context import Ctx
from handlers.errors import UserError
from handlers.parsing import quote_typed
from handlers.plan.quarters import Quarter, quarter_of
from storage.models import PlanAction, PlanStatusUpdate
from storage.plan import EMAIL

STATUSES = ("on-track", "at-risk", "blocked", "done")
STATUS_LABELS = {"on-track": "🟢 On track", "at-risk": "🟠 At risk", "blocked": "🔴 Blocked", "done": "✅ Done"}
NO_UPDATE = "⚪ No update yet"
NO_UPDATE_SHORT = "⚪ No update"  # in counts
STATUS_EXAMPLE = "`/plan update Y1-03 on-track`, or `at-risk`, `blocked`, `done`, with an optional note after it"


def parse_status(text: str) -> str:
    key = text.strip().lower().replace("_", "-").replace(" ", "-")
    key = {"ontrack": "on-track", "atrisk": "at-risk", "complete": "done", "completed": "done"}.get(key, key)
    if key not in STATUSES:
        raise UserError(f"`{quote_typed(text)}` isn't a status.", example=STATUS_EXAMPLE)
    return key


def status_text(update: PlanStatusUpdate | None) -> str:
    """`🟢 On track (22 Nov, <@U1>: note…)` or `⚪ No update yet`."""
    if update is None:
        return NO_UPDATE
    label = STATUS_LABELS.get(update.status, update.status)
    text = f"{label} ({update.created_at:%d %b}, {ui.mention(update.by_user_id)}"
    if update.note:
        text += f": _{ui.clip(update.note, 200)}_"
    return text + ")"


def owner_text(action: PlanAction) -> str:
    if action.owner_user_id and action.owner_platform == EMAIL:
        return f"{ui.escape(action.owner_user_id)} _(not looked up in Slack yet)_"
    return ui.mention(action.owner_user_id) if action.owner_user_id else "_unassigned_"


def current_quarter(ctx: Ctx) -> Quarter:
    return quarter_of(ctx.today(), ctx.policy.plan_year_start_month)


def quarter_heading(quarter: Quarter, start_month: int) -> str:
    """`2018Q4 (Aug – Oct 2019)`."""
    return f"{quarter.label} ({quarter.months(start_month)})"


def action_line(action: PlanAction, *, limit: int = 300) -> str:
    """`*Y1-03* The action's title…`."""
    return f"*{ui.escape(action.ref)}* {ui.clip(action.title, limit)}"
