"""What `/cpd` does: each operation reads or writes through the repositories and returns a view."""

from __future__ import annotations

from handlers import ui
from handlers.context import Ctx
from handlers.cpd import views
from handlers.cpd.draft import EntryDraft, parse_quick_add
from handlers.cpd.export import export_csv, export_pdf
from handlers.cpd.periods import Period, cpd_year, cpd_year_of, rolling_12_months
from handlers.cpd.standards import check_standards
from handlers.cpd.summary import summary_reply
from handlers.errors import UserError
from handlers.ids import ActionId
from storage import cpd as repo
from storage import cpd_revisions as revisions
from storage.models import CpdEntry

LIST_HINT = "`/cpd list` shows your entries with their ids."


def own_entry(ctx: Ctx, entry_id: int, *, lock: bool = False) -> CpdEntry:
    """The actor's entry, or a UserError that reveals nothing about anyone else's."""
    entry = repo.get_entry(ctx.uow, person=ctx.actor, entry_id=entry_id, lock=lock)
    if entry is None:
        raise UserError(f"You have no CPD entry `{entry_id}`.", example=LIST_HINT)
    return entry


def add_quick(ctx: Ctx, text: str) -> ui.Reply:
    """Log an entry from one line of text."""
    return save(ctx, parse_quick_add(text, today=ctx.today()), None)


def save(ctx: Ctx, draft: EntryDraft, entry_id: int | None) -> ui.Reply:
    """Store a draft from the form: a new entry, or changes to an existing one (kept first, for Undo)."""
    if entry_id is None:
        entry = repo.add_entry(ctx.uow, person=ctx.actor, fields=draft.to_fields(), now=ctx.now())
        return views.entry_card(entry, heading="✅ Logged", undo=views.undo_value(entry.id))
    entry = own_entry(ctx, entry_id, lock=True)
    revision = revisions.record_revision(ctx.uow, entry=entry, now=ctx.now())
    repo.update_entry(ctx.uow, entry=entry, fields=draft.to_fields(), now=ctx.now())
    return views.entry_card(entry, heading="✏️ Updated", undo=views.undo_value(entry.id, revision.id))


def new_form(ctx: Ctx) -> ui.Form:
    return views.entry_form(None, today=ctx.today())


def edit_form(ctx: Ctx, entry_id: int) -> ui.Form:
    return views.entry_form(own_entry(ctx, entry_id), today=ctx.today())


def ask_delete(ctx: Ctx, entry_id: int) -> ui.Reply:
    """Show the entry and ask for confirmation before deleting it."""
    entry = own_entry(ctx, entry_id)
    value = str(entry.id)
    return ui.reply(
        ui.Text(f"Delete CPD entry `{entry.id}`? This can't be undone."),
        ui.Text(views.entry_line(entry)),
        ui.Buttons(
            (
                ui.Button("Delete", ActionId.CPD_ENTRY_DELETE, value, style="danger"),
                ui.Button("Keep it", ActionId.CPD_ENTRY_KEEP, value),
            )
        ),
        text=f"Delete CPD entry {entry.id}?",
    )


def delete(ctx: Ctx, entry_id: int, *, verb: str) -> ui.Reply:
    """Delete the actor's entry; saying so again is harmless (a double click)."""
    entry = repo.get_entry(ctx.uow, person=ctx.actor, entry_id=entry_id)
    if entry is None:
        return ui.notice(f"CPD entry `{entry_id}` is already gone.", replace=True)
    title = ui.clip(entry.title, 80)
    repo.delete_entry(ctx.uow, person=ctx.actor, entry_id=entry_id)
    return ui.notice(f"🗑️ {verb} CPD entry `{entry_id}` ({title}).", replace=True)


def undo_add(ctx: Ctx, entry_id: int) -> ui.Reply:
    """Take back logging an entry by deleting it — unless it has been changed since it was logged."""
    entry = repo.get_entry(ctx.uow, person=ctx.actor, entry_id=entry_id, lock=True)
    if entry is None:
        return ui.notice(f"CPD entry `{entry_id}` is already gone — nothing to undo.", replace=True)
    if entry.updated_at != entry.created_at or revisions.has_standing_edits(ctx.uow, entry_id=entry.id):
        raise UserError(
            f"CPD entry `{entry.id}` has been changed since it was logged, so Undo won't delete it.",
            example=f"`/cpd delete {entry.id}` to delete it, or `/cpd edit {entry.id}` to change it",
        )
    return delete(ctx, entry.id, verb="Undone:")


