"""Event titles carry the Tech Net prefix once, however the organiser named the event."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.events.views import tech_net_title


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("3D printing", "Tech Net: 3D printing"),
        ("Tech Net: 3D printing", "Tech Net: 3D printing"),
        ("tech net - soldering", "tech net - soldering"),
        ("TechNet: fume cupboards", "TechNet: fume cupboards"),
        ("  Tech Net social  ", "Tech Net social"),
        ("Technetium handling", "Tech Net: Technetium handling"),  # a word that only starts alike
    ],
)
def test_the_prefix_is_added_once(typed: str, shown: str) -> None:
    assert tech_net_title(typed) == shown


@given(st.text(max_size=80))
def test_naming_twice_changes_nothing(title: str) -> None:
    once = tech_net_title(title)
    assert tech_net_title(once) == once
    assert once.lower().replace(" ", "").startswith("technet")
