"""A WSGI app served from a background thread of the test process (waitress), on a free port.

`techcommit serve` runs gunicorn, which must own its process (it forks and handles signals).
The in-process end-to-end tests serve the very same WSGI app here, so they can share the test's
database, clock and fake platforms; tests/bot/test_serve.py runs the real `serve`.
"""

from __future__ import annotations

import threading
from typing import Any

import waitress
from waitress import wasyncore

from bot.web import WsgiApp


class BackgroundServer:
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
