"""Plan quarters, working days and the reminder/report times (expected values checked by hand on a calendar)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.calendar import WorkingDays, check_calendar
from handlers.errors import UserError
from handlers.plan.quarters import (
    QUARTER_EXAMPLE,
    Quarter,
    parse_quarter,
    parse_quarter_or_date,
    quarter_ends_at,
    quarter_of,
    reminder_time,
    report_time,
)

LONDON = ZoneInfo("Europe/London")
ENGLAND = WorkingDays("GB-ENG")
NO_HOLIDAYS = WorkingDays()

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
start_months = st.integers(min_value=1, max_value=12)
quarters = st.builds(Quarter, st.integers(min_value=1900, max_value=2200), st.integers(min_value=1, max_value=4))


def utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


# --- quarters with PLAN_YEAR_START_MONTH=11 (SPEC §5) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("quarter", "start", "end", "months"),
    [
        (Quarter(2018, 1), date(2018, 11, 1), date(2019, 1, 31), "Nov 2018 – Jan 2019"),
        (Quarter(2018, 2), date(2019, 2, 1), date(2019, 4, 30), "Feb – Apr 2019"),
        (Quarter(2018, 3), date(2019, 5, 1), date(2019, 7, 31), "May – Jul 2019"),
        (Quarter(2018, 4), date(2019, 8, 1), date(2019, 10, 31), "Aug – Oct 2019"),
        (Quarter(2019, 1), date(2019, 11, 1), date(2020, 1, 31), "Nov 2019 – Jan 2020"),
        (Quarter(2019, 2), date(2020, 2, 1), date(2020, 4, 30), "Feb – Apr 2020"),
    ],
)
def test_quarters_of_a_plan_year_starting_in_november(quarter: Quarter, start: date, end: date, months: str) -> None:
    assert (quarter.start(11), quarter.end(11), quarter.months(11)) == (start, end, months)


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (date(2018, 10, 31), Quarter(2017, 4)),
        (date(2018, 11, 1), Quarter(2018, 1)),
        (date(2018, 12, 31), Quarter(2018, 1)),
        (date(2019, 1, 1), Quarter(2018, 1)),
        (date(2019, 1, 31), Quarter(2018, 1)),
        (date(2019, 2, 1), Quarter(2018, 2)),
        (date(2020, 2, 29), Quarter(2019, 2)),
        (date(2019, 8, 1), Quarter(2018, 4)),
        (date(2019, 10, 31), Quarter(2018, 4)),
        (date(2019, 11, 1), Quarter(2019, 1)),
    ],
)
def test_quarter_of_with_november_start(day: date, quarter: Quarter) -> None:
    assert quarter_of(day, 11) == quarter


@pytest.mark.parametrize(
    ("start_month", "day", "quarter"),
    [
        (1, date(2022, 12, 31), Quarter(2022, 4)),
        (1, date(2023, 1, 1), Quarter(2023, 1)),
        (1, date(2023, 3, 31), Quarter(2023, 1)),
        (1, date(2023, 4, 1), Quarter(2023, 2)),
        (4, date(2021, 3, 31), Quarter(2020, 4)),
        (4, date(2021, 4, 1), Quarter(2021, 1)),
        (4, date(2022, 1, 1), Quarter(2021, 4)),
        (9, date(2019, 8, 31), Quarter(2018, 4)),
        (9, date(2019, 9, 1), Quarter(2019, 1)),
        (9, date(2020, 2, 29), Quarter(2019, 2)),
        (9, date(2020, 3, 1), Quarter(2019, 3)),
    ],
)
def test_quarter_of_with_other_start_months(start_month: int, day: date, quarter: Quarter) -> None:
    assert quarter_of(day, start_month) == quarter


@pytest.mark.parametrize(
    ("start_month", "quarter", "start", "end"),
    [
        (1, Quarter(2023, 1), date(2023, 1, 1), date(2023, 3, 31)),
        (1, Quarter(2022, 4), date(2022, 10, 1), date(2022, 12, 31)),
        (4, Quarter(2020, 4), date(2021, 1, 1), date(2021, 3, 31)),
        (4, Quarter(2023, 4), date(2024, 1, 1), date(2024, 3, 31)),
        (9, Quarter(2019, 2), date(2019, 12, 1), date(2020, 2, 29)),  # leap year
        (9, Quarter(2018, 2), date(2018, 12, 1), date(2019, 2, 28)),
        (9, Quarter(2019, 4), date(2020, 6, 1), date(2020, 8, 31)),
        (12, Quarter(2019, 1), date(2019, 12, 1), date(2020, 2, 29)),
        (11, Quarter(2023, 2), date(2024, 2, 1), date(2024, 4, 30)),
    ],
)
def test_start_and_end_with_other_start_months(start_month: int, quarter: Quarter, start: date, end: date) -> None:
    assert (quarter.start(start_month), quarter.end(start_month)) == (start, end)


def test_months_label_with_january_start_stays_in_one_year() -> None:
    assert Quarter(2023, 4).months(1) == "Oct – Dec 2023"
    assert Quarter(2023, 1).months(4) == "Apr – Jun 2023"
    assert Quarter(2023, 4).months(4) == "Jan – Mar 2024"


def test_next_and_previous_cross_plan_years() -> None:
    assert Quarter(2018, 4).next() == Quarter(2019, 1)
    assert Quarter(2018, 2).next() == Quarter(2018, 3)
    assert Quarter(2019, 1).previous() == Quarter(2018, 4)
    assert Quarter(2019, 3).previous() == Quarter(2019, 2)
    assert (Quarter(2018, 1).label, str(Quarter(2026, 4))) == ("2018Q1", "2026Q4")


@given(days, start_months)
def test_every_day_lies_in_its_quarter(day: date, start_month: int) -> None:
    quarter = quarter_of(day, start_month)
    assert quarter.start(start_month) <= day <= quarter.end(start_month)
    assert 1 <= quarter.number <= 4
    assert 89 <= (quarter.end(start_month) - quarter.start(start_month)).days + 1 <= 92  # Feb–Apr … Jul–Sep


@given(quarters, start_months)
def test_quarters_tile_the_calendar(quarter: Quarter, start_month: int) -> None:
    assert quarter.next().start(start_month) == quarter.end(start_month) + timedelta(days=1)
    assert quarter.start(start_month).day == 1
    assert quarter_of(quarter.start(start_month), start_month) == quarter
    assert quarter_of(quarter.end(start_month), start_month) == quarter
    assert quarter.next().previous() == quarter
    assert quarter.previous().next() == quarter


@given(quarters, start_months)
def test_first_quarter_starts_in_the_start_month_of_its_year(quarter: Quarter, start_month: int) -> None:
    first = Quarter(quarter.year, 1).start(start_month)
    assert (first.year, first.month) == (quarter.year, start_month)


@given(st.builds(Quarter, st.integers(min_value=1000, max_value=9999), st.integers(min_value=1, max_value=4)))
def test_labels_round_trip(quarter: Quarter) -> None:
    assert parse_quarter(quarter.label) == quarter
    assert parse_quarter(quarter.label.lower()) == quarter


@given(quarters, quarters, start_months)
def test_quarters_are_ordered_like_their_dates(a: Quarter, b: Quarter, start_month: int) -> None:
    assert (a < b) == (a.start(start_month) < b.start(start_month))
    assert a < a.next()


# --- parsing ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quarter"),
    [("2026Q1", Quarter(2026, 1)), ("2026-Q1", Quarter(2026, 1)), ("2026 q1", Quarter(2026, 1)),
     ("  2018q4 ", Quarter(2018, 4)), ("2019 - Q3", Quarter(2019, 3))],
)  # fmt: skip
def test_parse_quarter_accepts_the_documented_forms(text: str, quarter: Quarter) -> None:
    assert parse_quarter(text) == quarter


@pytest.mark.parametrize(
    "text", ["", "2026", "2026Q5", "2026Q0", "26Q1", "Q1 2026", "2026Q1x", "20261Q1", "next quarter", "2026-01-01"]
)
def test_parse_quarter_rejects_junk_with_an_example(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_quarter(text)
    assert caught.value.example == QUARTER_EXAMPLE
    assert "isn't a plan quarter" in caught.value.message


@pytest.mark.parametrize(
    ("text", "start_month", "quarter"),
    [
        ("2019-01-31", 11, Quarter(2018, 1)),
        ("2019-02-01", 11, Quarter(2018, 2)),
        ("2020-02-29", 11, Quarter(2019, 2)),
        ("2018-10-31", 11, Quarter(2017, 4)),
        (" 2023-01-01 ", 1, Quarter(2023, 1)),
        ("2019-09-01", 9, Quarter(2019, 1)),
        ("2026Q3", 11, Quarter(2026, 3)),
        ("2026-q2", 4, Quarter(2026, 2)),
    ],
)
def test_parse_quarter_or_date(text: str, start_month: int, quarter: Quarter) -> None:
    assert parse_quarter_or_date(text, start_month=start_month) == quarter


@pytest.mark.parametrize("text", ["2019-02-30", "2019-13-01", "tomorrow", ""])
def test_parse_quarter_or_date_rejects_impossible_dates(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_quarter_or_date(text, start_month=11)
    assert caught.value.example == QUARTER_EXAMPLE


@given(st.text())
def test_any_text_is_a_quarter_or_a_user_error(text: str) -> None:
    for parse in (parse_quarter, lambda t: parse_quarter_or_date(t, start_month=11)):
        try:
            result = parse(text)
        except UserError as exc:
            assert exc.example
        else:
            assert isinstance(result, Quarter)
            assert 1 <= result.number <= 4


# --- working days -------------------------------------------------------------------------------------------------


def test_weekends_are_skipped_without_a_calendar() -> None:
    assert NO_HOLIDAYS.first_on_or_after(date(2023, 1, 1)) == date(2023, 1, 2)  # Sun → Mon
    assert NO_HOLIDAYS.first_on_or_after(date(2022, 10, 1)) == date(2022, 10, 3)  # Sat → Mon
    assert NO_HOLIDAYS.last_on_or_before(date(2020, 10, 31)) == date(2020, 10, 30)  # Sat → Fri
    assert NO_HOLIDAYS.last_on_or_before(date(2021, 10, 31)) == date(2021, 10, 29)  # Sun → Fri
    assert NO_HOLIDAYS.first_on_or_after(date(2028, 5, 1)) == date(2028, 5, 1)  # a Monday
    assert NO_HOLIDAYS.is_working_day(date(2019, 12, 25))  # no holidays without a calendar


def test_english_bank_holidays_are_skipped() -> None:
    assert ENGLAND.first_on_or_after(date(2028, 5, 1)) == date(2028, 5, 2)  # Early May bank holiday (Mon)
    assert ENGLAND.first_on_or_after(date(2022, 8, 1)) == date(2022, 8, 1)  # not a holiday in England
    assert ENGLAND.first_on_or_after(date(2023, 1, 1)) == date(2023, 1, 3)  # Sun, then the substitute Mon 2 Jan
    assert ENGLAND.first_on_or_after(date(2018, 4, 1)) == date(2018, 4, 3)  # Easter Sunday, Easter Monday
    assert ENGLAND.last_on_or_before(date(2018, 3, 31)) == date(2018, 3, 29)  # Sat, then Good Friday
    assert ENGLAND.last_on_or_before(date(2020, 8, 31)) == date(2020, 8, 28)  # Summer bank holiday (Mon)
    assert not ENGLAND.is_working_day(date(2019, 12, 25))
    assert ENGLAND.is_working_day(date(2019, 12, 24))


def test_scottish_calendar_differs_from_englands() -> None:
    assert WorkingDays("GB-SCT").first_on_or_after(date(2022, 8, 1)) == date(2022, 8, 2)  # Scottish summer holiday


@pytest.mark.parametrize("calendar", ["XX", "GB-XYZ", "Narnia"])
def test_check_calendar_rejects_unknown_calendars(calendar: str) -> None:
    with pytest.raises(ValueError, match="unknown public-holiday calendar"):
        check_calendar(calendar)


@pytest.mark.parametrize("calendar", ["GB-ENG", "GB-SCT", "IE", ""])
def test_check_calendar_accepts_known_calendars(calendar: str) -> None:
    assert check_calendar(calendar) == calendar


# --- reminder and report times (Europe/London) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quarter", "start_month", "days", "expected"),
    [
        (Quarter(2018, 4), 11, NO_HOLIDAYS, utc(2019, 8, 1, 8)),  # Thu 1 Aug 2019, 09:00 BST
        (Quarter(2019, 1), 11, NO_HOLIDAYS, utc(2019, 11, 1, 9)),  # Fri 1 Nov 2019, 09:00 GMT
        (Quarter(2027, 3), 11, ENGLAND, utc(2028, 5, 2, 8)),  # Mon 1 May 2028 is a bank holiday
        (Quarter(2027, 3), 11, NO_HOLIDAYS, utc(2028, 5, 1, 8)),
        (Quarter(2021, 4), 11, ENGLAND, utc(2022, 8, 1, 8)),  # Mon 1 Aug 2022, a working day in England
        (Quarter(2023, 1), 1, ENGLAND, utc(2023, 1, 3, 9)),  # Sun 1 Jan 2023, substitute holiday Mon 2 Jan
        (Quarter(2023, 1), 1, NO_HOLIDAYS, utc(2023, 1, 2, 9)),
        # Sun 1 Nov 2020, a week after the clocks went back (25 Oct): Mon 2 Nov, 09:00 GMT.
        (Quarter(2020, 1), 11, ENGLAND, utc(2020, 11, 2, 9)),
        # Sun 1 Apr 2018, a week after the clocks went forward (25 Mar), Easter Monday next: Tue 3 Apr, 09:00 BST.
        (Quarter(2018, 1), 4, ENGLAND, utc(2018, 4, 3, 8)),
    ],
)
def test_reminder_time(quarter: Quarter, start_month: int, days: WorkingDays, expected: datetime) -> None:
    at = reminder_time(quarter, start_month=start_month, zone=LONDON, days=days)
    assert at == expected
    assert at.astimezone(LONDON).time() == time(9, 0)


@pytest.mark.parametrize(
    ("quarter", "start_month", "days", "expected"),
    [
        (Quarter(2018, 4), 11, ENGLAND, utc(2019, 10, 31, 16)),  # Thu 31 Oct 2019, GMT since 27 Oct
        (Quarter(2019, 1), 11, ENGLAND, utc(2020, 1, 31, 16)),  # Fri 31 Jan 2020
        (Quarter(2018, 3), 11, ENGLAND, utc(2019, 7, 31, 15)),  # Wed 31 Jul 2019, 16:00 BST
        (Quarter(2019, 4), 11, ENGLAND, utc(2020, 10, 30, 16)),  # Sat 31 Oct 2020 → Fri 30 Oct, GMT since 25 Oct
        (Quarter(2017, 4), 4, ENGLAND, utc(2018, 3, 29, 15)),  # Sat 31 Mar 2018, Good Friday 30 Mar → Thu 29 Mar
        (Quarter(2017, 4), 4, NO_HOLIDAYS, utc(2018, 3, 30, 15)),
        (Quarter(2019, 4), 9, ENGLAND, utc(2020, 8, 28, 15)),  # Mon 31 Aug 2020 is the summer bank holiday
        (Quarter(2022, 4), 1, ENGLAND, utc(2022, 12, 30, 16)),  # Sat 31 Dec 2022 → Fri 30 Dec
    ],
)
def test_report_time(quarter: Quarter, start_month: int, days: WorkingDays, expected: datetime) -> None:
    at = report_time(quarter, start_month=start_month, zone=LONDON, days=days)
    assert at == expected
    assert at.astimezone(LONDON).time() == time(16, 0)


@pytest.mark.parametrize(
    ("quarter", "start_month", "expected"),
    [
        (Quarter(2018, 4), 11, utc(2019, 11, 1, 0)),  # midnight GMT
        (Quarter(2018, 3), 11, utc(2019, 7, 31, 23)),  # midnight BST starting 1 Aug 2019
        (Quarter(2017, 4), 4, utc(2018, 3, 31, 23)),  # midnight BST starting 1 Apr 2018
        (Quarter(2022, 4), 1, utc(2023, 1, 1, 0)),
    ],
)
def test_quarter_ends_at_midnight_local(quarter: Quarter, start_month: int, expected: datetime) -> None:
    assert quarter_ends_at(quarter, start_month=start_month, zone=LONDON) == expected


@given(st.builds(Quarter, st.integers(min_value=1990, max_value=2090), st.integers(min_value=1, max_value=4)),
       start_months, st.sampled_from([NO_HOLIDAYS, ENGLAND]))  # fmt: skip
def test_reminder_is_a_working_weekday_at_nine_within_the_quarter(
    quarter: Quarter, start_month: int, days: WorkingDays
) -> None:
    at = reminder_time(quarter, start_month=start_month, zone=LONDON, days=days).astimezone(LONDON)
    report = report_time(quarter, start_month=start_month, zone=LONDON, days=days).astimezone(LONDON)
    assert at.weekday() < 5
    assert days.is_working_day(at.date())
    assert at.time() == time(9, 0)
    assert report.time() == time(16, 0)
    assert at.utcoffset() in (timedelta(0), timedelta(hours=1))
    assert quarter.start(start_month) <= at.date() <= report.date() <= quarter.end(start_month)
    assert at.date() - quarter.start(start_month) < timedelta(days=7)
    assert report < quarter_ends_at(quarter, start_month=start_month, zone=LONDON)
