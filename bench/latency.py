"""Command latency and throughput through the production HTTP server, against an ack-only Bolt baseline."""

from __future__ import annotations

import http.client
import sys
import threading
import time
from collections.abc import Callable

from bench.common import (
    SECRET,
    TECHCOMMIT,
    TOKEN,
    SignedCommand,
    free_port,
    process,
    rss_of_tree,
    signed_command,
    summary,
    wait_healthy,
)


def load(base: str, concurrency: int, requests: int, make: Callable[[int], SignedCommand]) -> dict[str, float]:
    """Send `requests` signed commands with `concurrency` keep-alive connections; latency to the HTTP response."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    per_worker = requests // concurrency
    start = threading.Barrier(concurrency + 1)

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        bodies = [make(offset * per_worker + n) for n in range(per_worker)]
        mine = []
        start.wait()
        for signed in bodies:
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


def run(
    *,
    database_url: str,
    api_url: str,
    concurrencies: tuple[int, ...],
    requests: int,
    workers: int = 1,
    settle: float = 2.0,
) -> tuple[list[dict[str, object]], float, float]:
    """Rows of the latency table, the bot's idle RSS and its peak RSS under load."""
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
    peak = 0.0
    with (
        process([TECHCOMMIT, "serve", "--host", "127.0.0.1", "--port", str(bot_port)], env) as bot,
        process(
            [sys.executable, "-m", "bench.baseline_app", str(base_port), "16", api_url, str(workers)], env
        ) as baseline,
    ):
        bot_url, base_url = f"http://127.0.0.1:{bot_port}", f"http://127.0.0.1:{base_port}"
        wait_healthy(bot_url, bot)
        wait_healthy(base_url, baseline)
        time.sleep(settle)
        idle = rss_of_tree(bot.pid)
        responses = api_url.replace("/api/", "/response/bench-")
        commands = {
            "add": lambda n: signed_command(
                "/cpd", f"add 30m Bench entry {n}", user=f"U0BENCH{n % 100:03d}", response_url=f"{responses}{name}-{n}"
            ),
            "summary": lambda n: signed_command(
                "/cpd", "summary", user=f"U0BENCH{n % 100:03d}", response_url=f"{responses}{name}-{n}"
            ),
        }
        for name, make in commands.items():
            for concurrency in concurrencies:
                n = max(requests, concurrency * 20) if concurrency > 1 else max(requests // 4, 50)
                base_stats = load(base_url, concurrency, n, make)
                time.sleep(settle)
                bot_stats = load(bot_url, concurrency, n, make)
                peak = max(peak, rss_of_tree(bot.pid))
                time.sleep(settle)  # let acknowledged work finish before the next run
                peak = max(peak, rss_of_tree(bot.pid))
                rows.append(
                    {"command": f"/cpd {name}", "c": concurrency, "baseline": base_stats, "techcommit": bot_stats}
                )
    return rows, idle, peak
