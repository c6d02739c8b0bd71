"""Filling in a form in the terminal, field by field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, time

from handlers import ui

CANCELLED = object()


def ask(
    item: ui.Input, read: Callable[[str], str], say: Callable[[str], None], *, typed: str | None = None
) -> str | object | None:
    """Ask for one input; Enter keeps the value shown in [brackets], '-' clears it, 'cancel' stops.

    `typed` is what the person typed last time, shown when the input itself can't hold it (a channel,
    a date that isn't one).
    """
    current = initial_text(item) or typed or ""
    suffix = " (optional)" if item.optional else ""
    if isinstance(item, ui.SelectInput):
        say(f"{item.label}{suffix}:")
        for number, option in enumerate(item.options, start=1):
            say(f"  {number}) {option.label}")
        raw = read(f"Choose 1–{len(item.options)}" + (f" [{current}]" if current else "") + ": ").strip()
        if raw.lower() == "cancel":
            return CANCELLED
        if not raw:
            return item.initial
        if raw.isdigit() and 1 <= int(raw) <= len(item.options):
            return item.options[int(raw) - 1].value
        return raw  # the handler says what is wrong with it
    raw = read(f"{item.label}{suffix}{_hint(item)}" + (f" [{short(current)}]" if current else "") + ": ").strip()
    if raw.lower() == "cancel":
        return CANCELLED
    if raw == "-":
        return None
    return raw or current or None


def _hint(item: ui.Input) -> str:
    if isinstance(item, ui.TextInput) and item.placeholder:
        return f" ({item.placeholder})"
    if isinstance(item, ui.TimeInput):
        return " (HH:MM)"
    if isinstance(item, ui.DateInput):
        return " (YYYY-MM-DD)"
    if isinstance(item, ui.ChannelInput):
        return " (a channel id, e.g. C0123ABCD)"
    return ""


def initial_text(item: ui.Input) -> str:
    """The input's current value as the person would type it."""
    match item:
        case ui.DateInput(initial=value) if value:
            return value.isoformat()
        case ui.TimeInput(initial=value) if value:
            return value.strftime("%H:%M")
        case ui.SelectInput():
            return next((o.label for o in item.options if o.value == item.initial), "")
        case ui.TextInput():
            return item.initial
    return ""


def with_value(item: ui.Input, value: str | None) -> ui.Input:
    """The same input, showing what the person typed last time as its value."""
    match item:
        case ui.DateInput():
            try:
                return replace(item, initial=date.fromisoformat(value or ""))
            except ValueError:
                return replace(item, initial=None)
        case ui.TimeInput():
            try:
                return replace(item, initial=time.fromisoformat(value or ""))
            except ValueError:
                return replace(item, initial=None)
        case ui.TextInput():
            return replace(item, initial=value or "")
        case ui.SelectInput():
            return replace(item, initial=value)
    return item


def label_of(inputs: list[ui.Input], input_id: str) -> str:
    return next((item.label for item in inputs if item.id == input_id), input_id)


def short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
