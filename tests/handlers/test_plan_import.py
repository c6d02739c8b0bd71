"""Reading plan files: the seed plan document as written, malformed documents, CSV plans, and pillars."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.errors import UserError
from handlers.plan.importer import ParsedAction, ParsedPlan, PlanFileError, parse_plan
from handlers.plan.pillars import guess_pillar, parse_pillar
from handlers.plan.quarters import Quarter
from tests.plan_data import SEED as SEED_PATH

SEED = SEED_PATH.read_bytes()
# Lines 1–4 of every small document below; its actions start on line 5.
HEAD = "Our plan\n\nyear 1\nNovember 2018 - November 2019\n"


def seed_plan() -> dict[str, ParsedAction]:
    plan = parse_plan(SEED, plan_start_month=11)
    return {action.ref: action for action in plan.actions}


def labels(action: ParsedAction) -> list[str]:
    return [quarter.label for quarter in action.quarters]


def plan_error(data: bytes | str, *, plan_start_month: int = 11, start: tuple[int, int] | None = None) -> str:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(PlanFileError) as caught:
        parse_plan(raw, plan_start_month=plan_start_month, start=start)
    return caught.value.message


# --- the seed document ---------------------------------------------------------------------------------------------


def test_seed_imports_as_written() -> None:
    plan = parse_plan(SEED, plan_start_month=11)
    assert (plan.kind, plan.start, len(plan.actions)) == ("document", (2018, 11), 27)
    refs = [action.ref for action in plan.actions]
    assert refs == [f"Y1-{n:02d}" for n in range(1, 18)] + [f"Y2-{n:02d}" for n in range(1, 11)]
    assert [action.year_number for action in plan.actions] == [1] * 17 + [2] * 10
    assert all(action.owner is None and not action.pillar_stated for action in plan.actions)


@pytest.mark.parametrize(
    ("ref", "due"),
    [
        ("Y1-01", ["2018Q1", "2018Q2", "2018Q3", "2018Q4"]),
        ("Y1-05", ["2018Q1", "2018Q2", "2018Q3"]),
        ("Y1-07", ["2018Q4"]),
        ("Y1-09", ["2018Q1", "2018Q2"]),
        ("Y1-13", ["2018Q3", "2018Q4"]),
        ("Y1-14", ["2018Q3"]),
        ("Y1-16", ["2018Q2", "2018Q3"]),
        ("Y1-17", ["2018Q3"]),
        ("Y2-01", ["2019Q1", "2019Q2", "2019Q3", "2019Q4"]),
        ("Y2-03", ["2019Q1", "2019Q2"]),
        ("Y2-08", ["2019Q3", "2019Q4"]),
        ("Y2-10", ["2019Q2", "2019Q3"]),
    ],
)
def test_seed_due_quarters(ref: str, due: list[str]) -> None:
    assert labels(seed_plan()[ref]) == due


def test_seed_year_one_actions_due_in_its_last_quarter() -> None:
    due = [ref for ref, action in seed_plan().items() if Quarter(2018, 4) in action.quarters]
    assert due == ["Y1-01", "Y1-02", "Y1-03", "Y1-04", "Y1-06", "Y1-07", "Y1-08", "Y1-13"]


def test_seed_titles_and_lines() -> None:
    actions = seed_plan()
    assert (
        actions["Y1-09"].title
        == "We will develop and implement a communications plan for Manchester Met Technical Services."
    )
    assert actions["Y2-10"].title.startswith("We will continue to promote and support technical registration")
    assert actions["Y2-10"].title.endswith("job descriptions for new staff.")
    assert (actions["Y1-01"].line, actions["Y1-07"].line, actions["Y2-01"].line) == (39, 45, 63)


def test_seed_with_windows_line_endings_and_a_bom_reads_the_same() -> None:
    plan = parse_plan(b"\xef\xbb\xbf" + SEED.replace(b"\n", b"\r\n"), plan_start_month=11)
    assert [(a.ref, a.quarters, a.title) for a in plan.actions] == [
        (a.ref, a.quarters, a.title) for a in parse_plan(SEED, plan_start_month=11).actions
    ]


def test_titles_are_whitespace_normalised_and_blank_columns_are_not_due() -> None:
    plan = parse_plan((HEAD + "  Hold   a\u00a0 workshop \t\t✓\t \t✓\n").encode(), plan_start_month=11)
    (action,) = plan.actions
    assert (action.title, labels(action), action.line) == ("Hold a workshop", ["2018Q2", "2018Q4"], 5)


def test_start_override_shifts_every_quarter() -> None:
    plan = parse_plan(SEED, plan_start_month=11, start=(2020, 11))
    actions = {action.ref: action for action in plan.actions}
    assert plan.start == (2020, 11)
    assert labels(actions["Y1-05"]) == ["2020Q1", "2020Q2", "2020Q3"]
    assert labels(actions["Y1-07"]) == ["2020Q4"]
    assert labels(actions["Y2-10"]) == ["2021Q2", "2021Q3"]


def test_start_override_allows_another_start_month() -> None:
    plan = parse_plan(SEED, plan_start_month=9, start=(2018, 9))
    assert (plan.start, len(plan.actions), labels(plan.actions[4])) == ((2018, 9), 27, ["2018Q1", "2018Q2", "2018Q3"])


def test_document_start_month_must_match_the_plan_year() -> None:
    assert "PLAN_YEAR_START_MONTH" in plan_error(SEED, plan_start_month=9)
    assert "PLAN_YEAR_START_MONTH" in plan_error(SEED, plan_start_month=11, start=(2020, 9))


# --- malformed documents -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (HEAD + "A\t✓\t✓\t✓\t✓\nB\t✓\t✓\t✓\n", ["line 6", "3 columns"]),
        (HEAD + "A\t✓\t✓\t✓\t✓\t✓\n", ["line 5", "5 columns"]),
        (HEAD + "A\t✓\tyes\t\t\n", ["line 5", "column 2", "'yes'"]),
        (HEAD + "\t✓\t\t\t\n", ["line 5", "no title"]),
        ("year 1\n\nA\t✓\t\t\t\n", ["line 3", "date range"]),
        ("year 1\nNovembre 2018 - November 2019\nA\t✓\t\t\t\n", ["line 2", "'Novembre'"]),
        ("Intro\n\nyear 2\nNovember 2019 - November 2020\nA\t✓\t\t\t\n", ["line 3", "year 2"]),
        (HEAD + "A\t✓\t\t\t\nyear 1\nNovember 2019 - November 2020\n", ["line 6", "year 1"]),
        ("Intro\nA\t✓\t\t\t\nyear 1\nNovember 2018 - November 2019\nB\t✓\t\t\t\n", ["line 2", "before"]),
        (HEAD + "A\t✓\t\t\t\n\nyear 2\n\nNovember 2020 - November 2021\nB\t✓\t\t\t\n", ["line 9", "a year after"]),
        (HEAD + "A\t✓\t\t\t\nyear 2\nOctober 2019 - October 2020\nB\t✓\t\t\t\n", ["line 7", "a year after"]),
    ],
)
def test_malformed_documents_name_the_line(document: str, expected: list[str]) -> None:
    message = plan_error(document)
    for part in expected:
        assert part in message


@pytest.mark.parametrize("document", [HEAD, "", "Just an introduction.\n", HEAD + "\n\n\t\t\t\t\n"])
def test_a_document_without_actions_is_refused(document: str) -> None:
    assert "No actions found" in plan_error(document)


@pytest.mark.parametrize(
    ("encoding", "replace", "with_", "line"),
    [
        ("cp1252", "skills audit across", "skills audit \u2014 across", 45),  # Y1-07
        ("latin-1", "a communications plan for", "a communications plan (r\u00e9sum\u00e9) for", 47),  # Y1-09
    ],
)
def test_non_utf8_text_names_the_line(encoding: str, replace: str, with_: str, line: int) -> None:
    text = SEED.decode().replace("✓", "x").replace(replace, with_)  # 'x' is also a tick; ✓ isn't in these encodings
    assert len(parse_plan(text.encode(), plan_start_month=11).actions) == 27
    message = plan_error(text.encode(encoding))
    assert f"line {line}:" in message
    assert "UTF-8" in message


def test_size_limit_is_two_million_bytes() -> None:
    padding = 2_000_000 - len(SEED)
    assert len(parse_plan(SEED + b"\n" * padding, plan_start_month=11).actions) == 27
    assert "2,000,001 bytes" in plan_error(SEED + b"\n" * (padding + 1))


def test_nul_bytes_are_refused() -> None:
    assert "NUL" in plan_error(SEED[:100] + b"\x00" + SEED[100:])


# --- CSV -----------------------------------------------------------------------------------------------------------

CSV = (
    "ref,year,title,owner,quarters,pillar\n"
    "TC-1,2026,Run  Tech Net events,U012AB3CD,Q1 Q3,Career development\n"
    'TC-2,2027,Publish the communications plan,Kate.Dixon@example.ac.uk,"q2,Q4",\n'
    "TC-3,2026,Hold steering group meetings,,Q4 Q1 Q4,VISIBILITY\n"
    "TC-4,2026,Review the estates budget,,,\n"
)


def parse_csv_plan(text: str, start: tuple[int, int] | None = (2026, 11)) -> dict[str, ParsedAction]:
    plan = parse_plan(text.encode(), plan_start_month=11, start=start)
    assert plan.kind == "csv"
    return {action.ref: action for action in plan.actions}


def test_csv_with_absolute_plan_years() -> None:
    actions = parse_csv_plan(CSV)
    assert [(a.ref, labels(a), a.year_number, a.line) for a in actions.values()] == [
        ("TC-1", ["2026Q1", "2026Q3"], 1, 2),
        ("TC-2", ["2027Q2", "2027Q4"], 2, 3),
        ("TC-3", ["2026Q1", "2026Q4"], 1, 4),
        ("TC-4", [], 1, 5),
    ]
    assert actions["TC-1"].title == "Run Tech Net events"
    assert parse_plan(CSV.encode(), plan_start_month=11).start is None
    assert labels(parse_csv_plan(CSV, start=None)["TC-2"]) == ["2027Q2", "2027Q4"]


def test_csv_pillars_stated_or_guessed_and_owners_as_written() -> None:
    actions = parse_csv_plan(CSV)
    assert [(a.pillar, a.pillar_stated, a.owner) for a in actions.values()] == [
        ("career-development", True, "U012AB3CD"),
        ("visibility", False, "Kate.Dixon@example.ac.uk"),
        ("visibility", True, None),
        (None, False, None),
    ]


def test_csv_relative_years_count_from_start() -> None:
    text = "ref,year,title,quarters\nA,1,First,Q1\nB,2,Second,Q4\n"
    actions = parse_csv_plan(text, start=(2026, 11))
    assert [(labels(a), a.year_number) for a in actions.values()] == [(["2026Q1"], 1), (["2027Q4"], 2)]
    message = plan_error(text)
    assert "--start" in message
    assert "line 2" in message


def test_csv_columns_in_any_order_and_any_case_with_a_bom() -> None:
    text = "\ufeffQuarters , TITLE,Year,Ref\nQ2,Recruit technical apprentices,2026,a-1\n"
    (action,) = parse_csv_plan(text).values()
    assert (action.ref, action.title, labels(action)) == ("a-1", "Recruit technical apprentices", ["2026Q2"])
    assert (action.owner, action.pillar, action.pillar_stated) == (None, "sustainability", False)


def test_csv_blank_lines_are_skipped_but_count_as_lines() -> None:
    actions = parse_csv_plan("ref,year,title,quarters\n\nA,2026,First,Q1\n,,,\n\nB,2026,Second,Q2\n")
    assert [(a.ref, a.line) for a in actions.values()] == [("A", 3), ("B", 6)]
    assert "line 4" in plan_error("ref,year,title,quarters\nA,2026,First,Q1\n\nB,2026,Second,Q5\n", start=None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ref,year,title,quarters\nA1,2026,One,Q1\nB,2026,Two,Q2\na1,2026,Three,Q3\n", ["line 4", "line 2", "a1"]),
        ("ref,year,title,quarters\nA1,2026,One,Q1\nA1,2026,Two,Q2\n", ["line 3", "line 2"]),
        ("ref,year,title,owner\nA1,2026,One,U1\n", ["line 1", "quarters"]),
        ("ref,title,quarters\nA1,One,Q1\n", ["line 1", "year"]),
        ("ref,year,title,quarters\nA1,2026,One,Q1 Q5\n", ["line 2", "'Q5'"]),
        ("ref,year,title,quarters\nA1,2026,One,Q1;Q2\n", ["line 2", "'Q1;Q2'"]),
        ("ref,year,title,quarters,pillar\nA1,2026,One,Q1,finance\n", ["line 2", "'finance'", "not a pillar"]),
        ("ref,year,title,quarters\nA1,2026,  ,Q1\n", ["line 2", "no title"]),
        ("ref,year,title,quarters\nA1,last year,One,Q1\n", ["line 2", "'last year'"]),
        ("ref,year,title,quarters\nA1,2026,One\n", ["line 2", "3 values"]),
        ("ref,year,title,quarters\n", ["no actions"]),
    ],
)
def test_malformed_csv(text: str, expected: list[str]) -> None:
    message = plan_error(text, start=None)
    for part in expected:
        assert part in message


def test_csv_with_a_quoted_header_is_read() -> None:
    actions = parse_csv_plan('"ref","year","title","quarters"\n"A1","2026","One","Q1"\n')
    assert labels(actions["A1"]) == ["2026Q1"]


def test_csv_after_a_leading_blank_line_is_read() -> None:
    actions = parse_csv_plan("\nref,year,title,quarters\nA1,2026,One,Q1\n")
    assert (labels(actions["A1"]), actions["A1"].line) == (["2026Q1"], 3)


def test_csv_year_with_a_superscript_digit_is_a_plan_file_error() -> None:
    assert "line 2" in plan_error("ref,year,title,quarters\nA1,²,One,Q1\n", start=None)


# --- pillars -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "pillar"),
    [
        ("Y1-09", "visibility"),  # "communications plan"
        ("Y1-05", "recognition"),  # "professional registration"
        ("Y1-07", "sustainability"),  # "skills audit", "skills gaps", "workforce"
        ("Y1-12", "recognition"),  # "reward", "recognise", "awards"
        ("Y1-02", None),  # steering group meetings
        ("Y2-01", None),
    ],
)
def test_guess_pillar_on_seed_titles(ref: str, pillar: str | None) -> None:
    action = seed_plan()[ref]
    assert guess_pillar(action.title) == pillar
    assert action.pillar == pillar


def test_guess_pillar_knows_the_word_recognition() -> None:
    assert guess_pillar("Improve the recognition of technical staff") == "recognition"


@pytest.mark.parametrize(
    ("text", "pillar"),
    [
        ("Career development", "career-development"),
        ("career", "career-development"),
        ("career-development", "career-development"),
        ("VISIBILITY", "visibility"),
        (" Sustainability ", "sustainability"),
        ("recognition", "recognition"),
    ],
)
def test_parse_pillar_accepts(text: str, pillar: str) -> None:
    assert parse_pillar(text) == pillar


@pytest.mark.parametrize("text", ["", "finance", "visible", "recognitions", "career development plan"])
def test_parse_pillar_rejects(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_pillar(text)
    assert caught.value.example


# --- anything else is a PlanFileError ------------------------------------------------------------------------------

FRAGMENTS = [
    "year 1", "year2", "year 3", "November 2018 - November 2019", "November 2019 - November 2020",
    "Nov 2018 – Nov 2019", "March 2018 - March 2019", "", "  ", "Intro text", "A\t✓\t\t\t", "B\t✓\t✓\t✓\t✓",
    "C\t\t✓\t \t✔", "\t\t\t\t", "D\t✓\t✓", "E\tmaybe\t\t\t", "ref,year,title,quarters", "x1,1,T,Q1", "x2,2026,T,Q2",
]  # fmt: skip


def check_plan(plan: ParsedPlan) -> None:
    assert plan.actions
    assert len({action.ref.upper() for action in plan.actions}) == len(plan.actions)
    for action in plan.actions:
        assert action.title
        assert action.title == " ".join(action.title.split())
        assert all(1 <= quarter.number <= 4 for quarter in action.quarters)
        if plan.kind == "document":
            assert plan.start is not None
            assert all(quarter.year == plan.start[0] + action.year_number - 1 for quarter in action.quarters)


@given(st.binary(max_size=3000))
def test_any_bytes_give_a_plan_or_a_plan_file_error(data: bytes) -> None:
    try:
        plan = parse_plan(data, plan_start_month=11)
    except PlanFileError as exc:
        assert exc.message
    else:
        check_plan(plan)


@given(st.text(max_size=3000), st.sampled_from([None, (2018, 11)]))
def test_any_text_gives_a_plan_or_a_plan_file_error(text: str, start: tuple[int, int] | None) -> None:
    try:
        plan = parse_plan(text.encode(), plan_start_month=11, start=start)
    except PlanFileError as exc:
        assert exc.message
    else:
        check_plan(plan)


GOOD_LINES = ["A\t✓\t\t\t", "C\t\t✓\t \t✔", "", "x2,2026,T,Q2"]
PREFIXES = [[], ["year 1", "November 2018 - November 2019"], ["ref,year,title,quarters"]]


@given(
    st.sampled_from(PREFIXES),
    st.lists(st.sampled_from(FRAGMENTS) | st.sampled_from(GOOD_LINES), max_size=30),
    st.sampled_from([None, (2018, 11)]),
)
def test_plan_shaped_text_gives_a_plan_or_a_plan_file_error(
    prefix: list[str], lines: list[str], start: tuple[int, int] | None
) -> None:
    try:
        plan = parse_plan("\n".join(prefix + lines).encode(), plan_start_month=11, start=start)
    except PlanFileError as exc:
        assert exc.message
    else:
        check_plan(plan)
