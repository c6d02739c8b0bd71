"""GET /healthz tells the truth: 503 with a one-line reason when the bot could not do its work.

The database must take a write within a short bound (not merely answer SELECT 1: with SQLite's
write lock held, reads go on while every interaction would wait), and Slack must not have refused
the bot token on the last call the bot made.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request

from sqlalchemy import Engine, func, select

from storage.health import WRITE_WITHIN_SECONDS
from storage.models import Lease
from tests.support.fakeslack import FakeSlack
from tests.support.locks import writers_shut_out
from tests.support.server import BackgroundServer
from tests.support.slackclient import SignedClient
from tests.support.slackmessages import texts


def health(server: BackgroundServer) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_healthz_is_503_while_no_write_can_get_in(server: BackgroundServer, engine: Engine) -> None:
    assert health(server) == (200, "ok\n")
    with writers_shut_out(engine):
        started = time.monotonic()
        status, reason = health(server)
        waited = time.monotonic() - started
    assert status == 503
    assert reason.startswith("database cannot take a write"), reason
    assert reason.count("\n") == 1
    assert WRITE_WITHIN_SECONDS - 0.5 < waited < WRITE_WITHIN_SECONDS + 3
    assert health(server) == (200, "ok\n")
    with engine.connect() as conn:  # the check's own write was rolled back
        assert conn.execute(select(func.count()).select_from(Lease)).scalar_one() == 0


def test_healthz_is_503_once_slack_refuses_the_token_and_200_when_it_takes_it_again(
    server: BackgroundServer, slack: SignedClient, fake_slack: FakeSlack
) -> None:
    assert health(server) == (200, "ok\n")
    fake_slack.fail("views.open", error="token_revoked")
    slack.command("/cpd", "add")
    fake_slack.wait_call("views.open")
    time.sleep(0.3)  # the listener has seen the answer
    status, reason = health(server)
    assert status == 503
    assert reason == "Slack refuses the bot token (token_revoked)\n"
    assert "Logged" in texts(slack.command("/cpd", "add 1h Token is back").reply())
    slack.command("/cpd", "add").modal()  # a call Slack answers ok
    assert health(server) == (200, "ok\n")
