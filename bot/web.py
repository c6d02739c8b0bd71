"""The HTTP side: `POST /slack/events` to Bolt, `POST /api/messages` to Teams, `GET /healthz`.

`serve` checks the settings, the database and the bot token, then runs gunicorn with threaded
workers (`gthread`), a pre-forking server every operator knows, on the app factory `create_wsgi`:
each worker builds its own runtime after the fork, so database connections and threads never
cross it, and closes it when it exits (bot/gunicorn_conf.py).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NoReturn

from bot.logs import fields

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime import Runtime

log = logging.getLogger("techcommit.server")
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
EVENTS_PATH = "/slack/events"
TEAMS_PATH = "/api/messages"


def _plain(start_response: Callable[..., Any], status: str, body: bytes) -> Iterable[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def make_wsgi(
    app: App | None,
    *,
    signing_secret: str,
    health: Callable[[], str | None],
    teams: WsgiApp | None = None,
) -> WsgiApp:
    """Route Slack's requests to Bolt, Teams' to the Agents SDK, and answer health checks.

    Slack's requests are checked before Bolt reads them (`bot.slack.intake`): unsigned ones are
    answered 401, malformed ones 400. `health()` names what keeps the bot from working (one
    line), or is None: /healthz answers 503 with that reason, or 200.
    """
    from bot.slack.intake import CheckedRequestHandler

    slack = CheckedRequestHandler(app, path=EVENTS_PATH, signing_secret=signing_secret) if app is not None else None

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == TEAMS_PATH and teams is not None:
            return teams(environ, start_response)
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            problem = health()
            if problem is None:
                return _plain(start_response, "200 OK", b"ok\n")
            log.warning("health check failed %s", fields(reason=problem))
            return _plain(start_response, "503 Service Unavailable", problem.encode() + b"\n")
        if slack is None:
            return _plain(start_response, "404 Not Found", b"not found\n")
        return slack(environ, start_response)

    return wsgi


_runtime: Runtime | None = None  # this worker's, built by `create_wsgi`


def create_wsgi() -> WsgiApp:
    """gunicorn's app factory (`bot.web:create_wsgi()`), called in each worker after the fork.

    Builds the worker's runtime from the settings (the environment and `.env`, as `serve` read
    them) and starts its scheduler: in every worker, a lease in the database lets one run passes.
    """
    global _runtime
    from bot.composition import build
    from bot.logs import configure_logging
    from bot.runtime import build_runtime
    from bot.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_level, secrets_to_hide=settings.secret_values())
    _runtime = build_runtime(build(settings))
    _runtime.start_scheduler()
    return _runtime.wsgi()


def close_runtime() -> None:
    """Stop this worker's runtime (gunicorn's `worker_exit` hook, bot/gunicorn_conf.py)."""
    if _runtime is not None:
        _runtime.close()


def gunicorn_command(*, host: str, port: int, workers: int, threads: int, log_level: str) -> list[str]:
    """The gunicorn command line `serve` runs: our app factory, threaded workers, bot/gunicorn_conf.py."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:bot.gunicorn_conf",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--log-level",
        log_level.lower(),
        "bot.web:create_wsgi()",
    ]


def serve(*, host: str, port: int, workers: int, threads: int, log_level: str) -> NoReturn:
    """Become gunicorn (exec), serving until SIGTERM or Ctrl-C.

    The checks `serve` made (settings, database, token) stay behind with this process's memory:
    gunicorn starts as a fresh, small master, and each worker loads the bot once for itself.
    """
    command = gunicorn_command(host=host, port=port, workers=workers, threads=threads, log_level=log_level)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)  # noqa: S606  # a fixed command line, nothing from a request
