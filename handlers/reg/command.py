"""`/reg`: read the subcommand and hand over to the operation."""

from __future__ import annotations

from handlers import ui
from handlers.context import Ctx
from handlers.errors import UserError
from handlers.help import HelpItem, help_reply, unknown_subcommand
from handlers.parsing import parse_entry_id, read_date, tokenise
from handlers.reg import operations as ops
from handlers.reg.registers import REGISTERS, Register, parse_competence, parse_register, parse_stage
from handlers.reg.stats import stats

REG_HELP = (
    HelpItem("/reg", "my registration journeys: stage, time in stage, competences covered, next step"),
    HelpItem("/reg start RSciTech", "start tracking a register (RSciTech, RSci, CSci, EngTech, IEng, CEng, ICTTech)"),
    HelpItem(
        "/reg stage evidence",
        "move to a stage: exploring, joined, evidence, referees, submitted, assessment, registered",
    ),
    HelpItem("/reg evidence A 12", "link CPD entry 12 as evidence for competence A"),
    HelpItem("/reg target 2027-06-30", "target date for the next stage"),
    HelpItem("/reg body IST", "the licensed professional body it goes through"),
    HelpItem("/reg stats", "admins: people per register and stage, median days per stage (no names)"),
)


def _register_at_end(args: list[str]) -> tuple[list[str], Register | None]:
    """Split an optional trailing register off the arguments."""
    if args and args[-1].lower() in REGISTERS:
        return args[:-1], parse_register(args[-1])
    return args, None


def handle_reg(ctx: Ctx, text: str) -> ui.Response:
    """Route `/reg <subcommand> ...`."""
    words = tokenise(text)
    sub = words[0].lower() if words else ""
    args, register = _register_at_end(words[1:])
    if not sub:
        return ops.status(ctx)
    if sub == "help":
        return help_reply("/reg — professional registration", REG_HELP)
    if sub == "start":
        if len(words) != 2:
            raise UserError("Which register?", example="`/reg start RSciTech`")
        return ops.start(ctx, parse_register(words[1]))
    if sub == "stage":
        if len(args) != 1:
            raise UserError("Which stage?", example="`/reg stage evidence` (add the register if you track several)")
        return ops.move(ctx, parse_stage(args[0]), register)
    if sub == "evidence":
        if len(args) != 2:
            raise UserError("Give the competence and the CPD entry's id.", example="`/reg evidence A 12`")
        return ops.link(ctx, parse_competence(args[0]), parse_entry_id(args[1]), register)
    if sub == "target":
        if len(args) != 1:
            raise UserError("Give the target date.", example="`/reg target 2027-06-30`")
        return ops.set_target(ctx, read_date(args[0], today=ctx.today()), register)
    if sub == "body":
        return ops.set_body(ctx, " ".join(args), register)
    if sub == "stats":
        return stats(ctx)
    raise unknown_subcommand("reg", sub, REG_HELP)
