"""The messages the scheduler sends about the plan, rendered when they are sent (fresh data)."""

from __future__ import annotations

from handlers import ui
from handlers.formatting import plural
from handlers.plan import views
from handlers.plan.quarters import Quarter
from handlers.plan.report import report_reply
from handlers.plan.status import quarter_heading
from storage import plan as repo
from storage.plan import Owner
from storage.uow import UnitOfWork


def quarter_message(uow: UnitOfWork, *, owner: Owner, quarter: Quarter, start_month: int) -> ui.Reply | None:
    """The start-of-quarter DM: every action the owner has due, with status buttons (None: nothing due)."""
    due = repo.actions_due(uow, plan_year=quarter.year, quarter=quarter.number, owner=owner)
    if not due:
        return None
    statuses = repo.latest_statuses(uow, action_ids=[a.id for a in due], plan_year=quarter.year, quarter=quarter.number)
    intro = (
        f"👋 A new plan quarter has started: *{quarter_heading(quarter, start_month)}*. You own "
        f"{plural(len(due), 'Technician Commitment action')} due this quarter. "
        "How is each going? One click records it for the steering group."
    )
    blocks = [ui.Text(intro), *views.due_blocks(due, statuses, quarter, view="dm")]
    return ui.Reply(blocks=tuple(blocks), text=f"Your Technician Commitment actions for {quarter.label}")


def followup_message(uow: UnitOfWork, *, owner: Owner, quarter: Quarter, start_month: int) -> ui.Reply | None:
    """The nudge for due actions still without an update this quarter (None: all updated)."""
    due = repo.actions_due(uow, plan_year=quarter.year, quarter=quarter.number, owner=owner)
    statuses = repo.latest_statuses(uow, action_ids=[a.id for a in due], plan_year=quarter.year, quarter=quarter.number)
    waiting = [a for a in due if a.id not in statuses]
    if not waiting:
        return None
    intro = (
        f"⏰ {plural(len(waiting), 'action')} you own due in *{quarter_heading(quarter, start_month)}* "
        "still have no update. A click is enough:"
    )
    blocks = [ui.Text(intro), *views.due_blocks(waiting, statuses, quarter, view="dm")]
    return ui.Reply(blocks=tuple(blocks), text=f"Reminder: plan actions waiting for an update ({quarter.label})")


def report_message(uow: UnitOfWork, *, quarter: Quarter, start_month: int) -> ui.Reply:
    """The end-of-quarter steering report for the report channel."""
    return report_reply(uow, quarter=quarter, start_month=start_month)
