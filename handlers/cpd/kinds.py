"""The Science Council's five kinds of CPD activity, and the Technician Commitment pillars."""

from __future__ import annotations

import re
from enum import StrEnum

from handlers.errors import UserError
from handlers.parsing import quote_typed


class ActivityType(StrEnum):
    WORK = "work"
    PROFESSIONAL = "professional"
    FORMAL = "formal"
    SELF = "self"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ACTIVITY_LABELS[self]


def label_of(value: str) -> str:
    """The label of a stored kind of activity (a value this code does not know is shown as it is)."""
    try:
        return ActivityType(value).label
    except ValueError:
        return value


ACTIVITY_LABELS = {
    ActivityType.WORK: "Work-based learning",
    ActivityType.PROFESSIONAL: "Professional activity",
    ActivityType.FORMAL: "Formal / educational",
    ActivityType.SELF: "Self-directed learning",
    ActivityType.OTHER: "Other",
}

_ALIASES = {
    "work": ActivityType.WORK,
    "workbased": ActivityType.WORK,
    "workbasedlearning": ActivityType.WORK,
    "professional": ActivityType.PROFESSIONAL,
    "professionalactivity": ActivityType.PROFESSIONAL,
    "formal": ActivityType.FORMAL,
    "educational": ActivityType.FORMAL,
    "formaleducational": ActivityType.FORMAL,
    "formalandeducational": ActivityType.FORMAL,
    "formaloreducational": ActivityType.FORMAL,
    "self": ActivityType.SELF,
    "selfdirected": ActivityType.SELF,
    "selfdirectedlearning": ActivityType.SELF,
    "other": ActivityType.OTHER,
}

TYPE_EXAMPLE = "`type:work`, `type:professional`, `type:formal`, `type:self` or `type:other`"

PILLARS = ("visibility", "recognition", "career-development", "sustainability")


def parse_activity_type(text: str) -> ActivityType:
    """Read a kind of CPD activity by its short or full name, in any case."""
    key = re.sub(r"[^a-z]", "", text.lower())
    try:
        return _ALIASES[key]
    except KeyError:
        raise UserError(f"`{quote_typed(text)}` isn't a kind of CPD activity.", example=TYPE_EXAMPLE) from None


def is_pillar(tag: str) -> bool:
    """Tell whether a tag names a Technician Commitment pillar."""
    return tag in PILLARS
