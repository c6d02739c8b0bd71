"""Log lines never carry a configured secret, whichever setting holds it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.composition import build
from bot.logs import ScrubbingFormatter
from bot.settings import Settings, load_settings
from bot.slack.app import build_slack


def test_every_secret_setting_is_scrubbed_from_log_lines() -> None:
    secret_fields = [name for name, f in Settings.model_fields.items() if f.annotation == SecretStr | None]
    assert "teams_app_password" in secret_fields  # the field list is read from Settings, not written out here
    values = {name: f"value-of-{name}-0123456789" for name in secret_fields}
    settings = load_settings(_env_file=None, **values)
    formatter = ScrubbingFormatter(settings.secret_values())
    record = logging.LogRecord("techcommit", logging.ERROR, __file__, 1, " ".join(values.values()), None, None)
    line = formatter.format(record)
    assert not [name for name, value in values.items() if value in line], line
    assert line.count("[redacted]") == len(values)


def test_starting_with_the_token_in_the_environment_logs_no_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """Bolt warns that SLACK_BOT_TOKEN goes unused when given a client; ours is made with that token."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    settings = load_settings(
        _env_file=None, slack_signing_secret="s" * 32, database_url=f"sqlite:///{tmp_path / 'bot.db'}"
    )
    assert settings.secret("slack_bot_token") == "xoxb-from-the-environment"
    deps = build(settings)
    try:
        with caplog.at_level(logging.WARNING, logger="techcommit"):
            build_slack(deps).close()
    finally:
        deps.engine.dispose()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
