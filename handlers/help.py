"""Help replies: one line and one example per subcommand."""

from __future__ import annotations

from dataclasses import dataclass

from handlers import ui
from handlers.errors import UserError
from handlers.parsing import quote_typed


@dataclass(frozen=True)
class HelpItem:
    example: str
    meaning: str


def help_reply(title: str, items: tuple[HelpItem, ...]) -> ui.Reply:
    """A help message listing each example and what it does."""
    lines = "\n".join(f"`{item.example}` — {item.meaning}" for item in items)
    return ui.reply(ui.Header(title), ui.Text(lines), text=f"{title}\n{lines}")


def unknown_subcommand(command: str, sub: str, items: tuple[HelpItem, ...]) -> UserError:
    """The error for `/command <something unknown>`, listing what the command does instead."""
    return UserError(
        f"I don't know `/{command} {quote_typed(sub, 20)}`.",
        example="\n".join(f"`{item.example}` — {item.meaning}" for item in items),
    )
