"""Reading what the dispatcher returns, for tests that drive it directly (no platform in between)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.dispatch import Dispatcher, Who
from handlers import ui
from storage.uow import UnitOfWorkFactory


def text_of(reply: ui.Response) -> str:
    """Every text and button label of a reply, one block per line."""
    assert isinstance(reply, ui.Reply), reply
    parts = []
    for block in reply.blocks:
        parts.append(getattr(block, "text", "") or " ".join(getattr(block, "items", ())))
        parts.extend(b.label for b in getattr(block, "buttons", ()))
    return "\n".join(parts)


def buttons(reply: ui.Response) -> dict[str, ui.Button]:
    """The reply's buttons by label."""
    assert isinstance(reply, ui.Reply), reply
    found = {}
    for block in reply.blocks:
        for button in getattr(block, "buttons", ()) or ([block.button] if getattr(block, "button", None) else []):
            found[button.label] = button
    return found


def add(bot: Dispatcher, who: Who, text: str) -> int:
    """`/cpd add <text>`; the new entry's id."""
    reply = bot.command(who, "cpd", f"add {text}")
    return int(buttons(reply)["Edit"].value)


def count(uow_factory: UnitOfWorkFactory, model: type) -> int:
    """How many rows the model's table holds."""
    with uow_factory(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)
