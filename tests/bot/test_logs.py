"""Log lines never carry a configured secret, whichever setting holds it."""

from __future__ import annotations

import logging

from pydantic import SecretStr

from bot.logs import ScrubbingFormatter
from bot.settings import Settings, load_settings


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
