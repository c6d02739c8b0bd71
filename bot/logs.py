"""Structured, one-line logs; secrets are scrubbed from every record, tracebacks included."""

from __future__ import annotations

import logging
import re
import secrets
import sys
from typing import Any

_TOKEN = re.compile(r"xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")


class ScrubbingFormatter(logging.Formatter):
    """Format a record, then replace Slack tokens and configured secrets with `[redacted]`."""

    def __init__(self, secrets_to_hide: list[str]) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")
        self.hide = [s for s in secrets_to_hide if s and len(s) >= 6]

    def format(self, record: logging.LogRecord) -> str:
        return self.scrub(super().format(record))

    def scrub(self, text: str) -> str:
        text = _TOKEN.sub("[redacted]", text)
        for value in self.hide:
            text = text.replace(value, "[redacted]")
        return text


def configure_logging(level: str, *, secrets_to_hide: list[str]) -> None:
    """Send one-line records to stderr, scrubbed of secrets."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ScrubbingFormatter(secrets_to_hide))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))


def fields(**values: Any) -> str:
    """`key=value` pairs for a log line; a value that could break the line is quoted with repr."""
    parts = []
    for key, value in values.items():
        text = str(value)
        risky = not text or any(c.isspace() or not c.isprintable() or c in "='\"" for c in text)
        parts.append(f"{key}={text!r}" if risky else f"{key}={text}")
    return " ".join(parts)


def new_reference() -> str:
    """A short reference for an internal error, shown to the person and written to the log."""
    return secrets.token_hex(4)
