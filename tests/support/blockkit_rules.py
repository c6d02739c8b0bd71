"""Block Kit's limits and element kinds, this checker's own table (from Slack's Block Kit reference).

Kept apart from slack_sdk on purpose: the bot renders with slack_sdk's models, and is checked
against something other than itself.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

MAX_MESSAGE_TEXT = 40_000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100

BROADCAST_RE = re.compile(r"<!(channel|here|everyone)(\|[^>]*)?>")
TEXT_TYPES = ("plain_text", "mrkdwn")
BUTTON_STYLES = ("primary", "danger")
TEXT_INPUTS = ("plain_text_input", "url_text_input", "email_text_input", "number_input")
SELECTS = (
    "static_select",
    "multi_static_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
    "users_select",
    "multi_users_select",
)
INTERACTIVE = ("button", "overflow", "datepicker", "timepicker", "checkboxes", "radio_buttons", *SELECTS)
INPUT_ELEMENTS = (*TEXT_INPUTS, "datepicker", "timepicker", "checkboxes", "radio_buttons", *SELECTS)
ACCESSORIES = (*INTERACTIVE, "image")
BLOCK_TYPES = ("section", "header", "context", "divider", "actions", "input", "image")
VIEW_TYPES = ("modal", "home")


def option_key(option: Any) -> tuple[Any, Any]:
    """What identifies an option: its text and its value."""
    if not isinstance(option, dict):
        return (None, repr(option))
    text = option.get("text")
    return (text.get("text") if isinstance(text, dict) else text, option.get("value"))


def is_number(value: Any) -> bool:
    """Whether value is a number or a string holding one."""
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def parses(value: Any, fmt: str, shape: str) -> bool:
    """Whether value is a string of exactly `shape` that strptime accepts with `fmt`."""
    if not isinstance(value, str) or not re.fullmatch(shape, value):
        return False
    try:
        dt.datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True
