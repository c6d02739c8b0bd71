"""Store a parsed plan: one transaction, owners resolved, owners/statuses/history of known refs kept."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from handlers.errors import UserError
from handlers.parsing import parse_person
from handlers.plan.importer import ParsedPlan
from handlers.plan.quarters import Quarter
from storage import plan as repo
from storage.plan import ActionSpec, Owner
from storage.uow import UnitOfWork, UnitOfWorkFactory

EmailLookup = Callable[[str], str | None]  # email → user id, None if nobody has it
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
MAX_STORED_EMAIL = 64  # what the owner's user id column holds


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # already as the file has them
    unresolved: list[tuple[str, str, str]] = field(default_factory=list)  # (ref, owner as written, why)
    unassigned: list[str] = field(default_factory=list)
    owners: Counter[str] = field(default_factory=Counter)
    by_email: Counter[str] = field(default_factory=Counter)  # owners kept as emails, to look up later
    pillars: Counter[str] = field(default_factory=Counter)
    absent: list[str] = field(default_factory=list)  # refs stored before but not in this file
    first: Quarter | None = None
    last: Quarter | None = None


class OwnerResolver:
    """Turn `U123`, `<@U123|name>` or an email into an owner, remembering each answer.

    Without a way to look emails up (no SLACK_BOT_TOKEN), an email becomes the owner
    `("email", address)`, stored until a run that can ask Slack (`resolve_emails`).
    """

    def __init__(self, platform: str, lookup_email: EmailLookup | None) -> None:
        self.platform = platform
        self.lookup_email = lookup_email
        self._seen: dict[str, Owner] = {}

    def __call__(self, written: str) -> Owner:
        if written in self._seen:
            return self._seen[written]
        if _EMAIL.match(written):
            if self.lookup_email is None:
                if len(written) > MAX_STORED_EMAIL:
                    raise UserError(
                        f"an email longer than {MAX_STORED_EMAIL} characters can't be kept to look up later; "
                        "give the user id, or set SLACK_BOT_TOKEN"
                    )
                self._seen[written] = (repo.EMAIL, written.lower())
                return self._seen[written]
            user_id = self.lookup_email(written)
            if user_id is None:
                raise UserError("no Slack user has this email")
            self._seen[written] = (self.platform, user_id)
        else:
            try:
                self._seen[written] = parse_person(written, default_platform=self.platform)
            except UserError:
                raise UserError("not a user id (U0123ABCD, slack:U0123ABCD, teams:<object id>) or an email") from None
        return self._seen[written]


def import_plan(
    uow: UnitOfWork, plan: ParsedPlan, *, resolve: OwnerResolver, default_owner: str | None, now: datetime
) -> ImportReport:
    """Upsert every action of the plan; raise UserError (nothing stored) if the default owner is unknown."""
    report = ImportReport()
    default: Owner | None = None
    if default_owner:
        try:
            default = resolve(default_owner)
        except UserError as exc:
            raise UserError(f"--default-owner {default_owner!r}: {exc.message}.") from None
    before = {a.ref for a in repo.all_actions(uow)}
    for parsed in plan.actions:
        owner: Owner | None = None
        if parsed.owner:
            try:
                owner = resolve(parsed.owner)
            except UserError as exc:
                report.unresolved.append((parsed.ref, parsed.owner, exc.message))
        spec = ActionSpec(
            ref=parsed.ref,
            plan_year_number=parsed.year_number,
            title=parsed.title,
            quarters=tuple((q.year, q.number) for q in parsed.quarters),
            pillar=parsed.pillar,
            owner=owner or default,
        )
        action, outcome = repo.upsert_action(uow, spec=spec, explicit_pillar=parsed.pillar_stated, now=now)
        {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}[outcome].append(
            action.ref
        )
        if action.owner_platform == repo.EMAIL and action.owner_user_id:
            report.by_email[action.owner_user_id] += 1
        elif action.owner_user_id:
            report.owners[action.owner_user_id] += 1
        else:
            report.unassigned.append(action.ref)
        report.pillars[action.pillar or "none"] += 1
    in_file = {a.ref.upper() for a in plan.actions}
    report.absent = sorted(ref for ref in before if ref.upper() not in in_file)
    quarters = [q for a in plan.actions for q in a.quarters]
    report.first, report.last = (min(quarters), max(quarters)) if quarters else (None, None)
    repo.refresh_statistics(uow)  # the reminders for this plan may go out minutes from now
    return report


@dataclass
class EmailsLookedUp:
    found: dict[str, str] = field(default_factory=dict)  # email → user id
    not_found: dict[str, int] = field(default_factory=dict)  # email → actions left unassigned


def look_up_owners(
    open_uow: UnitOfWorkFactory, *, platform: str, lookup: EmailLookup, now: Callable[[], datetime]
) -> EmailsLookedUp:
    """Look up the owners stored as emails: their actions go to the people found, and are left
    unassigned (as an import that could look them up would leave them) when nobody has the email.

    The lookups happen between two short transactions, not inside one: the platform may be slow.
    A lookup that fails (UserError) stops this call; the emails stay to be looked up next time.
    """
    result = EmailsLookedUp()
    with open_uow(write=False) as uow:
        emails = repo.emails_to_look_up(uow)
    if not emails:
        return result
    answers = {email: lookup(email) for email in emails}
    with open_uow(write=True) as uow:
        for email, user_id in answers.items():
            if user_id is None:
                result.not_found[email] = repo.owner_found(uow, email=email, owner=None, now=now())
            elif repo.owner_found(uow, email=email, owner=(platform, user_id), now=now()):
                result.found[email] = user_id
        uow.commit()
    return result
