"""Reading what the bot sent to Slack (a message, a modal or a Home view), for assertions."""

from __future__ import annotations

from typing import Any


def texts(message: dict[str, Any]) -> str:
    """Every text in a message or view, joined."""
    found: list[str] = [message.get("text") or ""]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks", []))
    return "\n".join(found)


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    """The button with this label (in an actions block or as a section's accessory)."""
    for block in message.get("blocks", []):
        for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
            if element.get("type") == "button" and element["text"]["text"] == label:
                return element
    raise AssertionError(f"no button {label!r} in {texts(message)}")
