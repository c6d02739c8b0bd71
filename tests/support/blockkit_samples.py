"""Sample Block Kit payloads for the checker and fake-Slack tests: one valid message, one valid modal."""

from __future__ import annotations

from typing import Any


def pt(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def md(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def opts(n: int, text_len: int = 3) -> list[dict[str, Any]]:
    return [{"text": pt(f"o{i}".ljust(text_len, "x")), "value": f"v{i}"} for i in range(n)]


def button(**kw: Any) -> dict[str, Any]:
    return {"type": "button", "text": pt("Go"), "action_id": "go", **kw}


def confirm(**kw: Any) -> dict[str, Any]:
    return {"title": pt("Sure?"), "text": md("Really?"), "confirm": pt("Yes"), "deny": pt("No"), **kw}


def section(text: str = "hello", **kw: Any) -> dict[str, Any]:
    return {"type": "section", "text": md(text), **kw}


def select(**kw: Any) -> dict[str, Any]:
    return {"type": "static_select", "action_id": "sel", "placeholder": pt("Pick"), "options": opts(3), **kw}


def input_block(block_id: str, element: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"type": "input", "block_id": block_id, "label": pt(block_id.title()), "element": element, **kw}


def rich_message() -> dict[str, Any]:
    """A message using every supported block and interactive element."""
    return {
        "text": "fallback",
        "blocks": [
            {"type": "header", "text": pt("Header")},
            section(
                "*hi* &lt;!here&gt;", block_id="s1", fields=[md("a"), pt("b")], accessory=button(url="https://x.y")
            ),
            {"type": "divider"},
            {
                "type": "context",
                "elements": [md("ctx"), {"type": "image", "image_url": "https://x.y/i.png", "alt_text": "i"}],
            },
            {"type": "image", "image_url": "https://x.y/i.png", "alt_text": "pic", "title": pt("Pic")},
            {
                "type": "actions",
                "block_id": "a1",
                "elements": [
                    button(style="primary", value="v", confirm=confirm()),
                    button(action_id="del", style="danger"),
                    select(initial_option=opts(3)[1]),
                    {"type": "overflow", "action_id": "ov", "options": opts(5)},
                    {"type": "datepicker", "action_id": "d", "initial_date": "2024-02-29"},
                    {"type": "timepicker", "action_id": "t", "initial_time": "09:30"},
                    {"type": "checkboxes", "action_id": "c", "options": opts(10), "initial_options": opts(2)},
                    {"type": "radio_buttons", "action_id": "r", "options": opts(2), "initial_option": opts(2)[0]},
                    {"type": "users_select", "action_id": "u", "placeholder": pt("Who")},
                ],
            },
        ],
    }


def modal(*blocks: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "cb",
        "title": pt("Log CPD"),
        "submit": pt("Save"),
        "close": pt("Cancel"),
        "private_metadata": "{}",
        "blocks": list(blocks),
        **kw,
    }


def full_modal() -> dict[str, Any]:
    return modal(
        input_block(
            "title",
            {
                "type": "plain_text_input",
                "action_id": "ti",
                "max_length": 100,
                "initial_value": "x",
                "placeholder": pt("Title"),
            },
            hint=pt("Short"),
        ),
        input_block("link", {"type": "url_text_input", "action_id": "l"}, optional=True),
        input_block(
            "hours", {"type": "number_input", "action_id": "h", "is_decimal_allowed": True, "min_value": "0.5"}
        ),
        input_block("date", {"type": "datepicker", "action_id": "d", "initial_date": "2025-01-31"}),
        input_block("time", {"type": "timepicker", "action_id": "t"}),
        input_block("kind", select(action_id="k", initial_option=opts(3)[0])),
        input_block("where", {"type": "conversations_select", "action_id": "w"}),
        input_block("chan", {"type": "channels_select", "action_id": "c"}),
        input_block("tags", {"type": "checkboxes", "action_id": "tg", "options": opts(3)}),
    )


def text_input_modal(**el: Any) -> dict[str, Any]:
    return modal(input_block("i", {"type": "plain_text_input", "action_id": "a", **el}))