def undo_edit(ctx: Ctx, entry_id: int, revision_id: int) -> ui.Reply:
    """Put an entry back exactly as it was before one edit, if that edit is still its latest change."""
    entry = own_entry(ctx, entry_id, lock=True)
    revision = revisions.get_revision(ctx.uow, entry_id=entry.id, revision_id=revision_id)
    edit_hint = f"`/cpd edit {entry.id}` to change it by hand"
    if revision is None:
        raise UserError(f"That Undo button doesn't belong to CPD entry `{entry.id}`.", example=edit_hint)
    if revision.undone_at is None and revisions.changed_since(ctx.uow, revision=revision):
        raise UserError(
            f"CPD entry `{entry.id}` was changed again after this edit, so Undo can't put it back "
            "without losing the later change.",
            example=edit_hint,
        )
    if not revisions.restore_revision(ctx.uow, entry=entry, revision=revision, now=ctx.now()):
        return ui.notice(f"That edit of CPD entry `{entry.id}` was already undone; nothing changed now.")
    return views.entry_card(entry, heading="↩️ Undone", after=" is back as it was", undo=None, replace=True)


def show_list(ctx: Ctx, period: Period, page: int = 1, *, replace: bool = False) -> ui.Reply:
    """One page of the actor's entries in a period."""
    total = repo.count_entries(ctx.uow, person=ctx.actor, start=period.start, end=period.end)
    pages = max(1, -(-total // views.PAGE_SIZE))
    page = min(max(page, 1), pages)
    entries = repo.list_entries(
        ctx.uow,
        person=ctx.actor,
        start=period.start,
        end=period.end,
        offset=(page - 1) * views.PAGE_SIZE,
        limit=views.PAGE_SIZE,
    )
    minutes = repo.total_minutes(ctx.uow, person=ctx.actor, start=period.start, end=period.end)
    return views.list_page(entries, period=period, page=page, total=total, total_minutes=minutes, replace=replace)


def show_summary(ctx: Ctx, year: Period) -> ui.Reply:
    """The CPD year's hours and the audit check of the last 12 months."""
    if year.start is None or year.end is None:
        raise UserError("A summary covers one CPD year.", example="`/cpd summary 2026`")
    today = ctx.today()
    window = rolling_12_months(today)
    return summary_reply(
        year=year,
        minutes_by_type=repo.minutes_by_type(ctx.uow, person=ctx.actor, start=year.start, end=year.end),
        last_12m=repo.audit_rows(ctx.uow, person=ctx.actor, start=window.start, end=window.end),
        today=today,
        target_hours=ctx.policy.cpd_annual_target_hours,
    )


def current_year(ctx: Ctx) -> Period:
    start_month = ctx.policy.cpd_year_start_month
    return cpd_year(cpd_year_of(ctx.today(), start_month=start_month), start_month=start_month)


def export(ctx: Ctx, kind: str, period: Period) -> ui.FileReply:
    """The actor's entries in a period as a file for their DM."""
    entries = repo.list_entries(ctx.uow, person=ctx.actor, start=period.start, end=period.end)
    entries.reverse()  # oldest first reads best in a record
    stamp = ctx.now()
    today = ctx.today()
    checks = check_standards(entries, min(period.end or today, today)) if period.start is not None else []
    person = ctx.actor_name or ctx.actor.user_id

    def render() -> bytes:  # called off the request's path: a PDF of a long record takes a while
        if kind == "csv":
            return export_csv(entries)
        return export_pdf(entries, person=person, period=period, checks=checks, generated=stamp)

    mimetype = "text/csv" if kind == "csv" else "application/pdf"
    name = f"cpd-record-{period.key}-{stamp:%Y%m%d}.{kind}"
    label = "CSV" if kind == "csv" else "PDF CPD record"
    file = ui.File(name=name, render=render, title=f"My CPD record — {period.label}", mimetype=mimetype)
    comment = f"Here is your {label} for {period.label} ({len(entries)} entries)."
    return ui.FileReply(
        file=file, comment=comment, reply=ui.notice(f"📄 Your {label} for {period.label} is in your DM.")
    )
