"""`/plan`: read the subcommand and hand over to the operation."""

from __future__ import annotations

from handlers import ui
from handlers.context import Ctx
from handlers.errors import UserError
from handlers.help import HelpItem, help_reply, unknown_subcommand
from handlers.parsing import parse_person, tokenise
from handlers.plan import operations as ops
from handlers.plan.quarters import QUARTER_EXAMPLE, parse_quarter_or_date
from handlers.plan.status import STATUS_EXAMPLE, parse_status

PLAN_HELP = (
    HelpItem("/plan", "my actions due this quarter, then later ones"),
    HelpItem("/plan update Y1-03 on-track Draft with HR", "record a status (on-track, at-risk, blocked, done)"),
    HelpItem("/plan show Y1-03", "one action with its quarters and history"),
    HelpItem("/plan report 2026Q1", "the steering view of a quarter (default: this one)"),
    HelpItem("/plan assign Y1-03 @alice", "admins: give an action to someone"),
)


def handle_plan(ctx: Ctx, text: str) -> ui.Response:
    """Route `/plan <subcommand> ...`."""
    words = tokenise(text)
    sub = words[0].lower() if words else "mine"
    args = words[1:]
    if sub == "help":
        return help_reply("/plan — the Technician Commitment action plan", PLAN_HELP)
    if sub == "mine":
        return ops.my_actions(ctx)
    if sub == "update":
        if len(args) < 2:
            raise UserError("Give the action's ref and its status.", example=STATUS_EXAMPLE)
        return ops.update(ctx, args[0], parse_status(args[1]), " ".join(args[2:])[:1000])
    if sub == "show":
        if len(args) != 1:
            raise UserError("Which action?", example=ops.SHOW_HINT)
        return ops.show(ctx, args[0])
    if sub == "report":
        if len(args) > 1:
            raise UserError("Give one quarter at most.", example=QUARTER_EXAMPLE)
        quarter = parse_quarter_or_date(args[0], start_month=ctx.policy.plan_year_start_month) if args else None
        return ops.report(ctx, quarter)
    if sub == "assign":
        ops.may_assign(ctx)  # admins only, whatever else is wrong with the command
        if len(args) != 2:
            raise UserError("Give the action's ref and the person.", example="`/plan assign Y1-03 @alice`")
        return ops.assign(ctx, args[0], parse_person(args[1], default_platform=ctx.actor.platform))
    raise unknown_subcommand("plan", sub, PLAN_HELP)
