"""Keep calls to a rate-limited method under its limit, rather than wait out 429s."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Spaces calls at least `1 / per_second` apart, across all threads sharing it.

    Slack answers a call over its limit with 429 and a whole-second Retry-After, so a burst that
    overshoots by one message costs a second or more. Spacing calls evenly never overshoots, and a
    call after a quiet spell goes at once.
    """

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until this call's turn; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            turn = max(self._next, now)
            self._next = turn + self.interval
        delay = turn - now
        if delay > 0:
            self._sleep(delay)
        return delay
