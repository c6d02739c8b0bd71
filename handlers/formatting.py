"""How numbers, durations and dates are shown to people."""

from __future__ import annotations

from datetime import date


def duration(minutes: int) -> str:
    """`90` → `1 h 30 min`, `120` → `2 h`, `45` → `45 min`."""
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"


def hours(minutes: int) -> str:
    """`750` → `12.5 h`; whole hours without decimals."""
    tenths = (minutes + 3) // 6  # tenths of an hour, rounded half up
    return f"{tenths // 10} h" if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10} h"


def day(value: date) -> str:
    """`Fri 20 Nov 2026`."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def progress_bar(fraction: float, width: int = 10) -> str:
    """A bar of `width` blocks, filled to `fraction` (clamped to 0–1)."""
    filled = round(max(0.0, min(fraction, 1.0)) * width)
    return "▓" * filled + "░" * (width - filled)


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """`1 entry`, `3 entries`."""
    return f"{count} {noun if count == 1 else (plural_form or noun + 's')}"
