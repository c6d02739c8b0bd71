"""The HTTP side: `POST /slack/events` to Bolt, `GET /healthz`, served by waitress (threaded WSGI)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore

log = logging.getLogger("techcommit.server")
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
EVENTS_PATH = "/slack/events"
TEAMS_PATH = "/api/messages"


def make_wsgi(app: App | None, *, database_ok: Callable[[], bool], teams: WsgiApp | None = None) -> WsgiApp:
    """Route Slack's requests to Bolt, Teams' to the Agents SDK, and answer health checks."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH) if app is not None else None

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == TEAMS_PATH and teams is not None:
            return teams(environ, start_response)
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            ok = database_ok()
            body = b"ok\n" if ok else b"database unreachable\n"
            start_response(
                "200 OK" if ok else "503 Service Unavailable",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            return [body]
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        if timestamp is not None and not (timestamp.isascii() and timestamp.isdigit()):
            # Bolt's verifier would raise on int(); a request that cannot be verified is unauthorised.
            body = b"invalid request timestamp\n"
            start_response(
                "401 Unauthorized", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
            )
            return [body]
        if slack is None:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "10")])
            return [b"not found\n"]
        return slack(environ, start_response)

    return wsgi


def serve_forever(wsgi: WsgiApp, *, host: str, port: int, threads: int) -> None:
    """Serve until interrupted."""
    waitress.serve(wsgi, host=host, port=port, threads=threads, ident="techcommit", clear_untrusted_proxy_headers=True)


def serve_workers(start_worker: Callable[[], WsgiApp], *, host: str, port: int, threads: int, workers: int) -> None:
    """Serve with `workers` processes sharing one listening socket (pre-fork), until interrupted.

    Python runs one thread at a time per process; several processes use several cores. Each
    worker builds its own app (database connections must not cross a fork). A worker that dies is
    replaced; SIGTERM or SIGINT stops them all.
    """
    listener = socket.create_server((host, port), backlog=2048, reuse_port=False)
    listener.set_inheritable(True)
    children: dict[int, int] = {}
    stopping = False

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                waitress.serve(
                    start_worker(),
                    sockets=[listener],
                    threads=threads,
                    ident="techcommit",
                    clear_untrusted_proxy_headers=True,
                )
            finally:
                os._exit(0)
        children[pid] = slot

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for slot in range(workers):
        spawn(slot)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        slot = children.pop(pid, None)
        if slot is not None and not stopping:
            log.error("worker %d exited (status %d); starting another", pid, status)
            time.sleep(1)
            spawn(slot)
    listener.close()


class BackgroundServer:
    """The same waitress server on a free port in a background thread (tests, benchmarks)."""

    def __init__(self, wsgi: WsgiApp, *, host: str = "127.0.0.1", port: int = 0, threads: int = 16) -> None:
        self._server: Any = waitress.create_server(wsgi, host=host, port=port, threads=threads, ident="techcommit")
        self.url = f"http://{host}:{self._server.effective_port}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="http", daemon=True)

    def _serve(self) -> None:
        # waitress's own run() loops until its sockets are closed under it; looping here instead lets
        # the loop thread close them itself, so a select() never sees a closed descriptor.
        channels = self._server._map
        while not self._stopping.is_set():
            wasyncore.loop(timeout=0.05, map=channels, count=1)
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(channels)

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
