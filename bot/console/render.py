"""Neutral views → plain text for a terminal."""

from __future__ import annotations

import re

from handlers import ui


def markup_to_text(markup: str) -> str:
    """Turn chat markup into readable terminal text."""
    text = ui.LINK.sub(_link_text, markup)
    text = ui.BARE_LINK.sub(r"\1", text)
    text = ui.MENTION.sub(r"@\1", text)
    text = ui.CHANNEL.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    text = ui.BOLD.sub(r"\1", text)
    text = ui.ITALIC.sub(r"\1", text)
    return ui.unescape(text)


def _link_text(link: re.Match[str]) -> str:
    """`label (url)`, or the url once when the label is the url itself (or the url clipped)."""
    url, label = link.group(1), link.group(2)
    if label == url or (label.endswith("…") and url.startswith(label[:-1])):
        return url
    return f"{label} ({url})"


def render_reply(reply: ui.Reply, buttons: list[ui.Button]) -> str:
    """The reply as text; its buttons are appended to `buttons` and shown by number."""
    lines: list[str] = []
    for block in reply.blocks:
        match block:
            case ui.Header(text=text):
                lines.append(f"== {text} ==")
            case ui.Text(text=text, button=button):
                body = markup_to_text(text)
                if button:
                    buttons.append(button)
                    body += f"  [{len(buttons)}] {button.label}"
                lines.append(body)
            case ui.Fields(items=items):
                lines.extend("  " + markup_to_text(item).replace("\n", ": ", 1).replace("\n", " ") for item in items)
            case ui.Context(text=text):
                lines.extend("  " + line for line in markup_to_text(text).splitlines())
            case ui.Divider():
                lines.append("─" * 40)
            case ui.Buttons(buttons=row):
                labels = []
                for button in row:
                    buttons.append(button)
                    labels.append(f"[{len(buttons)}] {button.label}")
                lines.append("  ".join(labels))
    return "\n".join(lines)
