"""Parsers for what people type: examples, and properties over any text (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.cpd.kinds import ActivityType, parse_activity_type
from handlers.errors import UserError
from handlers.parsing import (
    MAX_MINUTES,
    clean_line,
    clean_paragraphs,
    parse_date,
    parse_duration,
    parse_entry_id,
    parse_mention,
    parse_person,
    parse_tag,
    parse_tags,
    parse_url,
    tokenise,
)

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("2h", 120),
        ("1.5h", 90),
        ("90m", 90),
        ("1h30m", 90),
        ("1h30", 90),
        ("1H30M", 90),
        ("45min", 45),
        ("1,5h", 90),
        ("200h", 12000),
        ("1m", 1),
        ("0.25h", 15),
        ("2 hours", 120),
        ("1h 30m", 90),
    ],
)
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    "text",
    ["0h", "0m", "0.001h", "200h1m", "201h", "12001m", "h", "2", "two hours", "-1h", "1h-30m", "", "1.5.5h", "∞h"],
)
def test_bad_durations_are_explained(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_duration(text)
    assert caught.value.message
    assert caught.value.example


@given(st.text(max_size=30))
def test_any_duration_text_gives_minutes_in_range_or_a_user_error(text: str) -> None:
    try:
        minutes = parse_duration(text)
    except UserError as exc:
        assert exc.message
    else:
        assert 1 <= minutes <= MAX_MINUTES


@given(st.integers(min_value=1, max_value=MAX_MINUTES))
def test_minutes_round_trip(minutes: int) -> None:
    assert parse_duration(f"{minutes}m") == minutes
    hours, mins = divmod(minutes, 60)
    assert parse_duration(f"{hours}h{mins}m" if hours else f"{mins}m") == minutes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20", date(2026, 11, 20)),
        ("20/11/2026", date(2026, 11, 20)),
        ("today", TODAY),
        ("Yesterday", TODAY - timedelta(days=1)),
        ("1/2/2026", date(2026, 2, 1)),
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "text",
    ["2999-01-01", "2026-11-23", "2026-02-30", "31/02/2026", "tomorrow", "11/20/2026", "1969-12-31", "20-11-2026", ""],
)
def test_bad_dates_are_explained(text: str) -> None:
    with pytest.raises(UserError):
        parse_date(text, today=TODAY)


@given(st.text(max_size=20), st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)))
def test_any_date_text_gives_a_past_date_or_a_user_error(text: str, today: date) -> None:
    try:
        value = parse_date(text, today=today)
    except UserError as exc:
        assert exc.message
    else:
        assert value <= today


@given(st.dates(min_value=date(1970, 1, 1), max_value=TODAY))
def test_both_date_forms_round_trip(value: date) -> None:
    assert parse_date(value.isoformat(), today=TODAY) == value
    assert parse_date(f"{value.day}/{value.month}/{value.year}", today=TODAY) == value


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("work", ActivityType.WORK),
        ("Work-based learning", ActivityType.WORK),
        ("PROFESSIONAL", ActivityType.PROFESSIONAL),
        ("professional activity", ActivityType.PROFESSIONAL),
        ("formal", ActivityType.FORMAL),
        ("Formal / educational", ActivityType.FORMAL),
        ("educational", ActivityType.FORMAL),
        ("self-directed", ActivityType.SELF),
        ("Self-directed learning", ActivityType.SELF),
        ("other", ActivityType.OTHER),
    ],
)
def test_activity_types(text: str, kind: ActivityType) -> None:
    assert parse_activity_type(text) is kind


@given(st.text(max_size=40))
def test_any_type_text_gives_a_type_or_a_user_error(text: str) -> None:
    try:
        kind = parse_activity_type(text)
    except UserError as exc:
        assert "`" in exc.message
        assert "<" not in exc.message.replace("&lt;", "")
    else:
        assert kind in ActivityType


@pytest.mark.parametrize(
    ("token", "tag"),
    [
        ("#Soldering", "soldering"),
        ("#career-development", "career-development"),
        ("#café", "café"),
        ("<#C123|general>", "general"),
        ("#lab_2", "lab_2"),
    ],
)
def test_tags(token: str, tag: str) -> None:
    assert parse_tag(token) == tag


@pytest.mark.parametrize("token", ["#", "#-x", "#a b", "#" + "x" * 41, "#<!channel>", "#a.b", "#_x"])
def test_bad_tags(token: str) -> None:
    with pytest.raises(UserError):
        parse_tag(token)


def test_tags_from_a_form_field() -> None:
    assert parse_tags("#visibility, recognition  #Visibility") == ("visibility", "recognition")


@given(st.text(max_size=60))
def test_any_tag_text_gives_clean_tags_or_a_user_error(text: str) -> None:
    try:
        tags = parse_tags(text)
    except UserError as exc:
        assert exc.message
    else:
        for tag in tags:
            assert tag == tag.lower()
            assert 0 < len(tag) <= 40
            assert not any(c in tag for c in "<>&#* \n")


@pytest.mark.parametrize("text", ["<@U123ABC|alice>", "<@U123ABC>", "U123ABC", " <@W0GRID1> ", "@U123ABC"])
def test_mentions(text: str) -> None:
    assert parse_mention(text) in ("U123ABC", "W0GRID1")


@pytest.mark.parametrize("text", ["alice", "@alice", "<@>", "<!channel>", "u123abc", "<#C123|general>", ""])
def test_bad_mentions(text: str) -> None:
    with pytest.raises(UserError):
        parse_mention(text)


@given(st.text(max_size=50))
def test_any_mention_text_gives_a_user_id_or_a_user_error(text: str) -> None:
    try:
        user_id = parse_mention(text)
    except UserError as exc:
        assert exc.message
    else:
        assert user_id[0] in "UW"
        assert user_id.isalnum()
        assert user_id.upper() == user_id


def test_entry_ids() -> None:
    assert parse_entry_id("12") == 12
    assert parse_entry_id("#12") == 12
    for bad in ("x", "-1", "1.5", "", "1234567890123"):
        with pytest.raises(UserError):
            parse_entry_id(bad)


def test_urls() -> None:
    assert parse_url("https://example.org/cert.pdf") == "https://example.org/cert.pdf"
    assert parse_url("") == ""
    for bad in ("javascript:alert(1)", "ftp://x", "example.org", "https://", "https://a b"):
        with pytest.raises(UserError):
            parse_url(bad)


def test_tokenise_drops_control_characters() -> None:
    assert tokenise("add\x00 2h\tSoldering\u200b x") == ["add", "2h", "Soldering", "x"]


GUID = "1f0c2b3a-4d5e-6f70-8192-a3b4c5d6e7f8"


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("U0123ABC", ("slack", "U0123ABC")),
        ("<@U0123ABC|al>", ("slack", "U0123ABC")),
        ("slack:U0123ABC", ("slack", "U0123ABC")),
        (f"teams:{GUID}", ("teams", GUID)),
        (f"TEAMS:{GUID.upper()}", ("teams", GUID)),
        (GUID, ("teams", GUID)),
    ],
)
def test_people_on_either_platform(text: str, person: tuple[str, str]) -> None:
    assert parse_person(text, default_platform="slack") == person


@pytest.mark.parametrize("text", ["teams:U0123ABC", f"slack:{GUID}", "teams:", "irc:U0123ABC", "alice@example.org"])
def test_people_on_the_wrong_platform_are_refused(text: str) -> None:
    with pytest.raises(UserError):
        parse_person(text, default_platform="slack")


@given(st.text(max_size=60))
def test_any_person_text_gives_a_platform_and_id_or_a_user_error(text: str) -> None:
    try:
        platform, user_id = parse_person(text, default_platform="slack")
    except UserError as exc:
        assert exc.message
    else:
        assert platform in ("slack", "teams")
        assert user_id
        assert "<" not in user_id


@given(st.text())
def test_clean_line_is_one_tidy_printable_line(typed: str) -> None:
    line = clean_line(typed)
    assert all(c.isprintable() for c in line)
    assert line == line.strip()
    assert "  " not in line
    assert clean_line(line) == line
    assert "".join(line.split()) == "".join(c for c in typed if c.isprintable() and not c.isspace())  # nothing lost


@given(st.text())
def test_clean_paragraphs_keeps_lines_and_drops_control_characters(typed: str) -> None:
    text = clean_paragraphs(typed)
    assert all(c.isprintable() or c in "\n\t" for c in text)
    assert text == text.strip()
    assert clean_paragraphs(text) == text
