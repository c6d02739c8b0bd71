"""`serve` and `socket` ask Slack (auth.test) whether it takes the bot token before they start.

A token Slack refuses (invalid_auth, account_inactive, token_revoked) is a refusal to start with
one line and exit code 2, like a missing setting: the process never listens, so no health check
can call it healthy. Slack out of reach is only a warning: the bot starts, and retries its sends.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.bot.conftest import SECRET
from tests.support.cli import TECHCOMMIT, env_for, free_port, serving
from tests.support.fakeslack import FakeSlack
from tests.support.slackclient import SignedClient
from tests.support.slackmessages import texts

STARTS_WITHIN = 30  # seconds; a process that has not refused by then is taken to have started


def start(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [TECHCOMMIT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=STARTS_WITHIN, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"{args[0]} did not refuse to start:\n{exc.stderr!r}") from None


@pytest.mark.parametrize("error", ["invalid_auth", "account_inactive", "token_revoked"])
def test_serve_refuses_a_token_slack_refuses(engine: Engine, fake_slack: FakeSlack, tmp_path: Path, error: str) -> None:
    fake_slack.fail("auth.test", error=error)
    env = env_for(engine, fake_slack, SLACK_SIGNING_SECRET=SECRET, SCHEDULER_ENABLED="false")
    result = start(["serve", "--host", "127.0.0.1", "--port", str(free_port())], env, tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert error in result.stderr
    assert "SLACK_BOT_TOKEN" in result.stderr
    assert "Listening at" not in result.stderr  # gunicorn never started
    assert "serving" not in result.stdout
    assert len(fake_slack.calls_to("auth.test")) == 1


def test_socket_refuses_a_token_slack_refuses(engine: Engine, fake_slack: FakeSlack, tmp_path: Path) -> None:
    fake_slack.fail("auth.test", error="invalid_auth")
    env = env_for(engine, fake_slack, SLACK_APP_TOKEN="xapp-1-test", SCHEDULER_ENABLED="false")
    result = start(["socket"], env, tmp_path)
    assert result.returncode == 2, result.stderr
    assert "invalid_auth" in result.stderr
    assert "connecting" not in result.stdout
    assert [c.method for c in fake_slack.calls] == ["auth.test"]


def test_serve_with_a_good_token_checks_it_once_and_serves(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = env_for(engine, fake_slack, SLACK_SIGNING_SECRET=SECRET, SCHEDULER_ENABLED="false")
    with serving(env, tmp_path, workers=2) as served:
        assert len(fake_slack.calls_to("auth.test")) == 1  # by `serve` itself, not by each worker
        slack = SignedClient(served.base, SECRET, fake_slack)
        assert "Checked" in texts(slack.command("/cpd", "add 1h Checked").reply())
    assert " WARNING " not in served.log, served.log


def test_serve_starts_with_a_warning_when_slack_is_out_of_reach(engine: Engine, tmp_path: Path) -> None:
    with FakeSlack() as fake:
        pass  # a port where nothing listens any more
    env = env_for(engine, fake, SLACK_SIGNING_SECRET=SECRET, SCHEDULER_ENABLED="false")
    with serving(env, tmp_path) as served:
        pass
    problems = [line for line in served.log.splitlines() if " WARNING " in line or " ERROR " in line]
    assert len(problems) == 1, served.log
    assert "WARNING techcommit.slack could not check SLACK_BOT_TOKEN: Slack is out of reach" in problems[0]
