"""The `techcommit` command line."""

from __future__ import annotations

import readline  # noqa: F401  (line editing and history for the console's input())
import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_admin import db_cli, deliveries_cli, plan_cli, reminders_cli, roles_cli, teams_cli
from bot.cli_support import ready_deps, require, require_slack_token, settings_or_exit
from bot.composition import Deps, build
from bot.dispatch import Who
from storage.people import PersonId
from storage.schema import upgrade

cli = typer.Typer(
    help="techcommit — the Technician Commitment bot for Slack.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
cli.add_typer(db_cli, name="db")
cli.add_typer(roles_cli, name="roles")
cli.add_typer(plan_cli, name="plan")
cli.add_typer(reminders_cli, name="reminders")
cli.add_typer(deliveries_cli, name="deliveries")
cli.add_typer(teams_cli, name="teams")


@cli.command()
def serve(
    port: Annotated[int | None, typer.Option(help="port (default: PORT or 3000)")] = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "0.0.0.0",  # noqa: S104
    workers: Annotated[int | None, typer.Option(help="processes (default: WEB_WORKERS or 1)", min=1, max=64)] = None,
) -> None:
    """Serve over HTTP: POST /slack/events (Slack), POST /api/messages (Teams), GET /healthz."""
    from bot.web import serve as run_server

    settings = settings_or_exit()
    if settings.slack_enabled or not settings.teams_enabled:
        require(settings, "slack_bot_token", "slack_signing_secret")
    ready_deps(settings).engine.dispose()  # checks the database and its schema before serving
    if settings.slack_enabled:
        require_slack_token(settings)  # once, here: not in every worker
    listen, processes = port or settings.port, workers or settings.web_workers
    where = [f"Slack on http://{host}:{listen}/slack/events"] if settings.slack_enabled else []
    where += [f"Teams on http://{host}:{listen}/api/messages"] if settings.teams_enabled else []
    typer.echo(
        f"techcommit: serving {' and '.join(where)} (health: /healthz), "
        f"{processes} worker process{'es' if processes > 1 else ''} of {settings.http_threads} threads (gunicorn)"
    )
    run_server(
        host=host,
        port=listen,
        workers=processes,
        threads=settings.http_threads,
        log_level=settings.log_level,
    )


@cli.command()
def socket() -> None:
    """Connect to Slack in Socket Mode (no public URL needed)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.runtime import build_runtime

    settings = settings_or_exit()
    require(settings, "slack_bot_token", "slack_app_token")
    deps = ready_deps(settings)
    require_slack_token(settings)
    runtime = build_runtime(deps, socket_mode=True)
    assert runtime.slack is not None  # built for Socket Mode
    typer.echo("techcommit: connecting to Slack in Socket Mode")
    runtime.start_scheduler()
    try:
        SocketModeHandler(runtime.slack.app, settings.secret("slack_app_token")).start()  # type: ignore[no-untyped-call]
    finally:
        runtime.close()


@cli.command()
def console(
    user: Annotated[str, typer.Option(help="Slack user id to act as")] = "U0CONSOLE",
    team: Annotated[str, typer.Option(help="Slack team id")] = "T0CONSOLE",
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    admin: Annotated[bool, typer.Option(help="act as an admin")] = False,
    files: Annotated[Path, typer.Option(help="where exported files are saved")] = Path("techcommit-files"),
) -> None:
    """Run every command in the terminal, without Slack."""
    settings = settings_or_exit(log_level="WARNING")
    if admin:
        settings = settings.model_copy(update={"admin_user_ids": settings.admin_user_ids | {user}})
    _run_console(ready_deps(settings), PersonId("slack", team, user), name, files)


@cli.command()
def demo(
    files: Annotated[Path, typer.Option(help="where exported files are saved")] = Path("techcommit-files"),
) -> None:
    """The console on a throwaway SQLite database with sample data."""
    from bot.console.demo import DEMO_NAME, DEMO_PEOPLE, DEMO_USER, seed_demo, seed_demo_events, seed_demo_plan
    from scheduler.passes import enqueue_due

    with tempfile.TemporaryDirectory(prefix="techcommit-demo-") as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        settings = settings_or_exit(
            database_url=url, log_level="WARNING", admin_user_ids=frozenset({DEMO_USER.user_id})
        )
        deps = build(settings)
        upgrade(deps.engine)
        seed_demo(deps.uow, today=_today(deps), now=deps.clock.now())
        seed_demo_plan(deps.uow, today=_today(deps), now=deps.clock.now(), start_month=settings.plan_year_start_month)
        seed_demo_events(deps.uow, now=deps.clock.now(), zone=deps.policy.timezone)
        # the scheduler's pass as the bot would run it now: this quarter's reminders to the plan's owners
        enqueue_due(uow=deps.uow, clock=deps.clock, policy=deps.policy, report_channel="")
        typer.echo(
            "Demo database with a sample CPD record, action plan and events (thrown away when you quit). "
            "Try: /cpd summary, /cpd add 2h Soldering refresher #career-development, /reg start RSciTech, /plan, "
            "/event, home; `as` to be someone else (Alice, an organiser)"
        )
        people = [(Who(person, name), about) for person, name, about in DEMO_PEOPLE]
        _run_console(deps, DEMO_USER, DEMO_NAME, files, people)
        deps.engine.dispose()


def _today(deps: Deps) -> date:
    return deps.clock.now().astimezone(deps.policy.timezone).date()


def _run_console(
    deps: Deps, person: PersonId, name: str | None, files: Path, people: Sequence[tuple[Who, str]] = ()
) -> None:
    from bot.console.repl import Console
    from scheduler.sender import send_pending

    def deliver_queued(console: Console) -> None:  # what the bot sends on its own, shown in the terminal
        send_pending(uow=deps.uow, notifier=console, clock=deps.clock, policy=deps.policy)

    Console(
        deps.dispatcher,
        Who(person, name),
        files_dir=files,
        read=input,
        out=sys.stdout,
        send_pending=deliver_queued,
        people=people,
    ).run()


def main() -> None:
    cli()
