"""Keep calls to a rate-limited method under its limit, rather than wait out 429s."""

from __future__ import annotations

import time
from collections.abc import Callable

from storage.pace import reserve_slot
from storage.uow import UnitOfWorkFactory


class SharedPacer:
    """Spaces calls under `key` at least `1 / per_second` apart, across every thread and process sharing the database.

    Each call reserves its turn in the database (`storage.pace.reserve_slot`) in one short write transaction,
    then sleeps until it. Turns are wall-clock seconds, which every process on every machine reads alike
    (to within their clocks' agreement). A call after a quiet spell goes at once.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        key: str,
        per_second: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = 1.0 / per_second
        self.key = key
        self._uow = uow
        self._clock = clock
        self._sleep = sleep

    def wait(self) -> float:
        """Block until this call's turn; returns the seconds waited."""
        with self._uow(write=True) as unit:
            # Read the time once the transaction has begun (on SQLite, once it holds the write lock), so that
            # a turn taken after waiting for other reservations is not set in the past.
            turn = reserve_slot(unit, key=self.key, now=self._clock(), interval=self.interval)
            unit.commit()
        delay = turn - self._clock()
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)
