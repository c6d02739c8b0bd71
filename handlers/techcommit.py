"""`/techcommit`: the bot's own help, and people's own data."""

from __future__ import annotations

from handlers import ui
from handlers.context import Ctx
from handlers.cpd.command import CPD_HELP
from handlers.errors import UserError
from handlers.events.command import EVENT_HELP
from handlers.help import HelpItem, help_reply
from handlers.parsing import quote_typed, tokenise
from handlers.plan.command import PLAN_HELP
from handlers.privacy import ask_forget, my_data
from handlers.reg.command import REG_HELP

BOT_HELP = (
    HelpItem("/techcommit help", "this list"),
    HelpItem("/techcommit my-data", "a copy of everything stored about me, in my DM"),
    HelpItem("/techcommit forget-me", "delete everything stored about me (asks first)"),
    *CPD_HELP,
    *REG_HELP,
    *EVENT_HELP,
    *PLAN_HELP,
)


def handle_techcommit(ctx: Ctx, text: str) -> ui.Response:
    """Route `/techcommit <subcommand>`."""
    words = tokenise(text)
    sub = words[0].lower() if words else "help"
    if sub == "help":
        return help_reply("techcommit — what I can do", BOT_HELP)
    if sub in ("my-data", "mydata"):
        return my_data(ctx)
    if sub in ("forget-me", "forgetme"):
        return ask_forget(ctx)
    raise UserError(f"I don't know `/techcommit {quote_typed(sub, 20)}`.", example="`/techcommit help`")
