"""Running `techcommit` as an operator does: a real process, a clean environment, real ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from tests.support.fakeslack import FakeSlack

TECHCOMMIT = str(Path(sys.executable).with_name("techcommit"))


def run(args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run one `techcommit` command to completion (at most a minute)."""
    return subprocess.run(
        [TECHCOMMIT, *args], env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def clean_env(**settings: str) -> dict[str, str]:
    """Only the settings given, over a minimal environment (nothing leaks in from the test run's)."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    env.update(settings)
    return env


def url_of(engine: Engine) -> str:
    """The DATABASE_URL of the test database, password included."""
    return engine.url.render_as_string(hide_password=False)


def env_for(engine: Engine, fake: FakeSlack, **more: str) -> dict[str, str]:
    """A clean environment pointing at the test database and the fake Slack."""
    return clean_env(DATABASE_URL=url_of(engine), SLACK_BOT_TOKEN=fake.token, SLACK_API_URL=fake.api_url, **more)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    """A running `techcommit serve`: its base URL and process id, and once it has stopped, what it logged."""

    base: str
    pid: int
    log: str = ""

    def children(self) -> list[int]:
        """The processes `serve` has started: its gunicorn workers."""
        found = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in found.read_text().split()] if found.exists() else []


@contextmanager
def serving(env: dict[str, str], cwd: Path, startup: float = 20.0, *, workers: int = 1) -> Iterator[Served]:
    """`techcommit serve` in its own process until the block ends; ready once /healthz answers 200."""
    port = free_port()
    log_path = cwd / f"serve-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [TECHCOMMIT, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    served = Served(f"http://127.0.0.1:{port}", process.pid)
    try:
        deadline = time.monotonic() + startup
        while True:
            try:
                with urllib.request.urlopen(served.base + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"serve did not start:\n{log_path.read_text()}") from None
                time.sleep(0.1)
        yield served
    finally:
        process.terminate()
        process.wait(timeout=10)
        served.log = log_path.read_text()
