"""Waiting for what the fakes are not told about: database rows, log records."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def wait_until(predicate: Callable[[], T | None], what: str, timeout: float = 30.0) -> T:
    """Poll predicate() until it returns something truthy; TimeoutError naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout}s: {what}")
        time.sleep(0.02)


def logged(caplog: pytest.LogCaptureFixture, *needles: str) -> list[logging.LogRecord]:
    """The records logged so far whose message contains every needle."""
    return [r for r in list(caplog.records) if all(n in r.getMessage() for n in needles)]
