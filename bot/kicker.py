"""Send queued messages moments after an interaction commits, instead of waiting for the next sweep."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("techcommit.outbox")


class OutboxKicker:
    """One background thread that drains the outbox whenever it is kicked (kicks coalesce)."""

    def __init__(self, send: Callable[[], object]) -> None:
        self._send = send
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox-kicker", daemon=True)
        self._thread.start()

    def kick(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            if self._stop.is_set():
                return
            self._wake.clear()
            try:
                self._send()
            except Exception:  # the next kick or sweep tries again; nothing is lost from the outbox
                log.exception("sending queued messages failed")

    def close(self, timeout: float = 10) -> None:
        """Finish the current send, then stop."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
