"""`/cpd`: read the subcommand and hand over to the operation."""

from __future__ import annotations

from handlers import ui
from handlers.context import Ctx
from handlers.cpd import operations as ops
from handlers.cpd.periods import PERIOD_EXAMPLE, PERIOD_WORDS, Period, parse_period
from handlers.errors import UserError
from handlers.help import HelpItem, help_reply, unknown_subcommand
from handlers.parsing import parse_entry_id, quote_typed, tokenise

EXPORT_FORMATS = ("csv", "pdf")
EXPORT_EXAMPLE = "`/cpd export pdf 12m` or `/cpd export csv all`"
LIST_PERIODS = ("year", "12m", "all")

CPD_HELP = (
    HelpItem("/cpd add", "open the Log CPD form"),
    HelpItem("/cpd add 1h30m Soldering course type:formal #career-development", "log at once"),
    HelpItem("/cpd list 2026", "my entries, newest first (a CPD year, `12m` or `all`)"),
    HelpItem("/cpd summary", "this CPD year (or `2025`, `12m`) and the audit check of the last 12 months"),
    HelpItem("/cpd edit 12", "change entry 12"),
    HelpItem("/cpd delete 12", "delete entry 12 (asks first)"),
    HelpItem("/cpd export pdf 12m", "a file in my DM: `csv` or `pdf`; a CPD year, `12m` or `all`"),
)


def handle_cpd(ctx: Ctx, text: str) -> ui.Response:
    """Route `/cpd <subcommand> ...`."""
    words = tokenise(text)
    sub = words[0].lower() if words else "help"
    rest = text.strip()[len(words[0]) :].strip() if words else ""
    args = words[1:]
    if sub == "help":
        return help_reply("/cpd — log and review your CPD", CPD_HELP)
    if sub == "add":
        return ops.add_quick(ctx, rest) if rest else ops.new_form(ctx)
    if sub == "list":
        return ops.show_list(ctx, _period(ctx, args, allow=LIST_PERIODS))
    if sub == "summary":
        return ops.show_summary(ctx, _period(ctx, args, allow=("year", "12m")))
    if sub in ("edit", "delete"):
        if len(args) != 1:
            raise UserError(f"Which entry? Give its id: `/cpd {sub} 12`.", example=ops.LIST_HINT)
        entry_id = parse_entry_id(args[0])
        return ops.edit_form(ctx, entry_id) if sub == "edit" else ops.ask_delete(ctx, entry_id)
    if sub == "export":
        kind, period = parse_export_args(ctx, args)
        return ops.export(ctx, kind, period)
    raise unknown_subcommand("cpd", sub, CPD_HELP)


def _period(ctx: Ctx, args: list[str], *, allow: tuple[str, ...]) -> Period:
    if len(args) > 1:
        raise UserError("Give one period at most.", example=PERIOD_EXAMPLE)
    return parse_period(
        args[0] if args else "", today=ctx.today(), start_month=ctx.policy.cpd_year_start_month, allow=allow
    )


def parse_export_args(ctx: Ctx, args: list[str]) -> tuple[str, Period]:
    """Read `[csv|pdf] [year|12m|all]` in either order; csv and this CPD year by default."""
    kinds = [a.lower() for a in args if a.lower() in EXPORT_FORMATS]
    others = [a for a in args if a.lower() not in EXPORT_FORMATS]
    for word in others:
        if word.isalpha() and word.lower() not in PERIOD_WORDS:  # `docx`: a format, not a period
            raise UserError(
                f"`{quote_typed(word)}` isn't a format I can export: `csv` or `pdf`.", example=EXPORT_EXAMPLE
            )
    if len(kinds) > 1 or len(others) > 1:
        raise UserError("Give one format and one period at most.", example=EXPORT_EXAMPLE)
    return (kinds[0] if kinds else "csv"), _period(ctx, others, allow=("year", "12m", "all"))
