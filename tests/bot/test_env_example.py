""".env.example documents every setting, and only real ones, showing their defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import Settings, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def documented() -> dict[str, str]:
    return dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE))


def test_every_setting_is_in_env_example_and_nothing_else() -> None:
    assert set(documented()) == {name.upper() for name in Settings.model_fields}


def test_the_example_values_are_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)  # the defaults, not this machine's environment
    values = {name.lower(): value for name, value in documented().items() if value}
    from_example, defaults = load_settings(_env_file=None, **values), Settings(_env_file=None)
    assert {name: getattr(from_example, name) for name in values} == {name: getattr(defaults, name) for name in values}
