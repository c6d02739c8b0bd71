"""The processes of the open-loop benchmark: the fake Slack, scratch databases, `serve`, and CPU and memory readings."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    ROOT,
    SECRET,
    TOKEN,
    Memory,
    free_port,
    memory_of_tree,
    tree,
    wait_healthy,
)

POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


# -- processes ------------------------------------------------------------------------------------


def _stop_group(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Stop a process started in a session of its own, with everything it started (same process group)."""
    pgid = proc.pid
    with suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        proc.wait(grace)
    deadline = time.monotonic() + grace  # its children may outlive it for a moment
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


@contextmanager
def fake_slack() -> Iterator[str]:
    """bench/fake_server.py in a process of its own; yields its Web API URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.fake_server"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        if not ready:
            raise TimeoutError("the fake Slack did not start in 30 s")
        api_url = proc.stdout.readline().decode().strip()
        if not api_url.startswith("http://"):
            raise RuntimeError(f"the fake Slack did not start (said {api_url!r})")
        yield api_url
    finally:
        _stop_group(proc)


@dataclass(frozen=True)
class Target:
    """What to run: the `techcommit` executable, its settings, a scratch folder to run it in."""

    techcommit: str
    env: dict[str, str]
    folder: Path
    postgres: str = POSTGRES


@contextmanager
def database(target: Target, kind: str) -> Iterator[str]:
    """A fresh database, migrated by the target's own `techcommit db upgrade`; dropped (PostgreSQL) after."""
    name = f"techcommit_openloop_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    drop: Callable[[], None] | None = None
    if kind == "sqlite":
        url = f"sqlite:///{target.folder / (name + '.db')}"
    elif kind == "postgresql":
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        admin_url = make_url(target.postgres).set(drivername="postgresql+psycopg")
        url = make_url(target.postgres).set(database=name).render_as_string(hide_password=False)

        def admin(sql: str) -> None:
            engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            try:
                with engine.connect() as conn:
                    conn.execute(text(sql))
            finally:
                engine.dispose()

        def drop_it() -> None:
            admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        admin(f'CREATE DATABASE "{name}"')
        drop = drop_it
    else:
        raise ValueError(f"unknown database kind {kind!r} (sqlite or postgresql)")
    try:
        subprocess.run(
            [target.techcommit, "db", "upgrade"],
            env={**os.environ, **target.env, "DATABASE_URL": url},
            cwd=target.folder,
            check=True,
            timeout=300,
            stdout=subprocess.DEVNULL,
        )
        yield url
    finally:
        if drop is not None:
            drop()


@dataclass
class Serving:
    proc: subprocess.Popen[bytes]
    base: str
    startup: float


@contextmanager
def serve(target: Target, database_url: str, api_url: str, workers: int, log: Path) -> Iterator[Serving]:
    """`techcommit serve --workers N` until the block ends, with its whole process tree stopped after."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "SCHEDULER_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        **target.env,
    }
    args = [target.techcommit, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with log.open("ab") as out:
        began = time.monotonic()
        proc = subprocess.Popen(
            args, env=env, cwd=target.folder, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc, timeout=60)
        yield Serving(proc, base, time.monotonic() - began)
    finally:
        _stop_group(proc)


class MemoryWatch:
    """Samples the PSS of a process tree in a thread, keeping the largest seen, until stopped."""

    def __init__(self, pid: int, every: float = 0.5) -> None:
        self.pid, self.every = pid, every
        self.peak: Memory | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def sample(self) -> None:
        try:
            seen = memory_of_tree(self.pid)
        except OSError:  # a process of the tree came or went while being read
            return
        self.peak = seen if self.peak is None else self.peak.most(seen)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


def wait_quiet(limit: float, below: float = 15.0, window: float = 5.0) -> float:
    """Wait at most `limit` s for the machine's CPU use over `window` s to be under `below` %; returns the last use.

    Other people's work on a shared machine takes CPU from the bot being measured; this waits for a lull.
    """
    deadline = time.monotonic() + limit
    while True:
        busy0, total0 = machine_cpu()
        time.sleep(window)
        busy1, total1 = machine_cpu()
        busy = 100 * (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0
        if busy < below or time.monotonic() > deadline:
            return busy


def machine_cpu() -> tuple[float, float]:
    """Busy and all CPU time of the whole machine so far, in clock ticks (/proc/stat)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)  # less idle and iowait


def tree_cpu(pid: int) -> float:
    """CPU seconds (user and system) used so far by a process and its descendants now alive."""
    ticks = 0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15 of proc(5)
    return ticks / os.sysconf("SC_CLK_TCK")
