"""Slack's Web API method table (Slack's own spec, kept in tests/fixtures/slack) and how clients send arguments."""

from __future__ import annotations

import contextlib
import functools
import json
from pathlib import Path
from typing import Any

REQUIRED_ARGS_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "slack" / "web-api-required-args.json"
JSON_ARGS = ("blocks", "view", "files", "attachments", "metadata")

Args = dict[str, Any]
Response = dict[str, Any]
BOT = {"user_id": "U0BOT", "bot_id": "B0BOT", "app_id": "A0TEST"}  # who the fake says the bot is


@functools.cache
def required_args() -> dict[str, dict[str, Any]]:
    """The method table from tests/fixtures/slack/web-api-required-args.json (Slack's own spec)."""
    methods: dict[str, dict[str, Any]] = json.loads(REQUIRED_ARGS_PATH.read_text("utf-8"))["methods"]
    return methods


def decode_json_args(args: Args) -> None:
    """Decode arguments that clients send as JSON strings (blocks, view, files, ...), in place."""
    for key in JSON_ARGS:
        value = args.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):  # else left as a string; validation reports it
                args[key] = json.loads(value)


def _missing(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def missing_arguments(spec: dict[str, Any], args: Args) -> list[str]:
    """Slack's messages for required arguments (and one-of groups) that the call left out."""
    messages = [
        f"[ERROR] missing required field: {name}" for name in spec.get("required", []) if _missing(args.get(name))
    ]
    for group in spec.get("one_of", []):
        if all(_missing(args.get(name)) for name in group):
            messages.append(f"[ERROR] one of [{', '.join(group)}] is required")
    return messages


def error_response(error: str, *messages: str, **extra: Any) -> Response:
    """The body Slack answers a failed call with (`ok: false`, the error, any messages)."""
    body: Response = {"ok": False, "error": error, **extra}
    if messages:
        body["response_metadata"] = {"messages": list(messages)}
    return body
