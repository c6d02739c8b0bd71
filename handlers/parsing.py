"""Parsers for the kinds of token people type: one parser per kind, each raising UserError."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from urllib.parse import urlsplit

from handlers.errors import UserError
from handlers.ui import escape

MAX_MINUTES = 200 * 60
EARLIEST_DATE = date(1970, 1, 1)
MAX_TAG_LENGTH = 40

_HOUR_UNIT = r"(?:hours?|hrs?|h)"
_MINUTE_UNIT = r"(?:minutes?|mins?|m)"
_DURATION = re.compile(
    rf"""^(?:
        (?P<hours>\d{{1,4}}(?:[.,]\d{{1,3}})?)\s*{_HOUR_UNIT}
        (?:\s*(?P<hmins>\d{{1,5}})\s*{_MINUTE_UNIT} | (?P<glued>\d{{1,2}}))?  # `1h 30m`, `1h30`
      | (?P<mins>\d{{1,5}})\s*{_MINUTE_UNIT}
    )$""",
    re.VERBOSE | re.IGNORECASE | re.ASCII,
)
_BARE_NUMBER = re.compile(r"^\d{1,4}(?:[.,]\d{1,3})?$", re.ASCII)
MAX_DURATION_WORDS = 4  # `1 hour 30 minutes`
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TAG = re.compile(r"^[^\W_][\w-]*$")
_SLACK_CHANNEL = re.compile(r"^<#[A-Z0-9]+\|([^>]*)>$")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,40})(?:\|[^>]*)?>$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,40}$")
_AAD_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_PLATFORM_PERSON = re.compile(r"^(slack|teams):(.+)$", re.IGNORECASE)
_ENTRY_ID = re.compile(r"^#?(\d{1,12})$")

DURATION_EXAMPLE = "`2h`, `1.5h`, `90m`, `1h30m`, `1h 30m` or `2 hours`"
DATE_EXAMPLE = "`2026-11-20`, `20/11/2026`, `today` or `yesterday`"


def tokenise(text: str) -> list[str]:
    """Split command text into words (any whitespace, control characters dropped)."""
    cleaned = "".join(ch if ch.isprintable() or ch.isspace() else " " for ch in text)
    return cleaned.split()


def clean_line(text: str) -> str:
    """One line of typed text, with control characters and runs of spaces removed."""
    return " ".join(tokenise(text))


def clean_paragraphs(text: str) -> str:
    """Several lines of typed text, control characters removed, line breaks kept."""
    lines = ("".join(c for c in line if c.isprintable() or c == "\t") for line in text.splitlines())
    return "\n".join(line.rstrip() for line in lines).strip()


def parse_duration(text: str, *, bare_hours: bool = False) -> int:
    """Read a duration as whole minutes (1 min to 200 h): the one reader for every place one is typed.

    `2h`, `1.5h`, `90m`, `1h30m`, `1h 30m`, `2 hours`, `1 hour 30 minutes`, `1 h 30 min` (as the bot
    shows durations). A bare number is refused (hours or minutes?) unless `bare_hours`, for a field
    labelled in hours.
    """
    cleaned = clean_line(text)
    if bare_hours and _BARE_NUMBER.match(cleaned):
        cleaned += "h"
    match = _DURATION.match(cleaned)
    if not match:
        if _BARE_NUMBER.match(cleaned):
            number = quote_typed(cleaned)
            raise UserError(
                f"`{number}` needs a unit: `{number}h` for hours or `{number}m` for minutes.",
                example=DURATION_EXAMPLE,
            )
        raise UserError(f"I couldn't read `{quote_typed(text)}` as a duration.", example=DURATION_EXAMPLE)
    if match["mins"] is not None:
        minutes = int(match["mins"])
    else:
        hours = float(match["hours"].replace(",", "."))
        minutes = round(hours * 60) + int(match["hmins"] or match["glued"] or 0)
    if minutes < 1:
        raise UserError("A CPD activity must last at least one minute.", example=DURATION_EXAMPLE)
    if minutes > MAX_MINUTES:
        raise UserError("That's more than 200 hours — log long courses as several entries.", example=DURATION_EXAMPLE)
    return minutes


def duration_words(words: Sequence[str]) -> int:
    """How many words at the start of `words` spell a duration (the most that do), or 0."""
    for count in range(min(len(words), MAX_DURATION_WORDS), 0, -1):
        if _DURATION.match(" ".join(words[:count])):
            return count
    return 0


def duration_text(minutes: int) -> str:
    """Minutes as a person would type them back: `1h30m`, `2h`, `45m`."""
    hours, mins = divmod(minutes, 60)
    return f"{hours}h{mins}m" if hours and mins else (f"{hours}h" if hours else f"{mins}m")


def parse_date(text: str, *, today: date) -> date:
    """Read `YYYY-MM-DD`, `DD/MM/YYYY`, `today` or `yesterday`; not in the future."""
    return check_past_date(read_date(text, today=today), today=today)


def read_date(text: str, *, today: date) -> date:
    """Read `YYYY-MM-DD`, `DD/MM/YYYY`, `today`, `yesterday` or `tomorrow`, past or future."""
    word = text.strip().lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    if word == "tomorrow":
        return today + timedelta(days=1)
    if iso := _ISO_DATE.match(word):
        year, month, day = (int(g) for g in iso.groups())
    elif uk := _UK_DATE.match(word):
        day, month, year = (int(g) for g in uk.groups())
    else:
        raise UserError(f"I couldn't read `{quote_typed(text)}` as a date.", example=DATE_EXAMPLE)
    try:
        return date(year, month, day)
    except ValueError:
        raise UserError(f"`{quote_typed(text)}` is not a real date.", example=DATE_EXAMPLE) from None


def check_past_date(value: date, *, today: date) -> date:
    """Refuse dates in the future or implausibly long ago."""
    if value > today:
        raise UserError(f"{value:%d %b %Y} is in the future — log CPD once it has happened.", example=DATE_EXAMPLE)
    if value < EARLIEST_DATE:
        raise UserError("That date is before 1970.", example=DATE_EXAMPLE)
    return value


def parse_tag(token: str) -> str:
    """Read one `#tag` (letters, digits, `-`, `_`) as its lower-case name."""
    token = token.strip()
    if channel := _SLACK_CHANNEL.match(token):  # Slack turned `#name` into a channel link
        token = "#" + channel.group(1)
    name = token[1:] if token.startswith("#") else token
    name = name.lower()
    if not name or len(name) > MAX_TAG_LENGTH or not _TAG.match(name):
        raise UserError(
            f"`{quote_typed(token)}` isn't a tag I can use: tags are one word of letters, digits, "
            f"`-` or `_`, up to {MAX_TAG_LENGTH} characters.",
            example="`#soldering #career-development`",
        )
    return name


def is_tag_token(token: str) -> bool:
    """Tell whether a word is meant as a tag."""
    return token.startswith("#") or bool(_SLACK_CHANNEL.match(token))


def parse_tags(text: str) -> tuple[str, ...]:
    """Read space- or comma-separated tags (the `#` is optional), without duplicates."""
    seen: dict[str, None] = {}
    for token in tokenise(text.replace(",", " ")):
        seen[parse_tag(token)] = None
    return tuple(seen)


def parse_mention(text: str) -> str:
    """Read a person as `<@U123|name>`, `<@U123>` (a Slack mention), `U123` or `@U123` (typed in the
    console), or a Teams (Entra ID) object id."""
    token = text.strip()
    if match := _MENTION.match(token):
        return match.group(1)
    bare = token.removeprefix("@")
    if _USER_ID.match(bare):
        return bare
    if _AAD_ID.match(bare):
        return bare.lower()
    example = "`@alice` picked from Slack's list of people, or a member id like `U0123ABCD`"
    if token.startswith("@"):
        raise UserError(
            f"I can't tell who `{quote_typed(text)}` is from a name: pick them from the list Slack shows "
            "as you type @, so it becomes a mention, or give their member id.",
            example=example,
        )
    raise UserError(f"`{quote_typed(text)}` isn't a person I recognise.", example=example)


def parse_person(text: str, *, default_platform: str) -> tuple[str, str]:
    """Read `slack:U123`, `teams:<object id>` or a bare id/mention on the default platform."""
    match = _PLATFORM_PERSON.match(text.strip())
    if match:
        platform, rest = match.group(1).lower(), match.group(2)
        user_id = parse_mention(rest)
        if (platform == "teams") != bool(_AAD_ID.match(user_id)):
            raise UserError(
                f"`{quote_typed(text)}` isn't a {platform.capitalize()} user id.",
                example="`slack:U0123ABCD` or `teams:1f0c…` (the person's Entra object id)",
            )
        return platform, user_id
    user_id = parse_mention(text)
    return ("teams" if _AAD_ID.match(user_id) else default_platform), user_id


def parse_entry_id(text: str, *, noun: str = "entry") -> int:
    """Read an id like `12` or `#12`."""
    match = _ENTRY_ID.match(text.strip())
    if not match:
        raise UserError(f"`{quote_typed(text)}` isn't an {noun} id; ids are numbers.", example="`12`")
    return int(match.group(1))


def parse_url(text: str) -> str:
    """Accept an http(s) link, or the empty string."""
    value = text.strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise UserError(
            "Evidence must be a web link starting with http:// or https://.",
            example="`https://example.org/certificate.pdf`",
        )
    if len(value) > 2000:
        raise UserError("That link is longer than 2,000 characters.")
    return value


def quote_typed(text: str, limit: int = 40) -> str:
    """Quote typed text back safely inside backticks."""
    text = " ".join(text.split()).replace("`", "'")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape(text)
