"""Operator subcommands: the database, roles, the plan import, reminders and deliveries."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError

from bot.cli_support import fail, ready_deps, settings_or_exit
from bot.composition import Deps
from handlers.clock import SystemClock
from handlers.errors import UserError
from handlers.parsing import parse_person
from handlers.plan.importer import parse_plan, parse_start
from handlers.plan.importing import EmailLookup, ImportReport, OwnerResolver, import_plan
from storage import outbox, roles
from storage.db import make_engine
from storage.plan import EMAIL
from storage.schema import backup_sqlite, current_revision, head_revision, schema_problem, upgrade

db_cli = typer.Typer(help="The database: schema migrations.", no_args_is_help=True)
roles_cli = typer.Typer(help="Roles: admin, organiser.", no_args_is_help=True)
plan_cli = typer.Typer(help="The Technician Commitment action plan.", no_args_is_help=True)
reminders_cli = typer.Typer(help="Scheduled messages.", no_args_is_help=True)
deliveries_cli = typer.Typer(help="What the bot has sent or failed to send.", no_args_is_help=True)
teams_cli = typer.Typer(help="Microsoft Teams.", no_args_is_help=True)


@teams_cli.command("package")
def teams_package(
    destination: Annotated[
        Path | None, typer.Argument(help="the zip to write (default: dist/techcommit-teams.zip)", show_default=False)
    ] = None,
    organisation: Annotated[str, typer.Option(help="shown as the app's developer")] = "Technical Services",
    website: Annotated[str, typer.Option(help="your organisation's website")] = "https://example.ac.uk",
) -> None:
    """Build the Teams app package (manifest with TEAMS_APP_ID, icons) to upload in Teams."""
    from bot.teams.package import DEFAULT_DESTINATION, PackageError, build_package

    settings = settings_or_exit()
    if not settings.teams_app_id:
        raise fail("TEAMS_APP_ID is not set: register the bot in Azure first (see the README)")
    target = destination or DEFAULT_DESTINATION
    try:
        build_package(target, app_id=settings.teams_app_id, organisation=organisation, website=website)
    except PackageError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write {target}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {target.resolve()}: upload it in Teams (Apps → Manage your apps → Upload an app)")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply schema migrations up to the newest."""
    engine = make_engine(settings_or_exit().database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
    except OperationalError as exc:
        raise fail(f"cannot reach the database ({engine.url.render_as_string()}): {exc.orig}") from None
    after = head_revision()
    typer.echo(
        f"database at migration {after}" + (" (was already)" if before == after else f" (was {before or 'empty'})")
    )


@db_cli.command("backup")
def db_backup(path: Annotated[Path, typer.Argument(help="the new file to write the copy to")]) -> None:
    """Copy the SQLite database while the bot runs (a consistent snapshot); PostgreSQL: use pg_dump."""
    engine = make_engine(settings_or_exit().database_url)
    try:
        size = backup_sqlite(engine, str(path))
    except (ValueError, FileExistsError, RuntimeError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"backed up {engine.url.database} to {path} ({size:,} bytes, integrity ok)")


@db_cli.command("status")
def db_status() -> None:
    """Say which migration the database is at (exit 1 if it is not the newest)."""
    problem = schema_problem(make_engine(settings_or_exit().database_url))
    typer.echo(problem or f"up to date (migration {head_revision()})")
    if problem:
        raise typer.Exit(1)


@roles_cli.command("grant")
def roles_grant(role: str, user: str) -> None:
    """Give ROLE (admin or organiser) to USER (a Slack user id or mention)."""
    _change_role(role, user, grant=True)


@roles_cli.command("revoke")
def roles_revoke(role: str, user: str) -> None:
    """Take ROLE away from USER."""
    _change_role(role, user, grant=False)


@roles_cli.command("list")
def roles_list() -> None:
    """List granted roles (admins from ADMIN_USER_IDS too)."""
    settings = settings_or_exit()
    deps = ready_deps(settings)
    for user_id in sorted(settings.admin_user_ids):
        typer.echo(f"admin      {user_id}  (ADMIN_USER_IDS)")
    with deps.uow(write=False) as uow:
        for grant in roles.list_grants(uow):
            typer.echo(f"{grant.role:<10} {grant.user_id}  (granted {grant.granted_at:%Y-%m-%d})")


def _change_role(role: str, user: str, *, grant: bool) -> None:
    if role not in roles.ROLES:
        raise fail(f"unknown role {role!r}; roles are: {', '.join(roles.ROLES)}")
    try:
        platform, user_id = parse_person(user, default_platform="slack")
    except UserError:
        raise fail(f"{user!r} is not a user id (U0123ABCD, or teams:<Entra object id>)") from None
    deps = ready_deps(settings_or_exit())
    with deps.uow(write=True) as uow:
        if grant:
            changed = roles.grant_role(uow, platform=platform, user_id=user_id, role=role, now=SystemClock().now())
        else:
            changed = roles.revoke_role(uow, platform=platform, user_id=user_id, role=role)
        uow.commit()
    verb = "granted to" if grant else "revoked from"
    typer.echo(f"{role} {verb} {user_id}" + ("" if changed else " (no change)"))


@plan_cli.command("import")
def plan_import(
    file: Annotated[Path, typer.Argument(help="the plan document's text form, or a CSV", exists=True, dir_okay=False)],
    start: Annotated[str | None, typer.Option(help="month the plan's first quarter starts, YYYY-MM")] = None,
    default_owner: Annotated[str | None, typer.Option(help="owner (user id or email) for actions without one")] = None,
) -> None:
    """Import (or re-import) an action plan; all or nothing."""
    settings = settings_or_exit()
    deps = ready_deps(settings)
    lookup = _email_lookup(deps) if settings.secret("slack_bot_token") else None
    try:
        parsed = parse_plan(
            file.read_bytes(),
            plan_start_month=settings.plan_year_start_month,
            start=parse_start(start) if start else None,
        )
        with deps.uow(write=True) as uow:
            report = import_plan(
                uow, parsed, resolve=OwnerResolver("slack", lookup), default_owner=default_owner, now=deps.clock.now()
            )
            uow.commit()
    except UserError as exc:
        raise fail(f"{file.name}: {exc.message} Nothing was imported.") from None
    _print_import(file, report)


def _email_lookup(deps: Deps) -> EmailLookup:
    from bot.slack.app import email_lookup, web_client

    return email_lookup(web_client(deps))


def _print_import(file: Path, report: ImportReport) -> None:
    total = len(report.created) + len(report.updated) + len(report.unchanged)
    span = f", {report.first}–{report.last}" if report.first else ""
    unchanged = f", {len(report.unchanged)} unchanged" if report.unchanged else ""
    typer.echo(
        f"Imported {total} actions from {file.name}{span}: "
        f"{len(report.created)} new, {len(report.updated)} updated{unchanged}."
    )
    owners = ", ".join(f"{user} ({count})" for user, count in report.owners.most_common())
    typer.echo(
        f"Owners: {owners or 'none'}. Unassigned: {len(report.unassigned)}"
        + (
            f" ({', '.join(report.unassigned[:10])}{' …' if len(report.unassigned) > 10 else ''})"
            if report.unassigned
            else ""
        )
        + "."
    )
    typer.echo("Pillars: " + ", ".join(f"{name} {count}" for name, count in sorted(report.pillars.items())) + ".")
    if report.by_email:
        emails = ", ".join(f"{email} ({count})" for email, count in report.by_email.most_common())
        typer.echo(
            f"Owners kept as emails, to look up in Slack: {emails}. Without SLACK_BOT_TOKEN they can't be looked up "
            "now; the first `reminders run` (or `serve`) with it does, before any reminder goes out."
        )
    for ref, written, why in report.unresolved:
        typer.echo(f"Owner not found for {ref}: {written!r} ({why}); left unassigned.")
    if report.absent:
        typer.echo(f"Already stored but not in this file (left as they are): {', '.join(report.absent)}.")


@reminders_cli.command("run")
def reminders_run(
    as_of: Annotated[str | None, typer.Option(help="the time to run at, e.g. 2019-08-01T09:00 (in TIMEZONE)")] = None,
    dry_run: Annotated[bool, typer.Option(help="say what is due; send and store nothing")] = False,
    show: Annotated[bool, typer.Option(help="with --dry-run: print each message as it would be sent")] = False,
) -> None:
    """One scheduler pass: queue what is due at the time, send what is pending."""
    settings = settings_or_exit()
    if show and not dry_run:
        raise fail("--show prints what a dry run would send: add --dry-run")
    when = _as_of(as_of, settings.zone) if as_of else None
    if not dry_run and not (settings.slack_enabled or settings.teams_enabled):
        offline = f"techcommit reminders run{f' --as-of {as_of}' if as_of else ''} --dry-run --show"
        raise fail(
            "SLACK_BOT_TOKEN is not set: put it in the environment or in .env (see .env.example) to send. "
            f"Without Slack, `{offline}` prints each message as it would be sent."
        )
    deps = ready_deps(settings, as_of=when)
    now = deps.clock.now().astimezone(settings.zone)
    typer.echo(f"Pass at {now:%Y-%m-%d %H:%M %Z}" + (" (dry run)" if dry_run else ""))
    if dry_run:
        _dry_run(deps, show=show)
        return
    from bot.runtime import build_senders

    senders = build_senders(deps)
    try:
        looked_up = senders.look_up_owners()
        for email, user_id in looked_up.found.items():
            typer.echo(f"owner  {email} is {user_id}")
        for email, count in looked_up.not_found.items():
            typer.echo(f"owner  {email}: no Slack user has this email; {count} action(s) left unassigned")
        result = senders.sweep()
    finally:
        senders.close()
    for key in result.queued:
        typer.echo(f"queued {key}")
    sending = result.sending
    for key in sending.sent:
        typer.echo(f"sent   {key}")
    for key in sending.skipped:
        typer.echo(f"skipped {key}")
    typer.echo(
        f"{len(sending.sent)} sent, {len(sending.retrying)} to retry, {len(sending.failed)} failed, "
        f"{len(sending.skipped)} skipped."
    )
    if sending.failed:
        raise typer.Exit(1)


def _dry_run(deps: Deps, *, show: bool) -> None:
    """What a pass would queue now, owners not yet looked up included; with `show`, each message's text."""
    from bot.console.render import render_reply
    from scheduler.passes import due_now, preview

    settings = deps.settings
    due = due_now(
        uow=deps.uow, clock=deps.clock, policy=deps.policy, report_channel=settings.plan_report_channel, by_email=True
    )
    shown = preview(uow=deps.uow, clock=deps.clock, policy=deps.policy, messages=due) if show else []
    texts = {message.key: text for message, text in shown}
    for message in due:
        typer.echo(f"would queue {message.key}")
        text = texts.get(message.key)
        if isinstance(text, str):
            typer.echo(f"  ({text})")
        elif text is not None:
            where = "#" if message.to_channel else "@"
            typer.echo(f"── to {where}{message.recipient} ──\n{render_reply(text, [])}\n")
    typer.echo(f"{len(due)} message(s) due and not yet queued.")
    emails = sorted({m.recipient for m in due if m.platform == EMAIL})
    if emails:
        typer.echo(
            f"Owners kept as emails ({', '.join(emails)}) are looked up in Slack by the first run with "
            "SLACK_BOT_TOKEN; their reminders then go to their Slack user ids."
        )


def _as_of(text: str, zone) -> datetime:  # type: ignore[no-untyped-def]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"--as-of {text!r} is not a date and time like 2019-08-01T09:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


@deliveries_cli.command("list")
def deliveries_list(
    failed: Annotated[bool, typer.Option("--failed", help="only those that failed")] = False,
    limit: Annotated[int, typer.Option(help="how many, newest first")] = 50,
) -> None:
    """What the bot has sent, is sending, or failed to send."""
    deps = ready_deps(settings_or_exit())
    zone = deps.policy.timezone
    with deps.uow(write=False) as uow:
        rows = outbox.list_deliveries(uow, failed_only=failed, limit=limit)
    if not rows:
        typer.echo("No failed deliveries." if failed else "Nothing has been sent yet.")
        return
    for row in rows:
        when = row.sent_at or row.next_attempt_at
        detail = f"  {row.last_error}" if row.last_error and row.status != "sent" else ""
        typer.echo(
            f"{row.status:<8} {when.astimezone(zone):%Y-%m-%d %H:%M}  attempts={row.attempts}  {row.key}{detail}"
        )
