"""CPD entry revisions: an entry as it was before each edit, so that Undo can put it back exactly."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select, update

from storage.cpd import CpdFields, fields_of, update_entry
from storage.models import CpdEntry, CpdEntryRevision
from storage.uow import UnitOfWork


def record_revision(uow: UnitOfWork, *, entry: CpdEntry, now: datetime) -> CpdEntryRevision:
    """Keep the entry as it is now, before an edit changes it; return the revision with its id."""
    before = fields_of(entry)
    revision = CpdEntryRevision(
        entry_id=entry.id,
        occurred_on=before.occurred_on,
        minutes=before.minutes,
        activity_type=before.activity_type,
        title=before.title,
        reflection=before.reflection,
        benefit=before.benefit,
        evidence_url=before.evidence_url,
        tags=list(before.tags),
        entry_updated_at=entry.updated_at,
        created_at=now,
    )
    uow.session.add(revision)
    uow.session.flush()
    return revision


def get_revision(uow: UnitOfWork, *, entry_id: int, revision_id: int) -> CpdEntryRevision | None:
    """Return the revision if it is one of this entry's, else None."""
    stmt = select(CpdEntryRevision).where(CpdEntryRevision.id == revision_id, CpdEntryRevision.entry_id == entry_id)
    return uow.session.scalars(stmt).one_or_none()


def changed_since(uow: UnitOfWork, *, revision: CpdEntryRevision) -> bool:
    """Tell whether a later edit of the same entry still stands (one that has not been undone)."""
    later = exists().where(
        CpdEntryRevision.entry_id == revision.entry_id,
        CpdEntryRevision.id > revision.id,
        CpdEntryRevision.undone_at.is_(None),
    )
    return bool(uow.session.scalar(select(later)))


def has_standing_edits(uow: UnitOfWork, *, entry_id: int) -> bool:
    """Tell whether the entry has any edit that has not been undone."""
    standing = exists().where(CpdEntryRevision.entry_id == entry_id, CpdEntryRevision.undone_at.is_(None))
    return bool(uow.session.scalar(select(standing)))


def restore_revision(uow: UnitOfWork, *, entry: CpdEntry, revision: CpdEntryRevision, now: datetime) -> bool:
    """Put the entry back as the revision kept it and mark the revision undone; False if it already was.

    The revision is claimed with one conditional UPDATE, so of two clicks at once only one restores.
    """
    claimed = uow.session.execute(
        update(CpdEntryRevision)
        .where(CpdEntryRevision.id == revision.id, CpdEntryRevision.undone_at.is_(None))
        .values(undone_at=now)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return False
    before = CpdFields(
        occurred_on=revision.occurred_on,
        minutes=revision.minutes,
        activity_type=revision.activity_type,
        title=revision.title,
        reflection=revision.reflection,
        benefit=revision.benefit,
        evidence_url=revision.evidence_url,
        tags=tuple(revision.tags),
    )
    # The entry's time stamp goes back too: "as it was" includes when it was last changed.
    update_entry(uow, entry=entry, fields=before, now=revision.entry_updated_at)
    return True
