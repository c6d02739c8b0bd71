"""Errors that are the user's to fix: shown to them as a clear message, nothing written."""

from __future__ import annotations

from handlers.ui import Block, Context, Reply, Text


class UserError(Exception):
    """Something the person asked for cannot be done as asked.

    `message` says what was wrong; `example` shows the right form. Both are shown to the
    person, so they must not contain anything private to someone else.
    """

    def __init__(self, message: str, *, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example


class NotAllowed(UserError):
    """The person may not do this (not theirs, or missing a role)."""


def error_reply(exc: UserError) -> Reply:
    """What the person sees when their request could not be done as asked."""
    blocks: list[Block] = [Text(f"⚠️ {exc.message}")]
    if exc.example:
        blocks.append(
            Context(f"For example: {exc.example}" if "\n" not in exc.example else f"For example:\n{exc.example}")
        )
    text = exc.message + (f" For example: {exc.example}" if exc.example else "")
    return Reply(blocks=tuple(blocks), text=text)
