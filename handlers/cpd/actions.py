"""The buttons and the form of CPD messages."""

from __future__ import annotations

from handlers import ui
from handlers.context import Ctx
from handlers.cpd import operations as ops
from handlers.cpd.command import LIST_PERIODS, parse_export_args
from handlers.cpd.draft import draft_from_form
from handlers.cpd.periods import parse_period
from handlers.errors import UserError
from handlers.ids import InputId
from handlers.parsing import parse_entry_id


def open_form(ctx: Ctx, action: ui.Action) -> ui.Form:
    return ops.new_form(ctx)


def edit(ctx: Ctx, action: ui.Action) -> ui.Form:
    return ops.edit_form(ctx, parse_entry_id(action.value))


def undo(ctx: Ctx, action: ui.Action) -> ui.Reply:
    """Take back what the card's message did: `<entry>` logged it, `<entry>:r<revision>` edited it."""
    entry_part, edited, revision_part = action.value.partition(":")
    entry_id = parse_entry_id(entry_part)
    if not edited:
        return ops.undo_add(ctx, entry_id)
    if not revision_part.startswith("r"):
        raise UserError("That Undo button is out of date.", example=f"`/cpd edit {entry_id}`")
    return ops.undo_edit(ctx, entry_id, parse_entry_id(revision_part[1:], noun="edit"))


def confirm_delete(ctx: Ctx, action: ui.Action) -> ui.Reply:
    return ops.delete(ctx, parse_entry_id(action.value), verb="Deleted")


def keep(ctx: Ctx, action: ui.Action) -> ui.Reply:
    return ui.notice(f"Kept CPD entry `{parse_entry_id(action.value)}`.", replace=True)


def turn_page(ctx: Ctx, action: ui.Action) -> ui.Reply:
    """Show another page of `/cpd list`; the button's value is `<period>:<page>`."""
    period_key, _, page = action.value.partition(":")
    if not page.isdigit():
        raise UserError("That button is out of date; run `/cpd list` again.")
    period = parse_period(
        period_key, today=ctx.today(), start_month=ctx.policy.cpd_year_start_month, allow=LIST_PERIODS
    )
    return ops.show_list(ctx, period, int(page), replace=True)


def send_export(ctx: Ctx, action: ui.Action) -> ui.FileReply:
    """Export from a button whose value is `<csv|pdf>:<period>`."""
    kind, period = parse_export_args(ctx, action.value.split(":"))
    return ops.export(ctx, kind, period)


def save_form(ctx: Ctx, submission: ui.Submission) -> ui.Reply | ui.FormErrors:
    """Store what the Log CPD form says (new entry, or the one it was opened for)."""
    draft = draft_from_form(submission.values, today=ctx.today())
    if isinstance(draft, ui.FormErrors):
        return draft
    entry_id = submission.state.get("entry")
    try:
        return ops.save(ctx, draft, parse_entry_id(entry_id) if entry_id else None)
    except UserError as exc:
        return ui.FormErrors({InputId.CPD_TITLE: exc.message})
