"""A CPD entry as typed (quick add or form), validated into one model before anything is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from handlers.cpd.kinds import ActivityType, parse_activity_type
from handlers.errors import UserError
from handlers.ids import InputId
from handlers.parsing import (
    DURATION_EXAMPLE,
    MAX_MINUTES,
    clean_line,
    clean_paragraphs,
    duration_words,
    is_tag_token,
    parse_date,
    parse_duration,
    parse_tag,
    parse_tags,
    parse_url,
    quote_typed,
    tokenise,
)
from handlers.ui import FormErrors
from storage.cpd import CpdFields

ADD_EXAMPLE = "`/cpd add 1h30m Soldering course type:formal date:2026-11-20 #career-development`"
MAX_TAGS = 10
TITLE_LIMIT = 200
TEXT_LIMIT = 3000
DEFAULT_TYPE = ActivityType.WORK

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_LIMIT)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TEXT_LIMIT)]


class EntryDraft(BaseModel):
    """Everything a person sets on a CPD entry, checked."""

    model_config = ConfigDict(frozen=True)

    occurred_on: date
    minutes: int = Field(ge=1, le=MAX_MINUTES)
    activity_type: ActivityType
    title: Title
    reflection: LongText = ""
    benefit: LongText = ""
    evidence_url: str = Field(default="", max_length=2000)
    tags: tuple[str, ...] = Field(default=(), max_length=MAX_TAGS)

    def to_fields(self) -> CpdFields:
        return CpdFields(
            occurred_on=self.occurred_on,
            minutes=self.minutes,
            activity_type=self.activity_type.value,
            title=self.title,
            reflection=self.reflection,
            benefit=self.benefit,
            evidence_url=self.evidence_url,
            tags=self.tags,
        )


_FIELD_NAMES = {
    "title": "The title",
    "reflection": "The reflection",
    "benefit": "The benefit",
    "tags": "The tags",
    "minutes": "The duration",
}


def _draft(**values: object) -> EntryDraft:
    try:
        return EntryDraft.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        raise UserError(_explain(field, first["type"], first.get("ctx") or {}), example=ADD_EXAMPLE) from None


def _explain(field: str, kind: str, ctx: dict[str, object]) -> str:
    name = _FIELD_NAMES.get(field, field.replace("_", " ").capitalize())
    if kind == "string_too_short":
        return f"{name} can't be empty."
    if kind in ("string_too_long", "too_long"):
        limit = ctx.get("max_length")
        unit = "tags" if field == "tags" else "characters"
        return f"{name} is too long (at most {limit} {unit})."
    return f"{name} isn't valid."


def parse_quick_add(text: str, *, today: date) -> EntryDraft:
    """Read `<duration> <title> [type:<type>] [date:<date>] [#tag ...]`."""
    tokens = tokenise(text)
    if not tokens:
        raise UserError("Tell me how long it took and what it was.", example=ADD_EXAMPLE)
    used = duration_words(tokens)
    if not used:
        raise _duration_first(tokens)
    minutes = parse_duration(" ".join(tokens[:used]))
    words: list[str] = []
    options: dict[str, str] = {}
    tags: dict[str, None] = {}
    rest = iter(tokens[used:])
    for token in rest:
        key, sep, value = token.partition(":")
        if sep and key.lower() in ("type", "date"):
            if not value:  # `type: formal` with a space
                value = next(rest, "")
            if key.lower() in options:
                raise UserError(f"`{key.lower()}:` is given twice.", example=ADD_EXAMPLE)
            options[key.lower()] = value
        elif is_tag_token(token):
            tags[parse_tag(token)] = None
        else:
            words.append(token)
    if not words:
        raise UserError("What was the activity? Put a title after the duration.", example=ADD_EXAMPLE)
    return _draft(
        occurred_on=parse_date(options["date"], today=today) if "date" in options else today,
        minutes=minutes,
        activity_type=parse_activity_type(options["type"]) if "type" in options else DEFAULT_TYPE,
        title=" ".join(words),  # tokens: control characters and runs of spaces are gone already
        tags=tuple(tags),
    )


def _duration_first(tokens: list[str]) -> UserError:
    """The error for a quick add that doesn't start with a duration: the same line, put right if it can be."""
    for start in range(1, len(tokens)):
        used = duration_words(tokens[start:])
        if used:
            moved = tokens[start : start + used] + tokens[:start] + tokens[start + used :]
            return UserError(
                f"Start with the duration: `/cpd add {quote_typed(' '.join(moved), limit=120)}`.",
                example=DURATION_EXAMPLE,
            )
    if tokens and tokens[0][:1].isdigit():
        parse_duration(tokens[0])  # raises: says what is wrong with it (`2` needs a unit, ...)
    return UserError(
        f"Start with how long it took ({DURATION_EXAMPLE}), then what it was.",
        example=ADD_EXAMPLE,
    )


T = TypeVar("T")


def draft_from_form(values: dict[str, str | None], *, today: date) -> EntryDraft | FormErrors:
    """Read the Log CPD form; return the draft or the problems by input id."""
    errors: dict[str, str] = {}

    def field(input_id: InputId, parse: Callable[[str], T], *, required: bool, missing: str) -> T | None:
        raw = (values.get(input_id) or "").strip()
        if not raw:
            if required:
                errors[input_id] = missing
            return None
        try:
            value = parse(raw)
        except UserError as exc:
            errors[input_id] = exc.message
            return None
        if required and not value:  # e.g. only control characters were typed
            errors[input_id] = missing
        return value

    occurred_on = field(InputId.CPD_DATE, lambda v: parse_date(v, today=today), required=True, missing="Pick the date.")
    minutes = field(InputId.CPD_DURATION, parse_duration, required=True, missing="How long did it take?")
    kind = field(InputId.CPD_TYPE, parse_activity_type, required=True, missing="Pick a kind of activity.")
    title = field(InputId.CPD_TITLE, clean_line, required=True, missing="Give it a title.")
    tags = field(InputId.CPD_TAGS, parse_tags, required=False, missing="") or ()
    evidence = field(InputId.CPD_EVIDENCE, parse_url, required=False, missing="") or ""
    if len(tags) > MAX_TAGS:
        errors[InputId.CPD_TAGS] = f"At most {MAX_TAGS} tags."
    if title is not None and len(title) > TITLE_LIMIT:
        errors[InputId.CPD_TITLE] = f"Keep the title under {TITLE_LIMIT} characters."
    texts = {}
    for input_id in (InputId.CPD_REFLECTION, InputId.CPD_BENEFIT):
        texts[input_id] = clean_paragraphs(values.get(input_id) or "")
        if len(texts[input_id]) > TEXT_LIMIT:
            errors[input_id] = f"Keep this under {TEXT_LIMIT:,} characters."
    if errors:
        return FormErrors(errors)
    return _draft(
        occurred_on=occurred_on,
        minutes=minutes,
        activity_type=kind,
        title=title,
        reflection=texts[InputId.CPD_REFLECTION],
        benefit=texts[InputId.CPD_BENEFIT],
        evidence_url=evidence,
        tags=tags,
    )
