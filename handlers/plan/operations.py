"""What `/plan` and its buttons do."""

from __future__ import annotations

from handlers import ui
from handlers.context import Ctx
from handlers.errors import NotAllowed, UserError
from handlers.ids import FormId, InputId
from handlers.plan import views
from handlers.plan.quarters import Quarter
from handlers.plan.report import report_reply
from handlers.plan.status import (
    STATUS_LABELS,
    STATUSES,
    action_line,
    current_quarter,
    owner_text,
    quarter_heading,
    status_text,
)
from storage import plan as repo
from storage.models import PlanAction

SHOW_HINT = "`/plan show Y1-03` (refs are listed by `/plan report`)"


def find_action(ctx: Ctx, ref: str) -> PlanAction:
    action = repo.get_action(ctx.uow, ref=ref)
    if action is None:
        raise UserError(f"There's no plan action `{ui.escape(ref[:20])}`.", example=SHOW_HINT)
    return action


def me(ctx: Ctx) -> repo.Owner:
    return (ctx.actor.platform, ctx.actor.user_id)


def may_update(ctx: Ctx, action: PlanAction) -> None:
    """Only the owner or an admin updates an action."""
    if (action.owner_platform, action.owner_user_id) != me(ctx) and not ctx.is_admin:
        raise NotAllowed(
            f"Only the owner of `{ui.escape(action.ref)}` ({owner_text(action)}) or an admin can update it."
        )


def my_actions(ctx: Ctx, quarter: Quarter | None = None, *, replace: bool = False) -> ui.Reply:
    """My actions due this quarter with status buttons, then the later ones."""
    quarter = quarter or current_quarter(ctx)
    mine = repo.actions_owned_by(ctx.uow, owner=me(ctx))
    if not mine:
        return ui.notice(
            "You don't own any Technician Commitment actions. `/plan report` shows the whole plan.", replace=replace
        )
    key = (quarter.year, quarter.number)
    due = [a for a in mine if any((q.plan_year, q.quarter) == key for q in a.quarters)]
    later = [a for a in mine if a not in due and any((q.plan_year, q.quarter) > key for q in a.quarters)]
    statuses = repo.latest_statuses(
        ctx.uow, action_ids=[a.id for a in due], plan_year=quarter.year, quarter=quarter.number
    )
    start = ctx.policy.plan_year_start_month
    blocks: list[ui.Block] = [ui.Header("My Technician Commitment actions"), ui.Text(views.heading(quarter, start))]
    blocks += views.due_blocks(due, statuses, quarter, view="mine") or [ui.Context("Nothing due this quarter.")]
    blocks += views.later_blocks(later, quarter)
    return ui.Reply(blocks=tuple(blocks), text=f"My plan actions — {quarter.label}", replace=replace)


def record_status(ctx: Ctx, action: PlanAction, quarter: Quarter, status: str, note: str = "") -> bool:
    """Record a status for the quarter; False if it would repeat the latest one (a double click)."""
    may_update(ctx, action)
    latest = repo.latest_statuses(ctx.uow, action_ids=[action.id], plan_year=quarter.year, quarter=quarter.number).get(
        action.id
    )
    if latest is not None and latest.status == status and not note:
        return False
    repo.add_status(
        ctx.uow,
        action=action,
        plan_year=quarter.year,
        quarter=quarter.number,
        status=status,
        note=note,
        by=me(ctx),
        now=ctx.now(),
    )
    return True


def update(ctx: Ctx, ref: str, status: str, note: str) -> ui.Reply:
    """`/plan update <ref> <status> [note]` for this quarter."""
    action = find_action(ctx, ref)
    quarter = current_quarter(ctx)
    record_status(ctx, action, quarter, status, note)
    return update_notice(ctx, action, quarter, status)


def update_notice(ctx: Ctx, action: PlanAction, quarter: Quarter, status: str) -> ui.Reply:
    return ui.notice(
        f"Recorded {STATUS_LABELS[status]} for {action_line(action, limit=120)} in "
        f"{quarter_heading(quarter, ctx.policy.plan_year_start_month)}."
    )


def show(ctx: Ctx, ref: str) -> ui.Reply:
    """One action: title, owner, pillar, quarters with months, and its history."""
    action = find_action(ctx, ref)
    start = ctx.policy.plan_year_start_month
    quarters = [Quarter(q.plan_year, q.quarter) for q in action.quarters]
    history = repo.history(ctx.uow, action=action)
    lines = [f"{u.plan_year}Q{u.quarter} — {status_text(u)}" for u in history]
    blocks: list[ui.Block] = [
        ui.Text(action_line(action, limit=2000)),
        ui.Fields(
            (
                f"*Owner*\n{owner_text(action)}",
                f"*Pillar*\n{(action.pillar or 'none').replace('-', ' ')}",
                "*Due*\n" + ("\n".join(quarter_heading(q, start) for q in quarters) or "no quarter"),
            )
        ),
        ui.Text("*History*\n" + ("\n".join(lines) if lines else "No updates yet.")),
    ]
    return ui.Reply(blocks=tuple(blocks), text=f"Plan action {action.ref}")


def report(ctx: Ctx, quarter: Quarter | None) -> ui.Reply:
    return report_reply(ctx.uow, quarter=quarter or current_quarter(ctx), start_month=ctx.policy.plan_year_start_month)


def may_assign(ctx: Ctx) -> None:
    if not ctx.is_admin:
        raise NotAllowed("Only admins can assign plan actions.")


def assign(ctx: Ctx, ref: str, owner: repo.Owner) -> ui.Reply:
    """Admins: give an action to someone (on either platform)."""
    may_assign(ctx)
    action = find_action(ctx, ref)
    repo.assign(ctx.uow, action=action, owner=owner, now=ctx.now())
    return ui.notice(f"{action_line(action, limit=120)} is now owned by {ui.mention(owner[1])}.")


def note_form(ctx: Ctx, action: PlanAction, quarter: Quarter, view: str) -> ui.Form:
    """The Add note form: a status (prefilled with the latest) and the note."""
    may_update(ctx, action)
    latest = repo.latest_statuses(ctx.uow, action_ids=[action.id], plan_year=quarter.year, quarter=quarter.number).get(
        action.id
    )
    options = tuple(ui.Option(s, STATUS_LABELS[s]) for s in STATUSES)
    items: tuple[ui.Input | ui.Block, ...] = (
        ui.Text(action_line(action, limit=500)),
        ui.SelectInput(InputId.PLAN_STATUS, "Status", options, initial=latest.status if latest else "on-track"),
        ui.TextInput(
            InputId.PLAN_NOTE,
            "Note",
            multiline=True,
            max_length=1000,
            placeholder="What has happened, what is next, what would help?",
        ),
    )
    return ui.Form(
        callback=FormId.PLAN_NOTE_SAVE,
        title=f"Update {action.ref}"[:24],
        submit="Save",
        items=items,
        state={"ref": action.ref, "quarter": quarter.label, "view": view},
    )
