"""The status buttons and the note form of plan messages."""

from __future__ import annotations

from handlers import ui
from handlers.context import Ctx
from handlers.errors import UserError
from handlers.home import home_view
from handlers.ids import ActionId, InputId
from handlers.plan import operations as ops
from handlers.plan.messages import quarter_message
from handlers.plan.quarters import Quarter, parse_quarter
from handlers.plan.status import STATUSES, parse_status
from storage.models import PlanAction

BUTTON_STATUS = {
    ActionId.PLAN_STATUS_ON_TRACK: "on-track",
    ActionId.PLAN_STATUS_AT_RISK: "at-risk",
    ActionId.PLAN_STATUS_BLOCKED: "blocked",
    ActionId.PLAN_STATUS_DONE: "done",
}


def _target(ctx: Ctx, value: str) -> tuple[PlanAction, Quarter, str]:
    """Read a button value `<ref>|<quarter>|<view>`."""
    ref, _, rest = value.partition("|")
    quarter_label, _, view = rest.partition("|")
    if not ref or not quarter_label:
        raise UserError("That button is out of date; try `/plan`.")
    return ops.find_action(ctx, ref), parse_quarter(quarter_label), view


def _refreshed(ctx: Ctx, quarter: Quarter, view: str) -> ui.Reply | ui.Home:
    """The message the button was on, redrawn with the new status."""
    if view == "home":
        return home_view(ctx)
    if view == "dm":
        message = quarter_message(
            ctx.uow, owner=ops.me(ctx), quarter=quarter, start_month=ctx.policy.plan_year_start_month
        )
        if message is not None:
            return ui.Reply(blocks=message.blocks, text=message.text, replace=True)
    return ops.my_actions(ctx, quarter, replace=True)


def set_status(ctx: Ctx, action: ui.Action) -> ui.Reply | ui.Home:
    """A status button: record it for that action and quarter, and redraw the message in place."""
    plan_action, quarter, view = _target(ctx, action.value)
    ops.record_status(ctx, plan_action, quarter, BUTTON_STATUS[ActionId(action.action)])
    if (plan_action.owner_platform, plan_action.owner_user_id) != ops.me(ctx):
        return ops.update_notice(ctx, plan_action, quarter, BUTTON_STATUS[ActionId(action.action)])
    return _refreshed(ctx, quarter, view)


def open_note(ctx: Ctx, action: ui.Action) -> ui.Form:
    plan_action, quarter, view = _target(ctx, action.value)
    return ops.note_form(ctx, plan_action, quarter, view)


def save_note(ctx: Ctx, submission: ui.Submission) -> ui.Reply | ui.FormErrors | ui.Home:
    """Record the status and note from the form, then redraw the message it was opened from."""
    status_text = submission.values.get(InputId.PLAN_STATUS) or ""
    note = (submission.values.get(InputId.PLAN_NOTE) or "").strip()
    errors: dict[str, str] = {}
    if status_text not in STATUSES:
        errors[InputId.PLAN_STATUS] = "Pick a status."
    if not note:
        errors[InputId.PLAN_NOTE] = "Write the note (or close this and just click a status)."
    elif len(note) > 1000:
        errors[InputId.PLAN_NOTE] = "Keep the note under 1,000 characters."
    if errors:
        return ui.FormErrors(errors)
    plan_action = ops.find_action(ctx, submission.state.get("ref", ""))
    quarter = parse_quarter(submission.state.get("quarter", ""))
    ops.record_status(ctx, plan_action, quarter, parse_status(status_text), note)
    if (plan_action.owner_platform, plan_action.owner_user_id) != ops.me(ctx):
        return ops.update_notice(ctx, plan_action, quarter, status_text)
    return _refreshed(ctx, quarter, submission.state.get("view", "mine"))
