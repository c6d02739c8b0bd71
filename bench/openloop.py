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
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

from bench.common import (
    TECHCOMMIT,
    Memory,
    bench_call,
    logged_problems,
    memory_of_tree,
    percentile,
    signed_command,
)
from bench.openloop_processes import (
    POSTGRES,
    MemoryWatch,
    Serving,
    Target,
    database,
    fake_slack,
    machine_cpu,
    serve,
    tree_cpu,
    wait_quiet,
)
from bench.openloop_report import LEGEND, describe, plural, print_config, report

RATES = (50, 100, 200, 300, 400)
NOT_SENT, NO_RESPONSE = -2, -1  # statuses of commands that got no HTTP answer


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
