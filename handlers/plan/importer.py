"""Read an action plan file: the plan document's text form, or a CSV (pure: no database here).

Document form (as `seeds/mmu-technician-commitment-24-month-plan.txt`): a `year N` heading,
its date range (`November 2018 - November 2019`), then one action per line — its title and four
tab-separated columns for the year's four quarters, `✓` where the action is due. Anything
before the first heading is the document's introduction and is skipped.

CSV form: columns `ref, year, title, owner, quarters, pillar`; `year` is the plan's year number
(1, 2, … counted from `--start`) or a plan year like 2026; `quarters` like `Q1 Q3`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from handlers.errors import UserError
from handlers.plan.pillars import guess_pillar, parse_pillar
from handlers.plan.quarters import Quarter

MAX_BYTES = 2_000_000
TICKS = frozenset({"✓", "✔", "☑", "✅", "x", "X"})
MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_YEAR_HEADING = re.compile(r"^\s*year\s*(\d{1,2})\s*$", re.IGNORECASE)
_RANGE = re.compile(r"^\s*([A-Za-z]+)\s+(\d{4})\s*[-–—]\s*([A-Za-z]+)\s+(\d{4})\s*$")
_START = re.compile(r"^(\d{4})-(\d{1,2})$")
_CSV_QUARTER = re.compile(r"^Q?([1-4])$", re.IGNORECASE)
CSV_COLUMNS = ("ref", "year", "title", "owner", "quarters", "pillar")
REQUIRED_CSV_COLUMNS = ("ref", "year", "title", "quarters")


class PlanFileError(UserError):
    """The file cannot be imported as it is; the message names the line."""


@dataclass(frozen=True)
class ParsedAction:
    ref: str
    year_number: int
    title: str
    quarters: tuple[Quarter, ...]
    pillar: str | None
    pillar_stated: bool
    owner: str | None
    line: int


@dataclass(frozen=True)
class ParsedPlan:
    actions: tuple[ParsedAction, ...]
    kind: str  # "document" or "csv"
    start: tuple[int, int] | None  # (year, month) the plan's first quarter starts


def parse_start(text: str) -> tuple[int, int]:
    """Read `--start YYYY-MM`."""
    match = _START.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise PlanFileError(f"--start must look like 2018-11, not {text!r}.")
    return int(match.group(1)), int(match.group(2))


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), and not too large."""
    if len(data) > MAX_BYTES:
        raise PlanFileError(f"The file is {len(data):,} bytes; a plan file is at most {MAX_BYTES:,}.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PlanFileError(f"line {line}: the file is not UTF-8 text (save it as UTF-8 and try again).") from None
    if "\x00" in text:
        raise PlanFileError("The file contains NUL bytes: it is not a text or CSV file.")
    return text


def parse_plan(data: bytes, *, plan_start_month: int, start: tuple[int, int] | None = None) -> ParsedPlan:
    """Read either form of plan file; raise PlanFileError naming the first problem."""
    text = decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        header = {cell.strip().lower() for cell in next(csv.reader([first]), [])}
    except csv.Error:
        header = set()
    if len(header & set(CSV_COLUMNS)) >= 2:
        return _parse_csv(text, plan_start_month=plan_start_month, start=start)
    return _parse_document(text, plan_start_month=plan_start_month, start=start)


def _month(name: str, line: int) -> int:
    month = MONTHS.get(name.lower()) or next(
        (n for m, n in MONTHS.items() if m[:3] == name.lower()[:3] and len(name) == 3), None
    )
    if month is None:
        raise PlanFileError(f"line {line}: {name!r} is not a month.")
    return month


def _first_plan_year(start: tuple[int, int], plan_start_month: int) -> int:
    year, month = start
    if month != plan_start_month:
        raise PlanFileError(
            f"The plan starts in month {month}, but plan years start in month {plan_start_month} "
            f"(PLAN_YEAR_START_MONTH). Set PLAN_YEAR_START_MONTH={month}, "
            f"or pass --start {year}-{plan_start_month:02d}."
        )
    return year


def _parse_document(text: str, *, plan_start_month: int, start: tuple[int, int] | None) -> ParsedPlan:
    actions: list[ParsedAction] = []
    year_number: int | None = None
    expecting_range = False
    first_year: int | None = start[0] if start else None
    if start:
        _first_plan_year(start, plan_start_month)
    counts: dict[int, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if heading := _YEAR_HEADING.match(raw):
            year_number = int(heading.group(1))
            if year_number != len(counts) + 1:
                raise PlanFileError(
                    f"line {number}: 'year {year_number}' follows year {len(counts)}; "
                    "years must be numbered 1, 2, 3 … in order."
                )
            counts[year_number] = 0
            expecting_range = True
            continue
        if not line:
            continue
        if year_number is None:
            if "\t" in raw:
                raise PlanFileError(f"line {number}: an action before the first 'year 1' heading.")
            continue  # the document's introduction
        if expecting_range:
            first_year = _check_range(raw, number, year_number, first_year, plan_start_month, bool(start))
            expecting_range = False
            continue
        cells = raw.split("\t")
        if len(cells) != 5:
            raise PlanFileError(
                f"line {number}: an action needs its title and 4 tab-separated quarter columns; "
                f"this line has {len(cells) - 1} column{'s' if len(cells) != 2 else ''} after the "
                "title."
            )
        title = " ".join(cells[0].split())
        if not title:
            raise PlanFileError(f"line {number}: the action has no title.")
        due = []
        for column, cell in enumerate(cells[1:], start=1):
            mark = cell.strip()
            if mark in TICKS:
                due.append(column)
            elif mark:
                raise PlanFileError(f"line {number}: quarter column {column} holds {mark!r}; use ✓ or leave it empty.")
        counts[year_number] += 1
        assert first_year is not None
        plan_year = first_year + year_number - 1
        actions.append(
            ParsedAction(
                ref=f"Y{year_number}-{counts[year_number]:02d}",
                year_number=year_number,
                title=title,
                quarters=tuple(Quarter(plan_year, q) for q in due),
                pillar=guess_pillar(title),
                pillar_stated=False,
                owner=None,
                line=number,
            )
        )
    if not actions:
        raise PlanFileError(
            "No actions found: expected a 'year 1' heading, its date range, then one action per "
            "line with 4 tab-separated quarter columns (or a CSV with columns " + ", ".join(CSV_COLUMNS) + ")."
        )
    assert first_year is not None
    return ParsedPlan(actions=tuple(actions), kind="document", start=(first_year, plan_start_month))


def _check_range(
    raw: str, number: int, year_number: int, first_year: int | None, plan_start_month: int, overridden: bool
) -> int:
    """Read a year's date range; return the plan year of year 1."""
    match = _RANGE.match(raw)
    if not match:
        raise PlanFileError(
            f"line {number}: after 'year {year_number}' I expected its date range, like "
            "'November 2018 - November 2019'."
        )
    month, year = _month(match.group(1), number), int(match.group(2))
    if overridden:
        assert first_year is not None
        return first_year
    if first_year is None:
        return _first_plan_year((year, month), plan_start_month)
    if (year, month) != (first_year + year_number - 1, plan_start_month):
        raise PlanFileError(
            f"line {number}: year {year_number} should start in {match.group(1)} "
            f"{first_year + year_number - 1}, a year after year {year_number - 1}."
        )
    return first_year


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    """The non-blank records of a CSV with the line each ends on."""
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise PlanFileError(f"line {reader.line_num}: the CSV cannot be read: {exc}.") from None
    return rows


def _parse_csv(text: str, *, plan_start_month: int, start: tuple[int, int] | None) -> ParsedPlan:
    rows = _csv_rows(text)
    header_line, header_row = rows[0]
    header = [cell.strip().lower() for cell in header_row]
    missing = [name for name in REQUIRED_CSV_COLUMNS if name not in header]
    if missing:
        raise PlanFileError(
            f"line {header_line}: the CSV has no {', '.join(missing)} column; the columns are "
            + ", ".join(CSV_COLUMNS)
            + "."
        )
    column = {name: header.index(name) for name in CSV_COLUMNS if name in header}
    first_year = _first_plan_year(start, plan_start_month) if start else None
    read: list[tuple[int, str, int, str, list[int], str | None, str | None]] = []
    seen: dict[str, int] = {}
    for number, row in rows[1:]:
        if len(row) < len(header):
            raise PlanFileError(f"line {number}: {len(row)} values for {len(header)} columns.")

        def cell(name: str, row: list[str] = row) -> str:
            return row[column[name]].strip() if name in column else ""

        ref = cell("ref")
        if not ref or len(ref) > 20 or not re.fullmatch(r"[A-Za-z0-9._-]+", ref):
            raise PlanFileError(f"line {number}: ref {ref!r} must be up to 20 letters, digits, '.', '-' or '_'.")
        if ref.upper() in seen:
            raise PlanFileError(f"line {number}: ref {ref} was already used on line {seen[ref.upper()]}.")
        seen[ref.upper()] = number
        title = " ".join(cell("title").split())
        if not title:
            raise PlanFileError(f"line {number}: the action has no title.")
        try:
            pillar = parse_pillar(cell("pillar")) if cell("pillar") else None
        except UserError:
            raise PlanFileError(
                f"line {number}: {cell('pillar')!r} is not a pillar (visibility, recognition, "
                "career-development, sustainability)."
            ) from None
        read.append(
            (
                number,
                ref,
                _csv_year(cell("year"), number, first_year),
                title,
                _csv_quarters(cell("quarters"), number),
                pillar,
                cell("owner") or None,
            )
        )
    if not read:
        raise PlanFileError("The CSV has a header but no actions.")
    base = first_year if first_year is not None else min(plan_year for _, _, plan_year, *_ in read)
    actions = []
    for number, ref, plan_year, title, quarters, pillar, owner in read:
        if plan_year < base:
            raise PlanFileError(f"line {number}: plan year {plan_year} is before the plan's start ({base}).")
        actions.append(
            ParsedAction(
                ref=ref,
                year_number=plan_year - base + 1,
                title=title,
                quarters=tuple(Quarter(plan_year, q) for q in sorted(set(quarters))),
                pillar=pillar or guess_pillar(title),
                pillar_stated=pillar is not None,
                owner=owner,
                line=number,
            )
        )
    return ParsedPlan(actions=tuple(actions), kind="csv", start=start)


def _csv_quarters(text: str, number: int) -> list[int]:
    quarters = []
    for token in text.replace(",", " ").split():
        match = _CSV_QUARTER.match(token)
        if not match:
            raise PlanFileError(f"line {number}: {token!r} is not a quarter; write quarters like 'Q1 Q3'.")
        quarters.append(int(match.group(1)))
    return quarters


def _csv_year(text: str, number: int, first_year: int | None) -> int:
    """The plan year of a CSV `year`: 1, 2 … counted from --start, or a plan year like 2026."""
    if not re.fullmatch(r"[0-9]{1,4}", text):
        raise PlanFileError(f"line {number}: year {text!r} must be a number: 1, 2 … or a plan year like 2026.")
    value = int(text)
    if 1970 <= value <= 2200:
        return value
    if 1 <= value <= 50:
        if first_year is None:
            raise PlanFileError(
                f"line {number}: year {value} counts from the plan's start; "
                "give it with --start YYYY-MM (e.g. --start 2026-11)."
            )
        return first_year + value - 1
    raise PlanFileError(f"line {number}: year {value} is neither 1, 2 … nor a plan year like 2026.")
