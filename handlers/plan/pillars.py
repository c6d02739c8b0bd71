"""The four pillars of the Technician Commitment, read from text or guessed from an action's words."""

from __future__ import annotations

import re

from handlers.cpd.kinds import PILLARS
from handlers.errors import UserError
from handlers.parsing import quote_typed

PILLAR_LABELS = {
    "visibility": "Visibility",
    "recognition": "Recognition",
    "career-development": "Career development",
    "sustainability": "Sustainability",
}

# Word stems that mark an action as serving a pillar. The plan document names no pillars, so an
# imported action gets the pillar whose stems its title uses most (ties: the order below); a CSV
# can state the pillar instead. Stems are matched at the start of words.
_STEMS = {
    "visibility": (
        "visib",
        "communicat",
        "intranet",
        "publication",
        "author",
        "committee",
        "hesa",
        "tef",
        "video",
        "present",
        "profile",
        "network",
    ),
    "recognition": ("recognis", "recogniz", "recognit", "reward", "award", "registration", "celebrat"),
    "career-development": (
        "career",
        "training",
        "mentor",
        "progression",
        "secondment",
        "job role",
        "job description",
        "opportunit",
    ),
    "sustainability": (
        "sustainab",
        "apprentic",
        "skills audit",
        "skills gap",
        "skills shortage",
        "workforce",
        "recruit",
    ),
}


def guess_pillar(title: str) -> str | None:
    """The pillar whose word stems the title uses most, or None if it uses none."""
    words = " " + re.sub(r"[^a-z]+", " ", title.lower())
    scores = {pillar: sum(words.count(" " + stem) for stem in stems) for pillar, stems in _STEMS.items()}
    best = max(scores.values())
    return next(p for p, score in scores.items() if score == best) if best else None


def parse_pillar(text: str) -> str:
    """Read a pillar by name: `visibility`, `recognition`, `career development`, `sustainability`."""
    key = re.sub(r"[^a-z]+", "-", text.strip().lower()).strip("-")
    key = {"career": "career-development", "careers": "career-development"}.get(key, key)
    if key not in PILLARS:
        raise UserError(
            f"`{quote_typed(text)}` isn't a pillar.",
            example="`visibility`, `recognition`, `career-development` or `sustainability`",
        )
    return key
