"""Open-loop load: `/cpd add` commands arrive at a fixed rate whatever the bot does; what people wait for.

Command i is due at t0 + i/rate whether or not earlier ones were acknowledged (a closed loop, as in
bench/latency.py, waits for each acknowledgement and so sends less when the bot is slow). Every time
is measured from when the command was due, not from when it was sent: if the load generator falls
behind, the wait is counted all the same (no coordinated omission).

For each database, number of `serve` workers and rate it reports the time to the acknowledgement
(the HTTP 200) and the time until the answer reaches the command's response URL, with counts; for
each database and number of workers the start-up time and the memory of `serve`'s process tree.
A command that was never acknowledged or answered counts as an infinite wait in the percentiles.

Run it from /work/main (or any checkout with bench/) against any installed techcommit:

    python -m bench --only openloop [--techcommit PATH] [--db sqlite,postgresql] [--workers 1,2]
        [--rates 50,100,200,300,400] [--seconds 10] [--grace 30] [--env WORK_PROCESS=false] [--out FILE]

`serve` reads its settings from the environment; it runs in a scratch folder (no `.env` there). The
fake Slack (bench/fake_server.py) and the load generator run in processes of their own.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import platform
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

from bench.common import (
    ROOT,
    SECRET,
    TECHCOMMIT,
    TOKEN,
    Memory,
    bench_call,
    free_port,
    logged_problems,
    memory_of_tree,
    percentile,
    signed_command,
    tree,
    wait_healthy,
)

RATES = (50, 100, 200, 300, 400)
POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
NOT_SENT, NO_RESPONSE = -2, -1  # statuses of commands that got no HTTP answer


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


# -- the load generator (runs in a process of its own) --------------------------------------------


@dataclass
class Sent:
    """What the load generator saw: per command (by number) its status and times from when it was due."""

    rate: float
    due_wall: float  # wall clock when command 0 was due; command i was due i/rate later
    status: list[int]
    lag: list[float]  # seconds from due to sending (how far the generator was behind)
    ack: list[float]  # seconds from due to the end of the HTTP response

    def due(self, n: int) -> float:
        return self.due_wall + n / self.rate


def generate(
    base: str, rate: float, count: int, prefix: str, response_base: str, connections: int, timeout: float
) -> Sent:
    """Send `count` signed `/cpd add` commands to `base`, command n due at t0 + n/rate, from keep-alive connections.

    A command not sent within `timeout` of being due is given up (NOT_SENT); a request that gets no
    HTTP response within `timeout` is NO_RESPONSE. So this returns within about 2 × timeout after the last is due.
    """
    import http.client

    host, port = base.removeprefix("http://").split(":")
    bodies = [
        signed_command(
            "/cpd", f"add 1h Bench entry {n}", user=f"U0BENCH{n % 100:03d}", response_url=f"{response_base}{prefix}{n}"
        )
        for n in range(count)
    ]
    status, lag, ack = [NOT_SENT] * count, [math.inf] * count, [math.inf] * count
    numbers = itertools.count()
    lock = threading.Lock()
    lead = 0.2  # time for the threads to start
    t0, wall0 = time.perf_counter() + lead, time.time() + lead

    def sender() -> None:
        conn: http.client.HTTPConnection | None = None
        while True:
            with lock:
                n = next(numbers)
            if n >= count:
                break
            due = t0 + n / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            sent = time.perf_counter()
            if sent - due > timeout:
                continue  # given up: stays NOT_SENT, an infinite wait
            signed = bodies[n]
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
                conn.request("POST", "/slack/events", body=signed.body, headers=signed.headers)
                response = conn.getresponse()
                response.read()
                done = time.perf_counter()
                status[n], lag[n], ack[n] = response.status, sent - due, done - due
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                status[n], lag[n] = NO_RESPONSE, sent - due
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(count / rate + 3 * timeout + 10)
    return Sent(rate, wall0, status, lag, ack)


# -- one rate -------------------------------------------------------------------------------------


@dataclass
class Row:
    rate: float
    loadavg: float
    sent: Sent
    answered_at: dict[int, float]  # command number -> seconds from due until its answer reached the fake
    grace: float
    drained: float  # seconds from the last command being due until the last answer, or the wait's end
    stats: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s, count = self.sent, len(self.sent.status)
        acked = [n for n in range(count) if s.status[n] == 200]
        window = (count - 1) / s.rate  # from the first command being due to the last
        waits = [self.answered_at.get(n, math.inf) for n in range(count)]
        in_time = [n for n in acked if self.answered_at.get(n, math.inf) <= window - n / s.rate + self.grace]
        acks = [s.ack[n] if s.status[n] == 200 else math.inf for n in range(count)]
        last_ack = max((s.ack[n] + n / s.rate for n in acked), default=math.nan)
        last_answer = max((w + n / s.rate for n, w in self.answered_at.items()), default=math.nan)
        self.stats = {
            "scheduled": count,
            "sent": sum(1 for st in s.status if st != NOT_SENT),
            "acked": len(acked),
            "errors": sum(1 for st in s.status if st not in (200, NOT_SENT, NO_RESPONSE)),
            "no response": sum(1 for st in s.status if st in (NOT_SENT, NO_RESPONSE)),
            "ack p50": percentile(acks, 50),
            "ack p99": percentile(acks, 99),
            "ack/s": len(acked) / last_ack if last_ack > 0 else math.nan,
            "answer p50": percentile(waits, 50),
            "answer p99": percentile(waits, 99),
            "answer/s": len(self.answered_at) / last_answer if last_answer > 0 else math.nan,
            "answered": len(self.answered_at),
            "unanswered": len(acked) - len(in_time),
            "never": len(acked) - sum(1 for n in acked if n in self.answered_at),
            "lag p99": percentile([lag for lag in s.lag if lag != math.inf], 99),
        }


def answers(
    api_url: str, prefix: str, sent: Sent, *, grace: float, drain: float, quiet: float
) -> tuple[dict[int, float], float]:
    """Wait for the answers to the acknowledged commands; seconds from due until each reached the fake.

    Waits until all are in, or `drain` seconds after the last command was due, or no new answer came
    for `quiet` seconds once the grace period is over (so the next rate starts on an empty queue).
    """
    count = len(sent.status)
    acked = sum(1 for st in sent.status if st == 200)
    last_due = sent.due(count - 1)
    seen, changed = -1, time.time()
    answered: dict[str, float] = {}
    while True:
        answered = bench_call(api_url, "bench.answered", prefix=prefix)["answered"]
        now = time.time()
        if len(answered) != seen:
            seen, changed = len(answered), now
        if len(answered) >= acked or now > last_due + drain or (now > last_due + grace and now - changed > quiet):
            break
        time.sleep(1.0)
    by_number = {}
    for rid, at in answered.items():
        n = int(rid.removeprefix(prefix))
        by_number[n] = at - sent.due(n)
    last = max(answered.values(), default=last_due)
    return by_number, (last if len(answered) >= acked else time.time()) - last_due


def one_rate(
    pool: ProcessPoolExecutor,
    serving: Serving,
    api_url: str,
    rate: float,
    seconds: float,
    *,
    connections: int,
    grace: float,
    drain: float,
    quiet: float = 0.0,
) -> Row:
    before = wait_quiet(quiet)
    loadavg = os.getloadavg()[0]
    prefix = f"bench-{uuid.uuid4().hex[:8]}-r{rate:g}-"
    response_base = api_url.replace("/api/", "/response/")
    count = max(1, round(rate * seconds))
    (busy0, total0), serve0 = machine_cpu(), tree_cpu(serving.proc.pid)
    future = pool.submit(generate, serving.base, rate, count, prefix, response_base, connections, min(grace, 30.0))
    sent = future.result(timeout=seconds + 4 * grace + 120)
    answered, drained = answers(api_url, prefix, sent, grace=grace, drain=drain, quiet=15.0)
    (busy1, total1), serve1 = machine_cpu(), tree_cpu(serving.proc.pid)
    row = Row(rate, loadavg, sent, answered, grace, drained)
    row.stats["busy before %"] = before
    row.stats["busy %"] = 100 * (busy1 - busy0) / (total1 - total0) if total1 > total0 else math.nan
    row.stats["serve ms/cmd"] = 1000 * (serve1 - serve0) / count
    return row


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


# -- one database and number of workers -----------------------------------------------------------


@dataclass
class Config:
    kind: str
    workers: int
    startups: list[float]
    idle: Memory
    peak: Memory
    rows: list[Row]
    problems: list[str]
    loadavg: float


def one_config(
    target: Target,
    kind: str,
    workers: int,
    rates: list[float],
    seconds: float,
    *,
    connections: int,
    grace: float,
    drain: float,
    quiet: float = 0.0,
    starts: int = 3,
    settle: float = 2.0,
) -> Config:
    wait_quiet(quiet)
    loadavg = os.getloadavg()[0]
    log = target.folder / f"serve-{kind}-{workers}-{uuid.uuid4().hex[:6]}.log"
    rows: list[Row] = []
    ctx = get_context("spawn")  # the load generator: a fresh process, none of this one's threads
    with (
        fake_slack() as api_url,
        database(target, kind) as url,
        ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool,
    ):
        pool.submit(int, 0).result(timeout=60)  # start it now, not during the first measurement
        startups = []
        for _ in range(starts):
            with serve(target, url, api_url, workers, log) as serving:
                startups.append(serving.startup)
        with serve(target, url, api_url, workers, log) as serving:
            time.sleep(settle)
            idle = memory_of_tree(serving.proc.pid)
            with MemoryWatch(serving.proc.pid) as watch:
                one_rate(pool, serving, api_url, 50, 2.0, connections=connections, grace=grace, drain=drain)  # warm-up
                for rate in rates:
                    time.sleep(settle)
                    rows.append(
                        one_rate(
                            pool,
                            serving,
                            api_url,
                            rate,
                            seconds,
                            connections=connections,
                            grace=grace,
                            drain=drain,
                            quiet=quiet,
                        )
                    )
                watch.sample()
            peak = watch.peak or idle
    return Config(kind, workers, startups, idle, peak, rows, logged_problems(log), loadavg)


# -- the report -----------------------------------------------------------------------------------


def ms(value: float) -> str:
    if math.isnan(value):
        return "–"
    return "∞" if math.isinf(value) else f"{value * 1000:.0f}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "es" if noun.endswith("s") else "s")


def source_lines(project: Path) -> tuple[int, int] | None:
    """Non-blank and all lines of the project's bot/*.py (None if the executable is not in a checkout's .venv)."""
    files = sorted((project / "bot").rglob("*.py"))
    if not files:
        return None
    lines = [line for path in files for line in path.read_text(encoding="utf-8").splitlines()]
    return sum(1 for line in lines if line.strip()), len(lines)


def project_of(techcommit: str) -> Path:
    return Path(techcommit).absolute().parent.parent.parent  # <checkout>/.venv/bin/techcommit


def describe(techcommit: str) -> str:
    project = project_of(techcommit)
    try:
        commit = subprocess.run(
            ["git", "-C", str(project), "log", "-1", "--format=%h %s"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(project), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        commit, dirty = "", ""
    where = f"`{techcommit}`"
    if commit:
        where += f", checkout {project} at {commit}" + (" (with uncommitted changes)" if dirty else "")
    counted = source_lines(project)
    if counted:
        where += f"; its bot/ has {counted[0]:,} non-blank lines of Python ({counted[1]:,} in all)"
    return where


def print_config(say: Callable[[str], None], config: Config, env: dict[str, str]) -> None:
    extra = ", " + ", ".join(f"{k}={v}" for k, v in env.items()) if env else ""
    say(f"## {config.kind}, {plural(config.workers, 'worker')}{extra}\n")
    say(
        f"Start-up (process start to /healthz 200): median {statistics.median(config.startups):.2f} s "
        f"({' / '.join(f'{s:.2f}' for s in config.startups)}). Memory of `serve`'s process tree (PSS): "
        f"{config.idle.pss:.0f} MB idle ({plural(config.idle.processes, 'process')}), {config.peak.pss:.0f} MB at "
        f"most under load ({plural(config.peak.processes, 'process')}); RSS added up {config.idle.rss:.0f} / "
        f"{config.peak.rss:.0f} MB. Load average at start {config.loadavg:.2f}.\n"
    )
    say(
        "| rate/s | load avg | sent | acked | errors | no resp. | ack/s | ack p50 ms | ack p99 ms | "
        "answer p50 ms | answer p99 ms | answer/s | answered | unanswered | never | drained s | lag p99 ms | "
        "busy % before / during | serve CPU ms/cmd |"
    )
    say("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in config.rows:
        s = row.stats
        say(
            f"| {row.rate:g} | {row.loadavg:.2f} | {s['sent']:.0f} | {s['acked']:.0f} | {s['errors']:.0f} | "
            f"{s['no response']:.0f} | {s['ack/s']:.0f} | {ms(s['ack p50'])} | {ms(s['ack p99'])} | "
            f"{ms(s['answer p50'])} | {ms(s['answer p99'])} | {s['answer/s']:.0f} | {s['answered']:.0f} | "
            f"{s['unanswered']:.0f} | {s['never']:.0f} | {row.drained:.1f} | {ms(s['lag p99'])} | "
            f"{s['busy before %']:.0f} / {s['busy %']:.0f} | {s['serve ms/cmd']:.1f} |"
        )
    say(f"\n`serve` logged {len(config.problems)} warnings or errors" + (":\n" if config.problems else ".\n"))
    for line in config.problems[:10]:
        say(f"    {line[:300]}")
    if config.problems:
        say("")


LEGEND = """\
Times are from when each command was due (t0 + i/rate), so a command the load generator sent late
still counts its whole wait. *ack* is the HTTP 200 to the slash command (Slack gives up after 3 s);
*answer* is the answer reaching the command's response URL at the fake Slack. A command never
acknowledged (error, no response) or never answered counts as an infinite wait (∞) in the
percentiles. *errors* are non-200 responses; *no resp.* got no HTTP response (or was never sent,
the generator being more than its timeout behind). *answered* counts every answer that came;
*unanswered*: acknowledged but not answered within the grace period after the last command was due;
*never*: not answered by the end of the wait. *drained*: seconds from the last command being due
until its last answer (or until the wait ended). *lag*: how late the generator sent (its own
limit, not the bot's). ack/s and answer/s count from the first command being due to the last ack
or answer. *busy %*: the whole machine's CPU use (all cores, everyone's processes) in the 5 s
before the rate started and while it ran and drained; *serve CPU ms/cmd*: CPU time of `serve`'s
process tree over the same span, per command. Each rate starts after the previous rate's answers
are in (or the wait gave up).
"""


def run_all(args: argparse.Namespace, say: Callable[[str], None]) -> None:
    techcommit = str(Path(args.techcommit).absolute())
    env = {key: value for key, _, value in (item.partition("=") for item in args.env)}
    rates = [float(r) for r in (args.rates or ("50,100" if args.quick else ",".join(map(str, RATES)))).split(",")]
    seconds = args.seconds if args.seconds else 3.0 if args.quick else 10.0
    say(
        f"# techcommit open-loop benchmark — {platform.node()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
    )
    say(f"techcommit: {describe(techcommit)}.\n")
    say(
        f"`/cpd add 1h Bench entry N` from 100 users at {', '.join(f'{r:g}' for r in rates)} commands a second, "
        f"{seconds:g} s each (after a 2 s warm-up at 50/s), from {args.connections} keep-alive connections; "
        f"grace period {args.grace:g} s; settings {', '.join(f'{k}={v}' for k, v in env.items()) or 'defaults'} "
        f"(SCHEDULER_ENABLED=false, LOG_LEVEL=WARNING). Load average at start {os.getloadavg()[0]:.2f}."
        + (
            f" Before each database/workers and each rate it waited up to {args.quiet:g} s for the machine's CPU "
            "use to fall under 15 % (over 5 s)."
            if args.quiet
            else ""
        )
        + "\n"
    )
    say(LEGEND)
    with tempfile.TemporaryDirectory(prefix="techcommit-openloop-") as tmp:
        target = Target(techcommit, env, Path(tmp), args.postgres)
        for kind in args.db.split(","):
            for workers in (int(w) for w in args.workers.split(",")):
                began = time.monotonic()
                config = one_config(
                    target,
                    kind,
                    workers,
                    rates,
                    seconds,
                    connections=args.connections,
                    grace=args.grace,
                    drain=args.drain,
                    quiet=args.quiet,
                )
                print_config(say, config, env)
                say(f"({kind}, {plural(workers, 'worker')}: {time.monotonic() - began:.0f} s of benchmarking.)\n")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This benchmark's own options (`--db`, `--workers`, `--quick` are shared with the others)."""
    group = parser.add_argument_group("openloop")
    group.add_argument("--techcommit", default=TECHCOMMIT, help="the techcommit executable to serve with")
    group.add_argument("--rates", default="", help="commands a second, comma-separated (default 50,100,200,300,400)")
    group.add_argument("--seconds", type=float, default=0.0, help="seconds at each rate (default 10)")
    group.add_argument("--grace", type=float, default=30.0, help="seconds after the last command to wait for answers")
    group.add_argument("--drain", type=float, default=180.0, help="longest wait for a rate's answers before the next")
    group.add_argument("--connections", type=int, default=64, help="the load generator's keep-alive connections")
    group.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="a setting for serve")
    group.add_argument("--postgres", default=POSTGRES, help="a PostgreSQL URL to create scratch databases from")
    group.add_argument(
        "--quiet",
        type=float,
        default=0.0,
        help="before each database/workers and each rate, wait up to this many seconds for the machine's CPU use "
        "to fall under 15%% (over 5 s)",
    )
    group.add_argument("--out", default="", help="also write the Markdown to this file")


@contextmanager
def report(out: str) -> Iterator[Callable[[str], None]]:
    """A `say` that prints each line at once and, if `out` is given, writes them all there at the end."""
    lines: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    try:
        yield say
    except BaseException as exc:
        say(f"\n**The run stopped early: {type(exc).__name__}: {exc}**")
        raise
    finally:
        if out:
            Path(out).write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.openloop", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="rates 50,100 for 3 s (a smoke test)")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2")
    add_arguments(parser)
    args = parser.parse_args()
    with report(args.out) as say:
        run_all(args, say)


if __name__ == "__main__":
    main()
