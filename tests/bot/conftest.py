"""End-to-end fixtures: the real Bolt app behind the real waitress server, a fake Slack Web API."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.composition import Deps, build
from bot.logs import ScrubbingFormatter
from bot.runtime import Runtime, build_runtime
from bot.settings import load_settings
from handlers.clock import FixedClock
from tests.support.fakeslack import FakeSlack
from tests.support.server import BackgroundServer
from tests.support.slackclient import SignedClient

TOKEN = "xoxb-0000-test-token"
SECRET = "8f14e45fceea167a5a36dedd4bea2543"
POOL_THREADS = 8  # Bolt listener threads of the test servers (production: 32; Bolt's own default: 5)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API; every call the bot made must have been valid."""
    with FakeSlack(token=TOKEN) as fake:
        yield fake
        assert fake.problems == [], fake.describe()


@pytest.fixture
def deps(engine: Engine, clock: FixedClock, fake_slack: FakeSlack) -> Deps:
    settings = load_settings(
        _env_file=None,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=fake_slack.api_url,
        admin_user_ids="UADMIN",
        listener_threads=POOL_THREADS,
    )
    return build(settings, clock=clock, engine=engine)


@pytest.fixture
def runtime(deps: Deps) -> Iterator[Runtime]:
    """What one `serve` worker runs (without its scheduler: tests run passes with `runtime.sweep()`)."""
    running = build_runtime(deps)
    yield running
    running.close()  # let work acknowledged during the test finish before the fake stops


@pytest.fixture
def server(runtime: Runtime) -> Iterator[BackgroundServer]:
    with BackgroundServer(runtime.wsgi(), threads=8) as running:
        yield running


@pytest.fixture
def slack(server: BackgroundServer, fake_slack: FakeSlack) -> SignedClient:
    """Plays Slack: sends signed slash commands, clicks and submissions to the bot."""
    return SignedClient(server.url, SECRET, fake_slack)


def slack_escaped(text: str) -> str:
    """Command text as Slack sends it: `&`, `<` and `>` typed by the person arrive escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def secrets_never_logged() -> Iterator[None]:
    """Every log line of every end-to-end test, at DEBUG and as production formats it, is free of secrets."""
    collect = _Collect()
    loggers = [logging.getLogger(name) for name in ("", "slack_sdk", "slack_bolt", "techcommit", "waitress")]
    levels = [logger.level for logger in loggers]
    for logger in loggers[1:]:
        logger.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(collect)
    try:
        yield
    finally:
        logging.getLogger().removeHandler(collect)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
    formatter = ScrubbingFormatter([TOKEN, SECRET])
    leaked = [line for line in (formatter.format(r) for r in collect.records) if TOKEN in line or SECRET in line]
    assert leaked == []
