"""The Create event form and the checks on what is submitted."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers import ui
from handlers.cpd.kinds import ActivityType, parse_activity_type
from handlers.errors import UserError
from handlers.ids import FormId, InputId
from handlers.parsing import MAX_MINUTES, clean_line, clean_paragraphs, parse_duration
from storage.events import EventFields

_TIME = re.compile(r"^([01]?\d|2[0-3]):?([0-5]\d)$")
MAX_CAPACITY = 10_000


def create_form(*, today: date) -> ui.Form:
    """Title, description, start and end, location, capacity, CPD hours and type, channel."""
    kinds = tuple(ui.Option(t.value, t.label) for t in ActivityType)
    items: tuple[ui.Input | ui.Block, ...] = (
        ui.TextInput(InputId.EVENT_TITLE, "Title", max_length=200, placeholder="e.g. 3D printing for labs"),
        ui.TextInput(InputId.EVENT_DESCRIPTION, "Description", multiline=True, optional=True, max_length=1500),
        ui.DateInput(InputId.EVENT_START_DATE, "Date", initial=today + timedelta(days=7)),
        ui.TimeInput(InputId.EVENT_START_TIME, "Starts at", initial=time(12, 30)),
        ui.TimeInput(InputId.EVENT_END_TIME, "Ends at", initial=time(13, 30)),
        ui.DateInput(InputId.EVENT_END_DATE, "End date, if another day", optional=True),
        ui.TextInput(
            InputId.EVENT_LOCATION,
            "Location",
            optional=True,
            max_length=200,
            placeholder="e.g. John Dalton E0.12, or a Teams link",
        ),
        ui.TextInput(
            InputId.EVENT_CAPACITY, "Places", optional=True, max_length=6, placeholder="leave empty: no limit"
        ),
        ui.TextInput(
            InputId.EVENT_CPD_HOURS,
            "CPD hours",
            optional=True,
            max_length=10,
            placeholder="leave empty: the event's length",
            hint="e.g. 1.5, 90m or 1h30m",
        ),
        ui.SelectInput(InputId.EVENT_CPD_TYPE, "Kind of CPD", kinds, initial=ActivityType.PROFESSIONAL.value),
        ui.ChannelInput(InputId.EVENT_CHANNEL, "Announce in"),
    )
    return ui.Form(callback=FormId.EVENT_CREATE_SAVE, title="New Tech Net event", submit="Announce", items=items)


def read_event_form(values: dict[str, str | None], *, now: datetime, zone: ZoneInfo) -> EventFields | ui.FormErrors:
    """The event as submitted, or the problems by field (nothing is stored either way)."""
    errors: dict[str, str] = {}

    def text(input_id: str) -> str:
        return (values.get(input_id) or "").strip()

    title = clean_line(text(InputId.EVENT_TITLE))
    if not title:
        errors[InputId.EVENT_TITLE] = "Give the event a title."
    start_day = _date(text(InputId.EVENT_START_DATE), InputId.EVENT_START_DATE, errors)
    end_day = _date(text(InputId.EVENT_END_DATE), InputId.EVENT_END_DATE, errors, required=False) or start_day
    start_time = _time(text(InputId.EVENT_START_TIME), InputId.EVENT_START_TIME, errors)
    end_time = _time(text(InputId.EVENT_END_TIME), InputId.EVENT_END_TIME, errors)
    starts_at = ends_at = None
    if start_day and start_time and end_day and end_time:
        starts_at = datetime.combine(start_day, start_time, tzinfo=zone)
        ends_at = datetime.combine(end_day, end_time, tzinfo=zone)
        if start_day < now.astimezone(zone).date():  # the day is wrong, not the time
            errors[InputId.EVENT_START_DATE] = f"{start_day:%d %b %Y} has passed; pick a date from today on."
        elif starts_at <= now:
            errors[InputId.EVENT_START_TIME] = "That time has passed today; pick a later time."
        if end_day < start_day:
            errors[InputId.EVENT_END_DATE] = "The end date is before the start date."
        elif ends_at <= starts_at:
            errors[InputId.EVENT_END_TIME] = "The event must end after it starts."
        elif ends_at - starts_at > timedelta(days=14):
            errors[InputId.EVENT_END_DATE] = "An event lasts two weeks at most."
    capacity = _capacity(text(InputId.EVENT_CAPACITY), errors)
    cpd_minutes = _cpd_minutes(text(InputId.EVENT_CPD_HOURS), errors)
    try:
        kind = parse_activity_type(text(InputId.EVENT_CPD_TYPE) or "professional")
    except UserError:
        errors[InputId.EVENT_CPD_TYPE] = "Pick a kind of CPD."
        kind = ActivityType.PROFESSIONAL
    channel = text(InputId.EVENT_CHANNEL)
    if not re.fullmatch(r"[CG][A-Z0-9]{2,30}", channel):
        errors[InputId.EVENT_CHANNEL] = "Pick the channel to announce it in."
    if errors or starts_at is None or ends_at is None:
        return ui.FormErrors(errors or {InputId.EVENT_START_DATE: "Pick the date and times."})
    if cpd_minutes is None:
        cpd_minutes = min(int((ends_at - starts_at).total_seconds() // 60), MAX_MINUTES)
    return EventFields(
        title=title[:200],
        description=clean_paragraphs(text(InputId.EVENT_DESCRIPTION))[:1500],
        starts_at=starts_at,
        ends_at=ends_at,
        location=clean_line(text(InputId.EVENT_LOCATION))[:200],
        capacity=capacity,
        cpd_minutes=cpd_minutes,
        cpd_type=kind.value,
        channel_id=channel,
    )


def _date(value: str, input_id: str, errors: dict[str, str], *, required: bool = True) -> date | None:
    if not value:
        if required:
            errors[input_id] = "Pick a date."
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[input_id] = "Give the date as YYYY-MM-DD, e.g. 2026-12-03."
        return None


def _time(value: str, input_id: str, errors: dict[str, str]) -> time | None:
    match = _TIME.match(value)
    if not match:
        errors[input_id] = "Give the time as HH:MM, e.g. 12:30." if value else "Pick a time."
        return None
    return time(int(match.group(1)), int(match.group(2)))


def _capacity(value: str, errors: dict[str, str]) -> int | None:
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_CAPACITY:
        errors[InputId.EVENT_CAPACITY] = f"Places must be a whole number from 1 to {MAX_CAPACITY:,}, or empty."
        return None
    return int(value)


def _cpd_minutes(value: str, errors: dict[str, str]) -> int | None:
    if not value:
        return None
    try:
        return parse_duration(value, bare_hours=True)  # the field is "CPD hours": `1.5` is hours
    except UserError as exc:
        errors[InputId.EVENT_CPD_HOURS] = exc.message
        return None
