"""CPD years, the rolling 12 months, and the four standards check."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.cpd.periods import cpd_year, cpd_year_of, parse_period, rolling_12_months
from handlers.cpd.standards import active_months, check_standards, months_back
from handlers.cpd.summary import month_strip
from handlers.errors import UserError


@given(st.dates(min_value=date(1971, 1, 1), max_value=date(2100, 1, 1)), st.integers(min_value=1, max_value=12))
def test_every_day_is_in_its_cpd_year(day: date, start_month: int) -> None:
    year = cpd_year(cpd_year_of(day, start_month=start_month), start_month=start_month)
    assert year.contains(day)
    assert year.start is not None
    assert year.end is not None
    assert (year.end - year.start).days in (364, 365)


def test_cpd_year_labels() -> None:
    assert cpd_year(2026, start_month=1).label == "CPD year 2026"
    april = cpd_year(2026, start_month=4)
    assert (april.label, april.start, april.end) == ("CPD year 2026/27", date(2026, 4, 1), date(2027, 3, 31))


@given(st.dates(min_value=date(1971, 1, 1), max_value=date(2100, 1, 1)))
def test_rolling_12_months_ends_today_and_spans_a_year(today: date) -> None:
    period = rolling_12_months(today)
    assert period.end == today
    assert period.start is not None
    assert 364 <= (today - period.start).days <= 365


def test_parse_period() -> None:
    today = date(2026, 11, 22)
    assert parse_period("", today=today, start_month=1).key == "2026"
    assert parse_period("2025", today=today, start_month=1).start == date(2025, 1, 1)
    assert parse_period("2025/26", today=today, start_month=4).start == date(2025, 4, 1)
    assert parse_period("12m", today=today, start_month=1).key == "12m"
    assert parse_period("all", today=today, start_month=1).start is None
    for bad in ("2999", "1850", "2025/30", "soon"):
        with pytest.raises(UserError):
            parse_period(bad, today=today, start_month=1)
    with pytest.raises(UserError):
        parse_period("12m", today=today, start_month=1, allow=("year", "all"))


@dataclass
class E:
    id: int
    occurred_on: date
    activity_type: str
    reflection: str = "learned"
    benefit: str = "helps students"


TODAY = date(2026, 11, 22)


def test_months_back_ends_with_this_month() -> None:
    months = months_back(TODAY)
    assert months[0] == (2025, 12)
    assert months[-1] == (2026, 11)
    assert len(months) == 12


def test_a_full_record_meets_all_four() -> None:
    kinds = ["work", "professional", "formal", "self"]
    entries = [E(i, TODAY - timedelta(days=30 * i), kinds[i % 4]) for i in range(10)]
    assert sum(active_months(entries, TODAY)) == 10
    assert [c.met for c in check_standards(entries, TODAY)] == [True, True, True, True]
    assert all(c.next_step is None for c in check_standards(entries, TODAY))


def test_an_empty_record_meets_none_and_says_how_to_start() -> None:
    checks = check_standards([], TODAY)
    assert [c.met for c in checks] == [False] * 4
    assert "/cpd add" in (checks[0].next_step or "")


def test_gaps_are_named() -> None:
    entries = [
        E(1, TODAY, "work", reflection=""),
        E(2, TODAY - timedelta(days=40), "work", benefit=""),
        E(3, TODAY - timedelta(days=70), "self"),
    ]
    one, two, three, four = check_standards(entries, TODAY)
    assert not one.met
    assert "`1`" in (one.next_step or "")
    assert not two.met
    assert "exceptionally" in (two.next_step or "")
    assert not three.met
    assert "`1`" in (three.next_step or "")
    assert not four.met
    assert "`2`" in (four.next_step or "")


def test_a_stale_record_is_not_up_to_date() -> None:
    kinds = ["work", "professional", "formal"]
    entries = [E(i, TODAY - timedelta(days=100 + 25 * i), kinds[i % 3]) for i in range(8)]
    first = check_standards(entries, TODAY)[0]
    assert not first.met
    assert "three months" in (first.next_step or "")


def test_the_month_strip_starts_with_the_first_month_of_the_window() -> None:
    """05 Dec 2025 – 04 Dec 2026 shows December 2025 too, not just Jan–Dec 2026 (issue #17, item 7)."""
    today = date(2026, 12, 4)
    entries = [E(1, date(2025, 12, 10), "work"), E(2, date(2026, 12, 1), "self"), E(3, date(2025, 12, 4), "work")]
    strip = month_strip(entries, today).split(" ")
    assert strip[:3] == ["Dec", "2025■", "Jan"]  # 4 Dec 2025 is outside the window; 10 Dec is inside
    assert " ".join(strip[-2:]) == "Nov□ Dec■"
    assert month_strip([E(1, date(2025, 12, 4), "work")], today).startswith("Dec 2025□ Jan 2026□ Feb□")


@given(st.dates(min_value=date(1971, 1, 1), max_value=date(2100, 1, 1)))
def test_the_month_strip_covers_every_month_of_the_window(today: date) -> None:
    window = rolling_12_months(today)
    assert window.start is not None
    first = E(1, window.start, "work")  # the window's first day is marked, in its own month
    marks = re.sub(r" \d{4}", "", month_strip([first], today)).split(" ")  # without the years shown
    assert marks[0] == f"{window.start:%b}■"
    assert marks[-1].startswith(f"{today:%b}")
    assert len(marks) == (12 if window.start.day == 1 else 13)


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=400),
            st.sampled_from(["work", "professional", "formal", "self", "other"]),
            st.booleans(),
            st.booleans(),
        ),
        max_size=12,
    )
)
def test_every_unmet_standard_has_a_gap_in_plain_words_for_a_document(
    rows: list[tuple[int, str, bool, bool]],
) -> None:
    entries = [
        E(i + 1, TODAY - timedelta(days=ago), kind, reflection="r" if reflected else "", benefit="b" if helps else "")
        for i, (ago, kind, reflected, helps) in enumerate(rows)
    ]
    for check in check_standards(entries, TODAY):
        assert (check.gap is None) == check.met
        assert not any(mark in (check.gap or "") for mark in ("/cpd", "`", "*", "<"))
