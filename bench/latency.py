"""Command latency and throughput through the production HTTP server, against an ack-only Bolt baseline."""

from __future__ import annotations

import http.client
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bench.common import (
    SECRET,
    TECHCOMMIT,
    TOKEN,
    Memory,
    SignedCommand,
    bench_call,
    free_port,
    memory_of_tree,
    process,
    signed_command,
    summary,
    wait_healthy,
)


def load(
    base: str,
    concurrency: int,
    requests: int,
    make: Callable[[int], SignedCommand],
    sent: dict[int, float] | None = None,
) -> dict[str, float]:
    """Send `requests` signed commands with `concurrency` keep-alive connections; latency to the HTTP response.

    `sent`, if given, receives the wall-clock time each request number was sent (for time to the answer).
    """
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    per_worker = requests // concurrency
    start = threading.Barrier(concurrency + 1)

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        numbers = [offset * per_worker + n for n in range(per_worker)]
        bodies = [make(n) for n in numbers]
        mine, stamps = [], []
        start.wait()
        for signed in bodies:
            stamps.append(time.time())
            began = time.perf_counter()
            conn.request("POST", "/slack/events", body=signed.body, headers=signed.headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - began)
            if response.status != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)
            if sent is not None:
                sent.update(zip(numbers, stamps, strict=True))
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return {**summary(latencies), "rps": len(latencies) / wall, "errors": errors[0], "n": len(latencies)}


def answers(api_url: str, prefix: str, sent: dict[int, float], timeout: float = 120.0) -> dict[str, float]:
    """Time from sending each request to its answer reaching the fake's response URL (waits for them all)."""
    deadline = time.monotonic() + timeout
    while True:
        answered = bench_call(api_url, "bench.answered", prefix=prefix)["answered"]
        if len(answered) >= len(sent) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    waits = [answered[f"{prefix}{n}"] - at for n, at in sent.items() if f"{prefix}{n}" in answered]
    span = max(answered.values(), default=0.0) - min(sent.values(), default=0.0)
    return {**summary(waits), "unanswered": len(sent) - len(waits), "rps": len(waits) / span if span > 0 else 0.0}


def run(
    *,
    database_url: str,
    api_url: str,
    concurrencies: tuple[int, ...],
    requests: int,
    workers: int = 1,
    settle: float = 2.0,
    log: Path | None = None,
    repeat: int = 1,
) -> tuple[list[dict[str, object]], Memory, Memory]:
    """Rows of the latency table, the bot's memory idle and at most under load (`serve` logs to `log`).

    Each row is the run with the median ratio out of `repeat` runs of baseline then techcommit; the
    row's "ratios" are all of them, sorted.
    """
    bot_port, base_port = free_port(), free_port()
    env = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "SCHEDULER_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "WEB_WORKERS": str(workers),
    }
    rows: list[dict[str, object]] = []
    with (
        process([TECHCOMMIT, "serve", "--host", "127.0.0.1", "--port", str(bot_port)], env, log) as bot,
        process(
            [sys.executable, "-m", "bench.baseline_app", str(base_port), "16", api_url, str(workers)], env
        ) as baseline,
    ):
        bot_url, base_url = f"http://127.0.0.1:{bot_port}", f"http://127.0.0.1:{base_port}"
        wait_healthy(bot_url, bot)
        wait_healthy(base_url, baseline)
        time.sleep(settle)
        idle = peak = memory_of_tree(bot.pid)
        responses = api_url.replace("/api/", "/response/")
        texts = {"add": "add 30m Bench entry {n}", "summary": "summary"}
        for name, text in texts.items():
            for concurrency in concurrencies:
                runs = []
                for _ in range(repeat):  # baseline and techcommit take turns, so drift hits both alike
                    prefix = f"bench-{uuid.uuid4().hex[:8]}-{name}-c{concurrency}-"  # this run's own response URLs

                    def make(n: int, text: str = text, prefix: str = prefix) -> SignedCommand:
                        user = f"U0BENCH{n % 100:03d}"
                        return signed_command(
                            "/cpd", text.format(n=n), user=user, response_url=f"{responses}{prefix}{n}"
                        )

                    n = max(requests, concurrency * 20) if concurrency > 1 else max(requests // 4, 50)
                    base_stats = load(base_url, concurrency, n, make)
                    time.sleep(settle)
                    sent: dict[int, float] = {}
                    bot_stats = load(bot_url, concurrency, n, make, sent)
                    peak = peak.most(memory_of_tree(bot.pid))
                    answered = answers(api_url, prefix, sent)  # waits until every answer is in
                    peak = peak.most(memory_of_tree(bot.pid))
                    time.sleep(settle)
                    runs.append((bot_stats["p50"] / base_stats["p50"], base_stats, bot_stats, answered))
                runs.sort(key=lambda run: run[0])
                _, base_stats, bot_stats, answered = runs[len(runs) // 2]  # the run with the median ratio
                rows.append(
                    {
                        "command": f"/cpd {name}",
                        "c": concurrency,
                        "baseline": base_stats,
                        "techcommit": bot_stats,
                        "answer": answered,
                        "ratios": [run[0] for run in runs],
                    }
                )
    return rows, idle, peak
