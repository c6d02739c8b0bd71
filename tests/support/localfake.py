"""What the fake services (FakeSlack, FakeConnector) share: a real HTTP server on a free local port,
recorded calls and problems behind one lock, and waiting for something to be recorded."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Self, TypeVar

T = TypeVar("T")
Call = TypeVar("Call")
F = TypeVar("F", bound="LocalFake[Any]")


class FakeHandler(BaseHTTPRequestHandler, Generic[F]):
    """A quiet request handler that knows its fake (``self.fake``) and writes whole responses."""

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def handle(self) -> None:
        # The client may go away, e.g. a stopping bot closing the connections it kept open.
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            super().handle()

    @property
    def fake(self) -> F:
        """The fake this handler's server serves."""
        return self.server.fake  # type: ignore[attr-defined, no-any-return]

    def body(self) -> bytes:
        """The request body (empty when there is none)."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status: int, data: bytes, content_type: str | None, extra: dict[str, str] | None = None) -> None:
        """Send one response with an exact Content-Length."""
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class LocalFake(Generic[Call]):
    """A fake service on 127.0.0.1: start/stop (or ``with``), ``calls``, ``problems`` and ``wait_for``.

    Subclasses set ``handler`` and may override ``started(port)`` to publish their URLs and
    ``describe()`` to explain a timeout.
    """

    handler: type[FakeHandler[Any]]

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.problems: list[str] = []
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def lock(self) -> threading.Condition:
        """The condition guarding all recorded state (notify_all after changing it)."""
        return self._cond

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        """Start serving on a free port in a daemon thread."""
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self.started(server.server_address[1])
        name = type(self).__name__
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name=name, daemon=True)
        self._thread.start()
        return self

    def started(self, port: int) -> None:
        """Called once the socket is bound, before the first request can arrive."""

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- recording and waiting ----------------------------------------------------------------

    def problem(self, message: str) -> None:
        """Record a problem (a rejected call or a validation failure)."""
        with self._cond:
            self.problems.append(message)
            self._cond.notify_all()

    def record(self, call: Call) -> None:
        """Record a call."""
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Wait until predicate() returns something truthy (re-checked whenever anything is recorded)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout}s\n{self.describe()}")
                self._cond.wait(remaining)

    def describe(self, last: int = 15) -> str:
        """A short account of recent calls and the problems, for failure messages."""
        with self._lock:
            lines = [f"recent calls ({len(self.calls)} in all):"]
            lines += [f"  {call}"[:600] for call in self.calls[-last:]]
            lines.append(f"problems: {self.problems}")
        return "\n".join(lines)
