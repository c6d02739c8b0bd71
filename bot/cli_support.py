"""What every `techcommit` subcommand shares: settings, one-line errors, a ready database."""

from __future__ import annotations

from datetime import datetime

import typer
from sqlalchemy.exc import OperationalError

from bot.composition import Deps, build
from bot.logs import configure_logging
from bot.settings import ConfigError, Settings, load_settings
from storage.schema import schema_problem


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error and return the exit to raise."""
    typer.echo(f"techcommit: {message}", err=True)
    return typer.Exit(code)


def settings_or_exit(**overrides: object) -> Settings:
    try:
        settings = load_settings(**overrides)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    configure_logging(settings.log_level, secrets_to_hide=settings.secret_values())
    return settings


def require(settings: Settings, *names: str) -> None:
    try:
        settings.require(*names)
    except ConfigError as exc:
        raise fail(str(exc)) from None


def ready_deps(settings: Settings, *, as_of: datetime | None = None) -> Deps:
    """Dependencies on a reachable database whose schema is at the newest migration."""
    from handlers.clock import FixedClock

    deps = build(settings, clock=FixedClock(as_of) if as_of else None)
    try:
        problem = schema_problem(deps.engine)
    except OperationalError as exc:
        raise fail(f"cannot reach the database ({deps.engine.url.render_as_string()}): {exc.orig}") from None
    if problem:
        raise fail(problem)
    return deps


def require_slack_token(settings: Settings) -> None:
    """Ask Slack (auth.test) once whether it takes SLACK_BOT_TOKEN; refuse to start if it does not.

    Slack out of reach is only a warning (logged): the bot starts, and its sends are retried.
    """
    from bot.slack.app import token_refusal

    refused = token_refusal(settings)
    if refused:
        raise fail(
            f"Slack refuses SLACK_BOT_TOKEN ({refused}, asked with auth.test at {settings.slack_api_url}): "
            "copy the Bot User OAuth Token from the app's OAuth & Permissions page"
        )
