"""The HTTP side: `POST /slack/events` to Bolt, `POST /api/messages` to Teams, `GET /healthz`.

`serve` runs it under gunicorn with threaded workers (`gthread`): a pre-forking server every
operator knows. Each worker process builds its own runtime after the fork (`build`), so database
connections and threads never cross it, and closes it when it exits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication

from bot.logs import fields

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime import Runtime

log = logging.getLogger("techcommit.server")
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
EVENTS_PATH = "/slack/events"
TEAMS_PATH = "/api/messages"
GRACEFUL_SECONDS = 30  # a stopping worker finishes the requests it has and their answers


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


class Server(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn, configured from our settings rather than its command line."""

    def __init__(self, build: Callable[[], Runtime], *, bind: str, workers: int, threads: int, log_level: str) -> None:
        self._build = build
        self._options: dict[str, Any] = {
            "bind": bind,
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "graceful_timeout": GRACEFUL_SECONDS,
            "proc_name": "techcommit",
            "accesslog": None,
            "errorlog": "-",
            "loglevel": log_level.lower(),
            "control_socket_disable": True,
            "worker_exit": self._worker_exit,
        }
        self._runtime: Runtime | None = None
        super().__init__(prog="techcommit serve")

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        """Build this worker's runtime (called in the worker, after the fork) and start its scheduler."""
        self._runtime = self._build()
        self._runtime.start_scheduler()  # in every worker: a lease in the database lets one of them run passes
        return self._runtime.wsgi()

    def _worker_exit(self, _arbiter: object, _worker: object) -> None:
        if self._runtime is not None:
            self._runtime.close()


def serve(build: Callable[[], Runtime], *, host: str, port: int, workers: int, threads: int, log_level: str) -> None:
    """Serve until SIGTERM or Ctrl-C; each of `workers` processes runs `build()` once."""
    Server(build, bind=f"{host}:{port}", workers=workers, threads=threads, log_level=log_level).run()
