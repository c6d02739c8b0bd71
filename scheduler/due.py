"""Work out which messages are due at a time T (the database decides what was already queued)."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.context import Policy
from handlers.deliveries import PLAN_FOLLOWUP, PLAN_QUARTER, PLAN_REPORT, REPORT_GRACE
from handlers.plan.quarters import (
    REMINDER_TIME,
    Quarter,
    at_local,
    quarter_ends_at,
    quarter_of,
    reminder_time,
    report_time,
)
from storage import outbox
from storage import plan as plan_repo
from storage.outbox import Outgoing
from storage.uow import UnitOfWork


def plan_messages_due(
    uow: UnitOfWork, *, now: datetime, policy: Policy, report_channel: str, by_email: bool = False
) -> list[Outgoing]:
    """This quarter's owner DMs and follow-ups, and the steering report(s), that are due at `now`.

    Only the quarter containing `now` is considered (never a past quarter's reminders); the
    report of the quarter just ended may still be due within its grace period. `by_email` (a dry
    run's preview) includes owners stored as emails, not yet looked up; a real pass cannot reach them.
    """
    start, zone, days = policy.plan_year_start_month, policy.timezone, policy.working_days
    quarter = quarter_of(now.astimezone(zone).date(), start)
    messages: list[Outgoing] = []
    kickoff = reminder_time(quarter, start_month=start, zone=zone, days=days)
    if now >= kickoff:
        owners = plan_repo.owners_due(uow, plan_year=quarter.year, quarter=quarter.number, by_email=by_email)
        dms = [_to_owner(PLAN_QUARTER, quarter, owner) for owner in owners]
        messages += dms
        messages += _followups(uow, now=now, quarter=quarter, owners=owners, dms=dms, policy=policy)
    if report_channel:
        for candidate in (quarter.previous(), quarter):
            due_at = report_time(candidate, start_month=start, zone=zone, days=days)
            if due_at <= now < quarter_ends_at(candidate, start_month=start, zone=zone) + REPORT_GRACE:
                messages.append(
                    Outgoing(
                        key=f"{PLAN_REPORT}:{candidate.label}:{report_channel}",
                        kind=PLAN_REPORT,
                        platform="slack",
                        recipient=report_channel,
                        to_channel=True,
                        params={"quarter": candidate.label},
                    )
                )
    return messages


def _followups(
    uow: UnitOfWork,
    *,
    now: datetime,
    quarter: Quarter,
    owners: list[tuple[str, str]],
    dms: list[Outgoing],
    policy: Policy,
) -> list[Outgoing]:
    """Nudges PLAN_FOLLOWUP_DAYS after each owner's DM actually went out, to owners still without an update.

    Counting from the DM, not the quarter's start, means a bot that was down sends the DM late and
    does not send the nudge in the same breath.
    """
    zone, days = policy.timezone, policy.working_days
    sent = outbox.sent_times(uow, keys=[dm.key for dm in dms])
    nudges = []
    for owner, dm in zip(owners, dms, strict=True):
        if dm.key not in sent:
            continue
        nudge_day = days.first_on_or_after(
            sent[dm.key].astimezone(zone).date() + timedelta(days=policy.plan_followup_days)
        )
        if now >= at_local(nudge_day, REMINDER_TIME, zone) and _waiting(uow, quarter, owner):
            nudges.append(_to_owner(PLAN_FOLLOWUP, quarter, owner))
    return nudges


def _to_owner(kind: str, quarter: Quarter, owner: tuple[str, str]) -> Outgoing:
    return Outgoing.direct(kind, quarter.label, owner, {"quarter": quarter.label})


def _waiting(uow: UnitOfWork, quarter: Quarter, owner: tuple[str, str]) -> bool:
    due = plan_repo.actions_due(uow, plan_year=quarter.year, quarter=quarter.number, owner=owner)
    updated = plan_repo.latest_statuses(
        uow, action_ids=[a.id for a in due], plan_year=quarter.year, quarter=quarter.number
    )
    return len(updated) < len(due)
