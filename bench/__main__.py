"""`./tc bench [--quick] [--only latency,fanout,growth,footprint,openloop] [--db sqlite,postgresql]`: print the table.

`openloop` (bench/openloop.py) is not in the default set: it starts the `techcommit` executable given by
`--techcommit` (any checkout's) and takes a few minutes per database and number of workers.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import footprint, latency, openloop
from bench.common import ROOT, Memory, logged_problems

# The fan-out is run against a fake that answers at once, and again with each post taking a round
# trip like one from a UK campus to Slack's servers (measured from the bot's side: network, TLS
# already open, Slack's own work), which is what the sending has to keep enough posts in flight for.
ROUND_TRIPS_MS = (0, 200)


@contextmanager
def database(kind: str, folder: Path, name: str) -> Iterator[str]:
    """A fresh, migrated database URL."""
    from storage.db import make_engine
    from storage.schema import upgrade

    if kind == "sqlite":
        url = f"sqlite:///{folder / f'{name}.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    from tests.db import PostgresDatabase

    db = PostgresDatabase()
    db.create()
    try:
        url = db.url.render_as_string(hide_password=False)
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        db.drop()


@contextmanager
def fake_slack() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.fake_server"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(prog="./tc bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller runs (a smoke test of the benchmarks)")
    parser.add_argument("--only", default="latency,fanout,growth,footprint")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2", help="`serve` processes to measure latency with")
    parser.add_argument(
        "--repeat", type=int, default=3, help="latency runs per row, baseline and techcommit in turn (median shown)"
    )
    openloop.add_arguments(parser)
    args = parser.parse_args()
    only, kinds = set(args.only.split(",")), args.db.split(",")
    if "openloop" in only:  # its own header, fake Slack and databases; `--out` writes its Markdown to a file
        with openloop.report(args.out) as say:
            openloop.run_all(args, say)
        only.discard("openloop")
        if not only:
            return
        print()
    cpus = os.cpu_count()
    print(f"# techcommit benchmarks — {platform.node()}, {cpus} CPUs, Python {platform.python_version()}\n")
    with tempfile.TemporaryDirectory(prefix="techcommit-bench-") as tmp, fake_slack() as api_url:
        folder = Path(tmp)
        for kind in kinds:
            if "latency" in only:
                for workers in (int(w) for w in args.workers.split(",")):
                    log = folder / f"serve-{kind}-{workers}.log"
                    with database(kind, folder, f"latency{workers}") as url:
                        rows, idle, peak = latency.run(
                            database_url=url,
                            api_url=api_url,
                            concurrencies=(1, 8, 32),
                            requests=200 if args.quick else 1600,
                            workers=workers,
                            log=log,
                            repeat=1 if args.quick else args.repeat,
                        )
                    processes = f"{workers} worker process{'es' if workers > 1 else ''}"
                    print_latency(f"{kind}, {processes}", rows, idle, peak)
                    print_problems(logged_problems(log))
            if "fanout" in only:
                from bench import fanout  # imports the bot (bench/openloop.py does not)

                fanouts = []
                for round_trip_ms in ROUND_TRIPS_MS:
                    with database(kind, folder, f"fanout{round_trip_ms}") as url:
                        fanouts.append(
                            fanout.run(
                                database_url=url,
                                api_url=api_url,
                                owners=100 if args.quick else 1000,
                                round_trip_ms=round_trip_ms,
                            )
                        )
                print_fanout(kind, fanouts)
            if "growth" in only:
                from bench import growth

                sizes = (10_000, 100_000) if args.quick else (10_000, 100_000, 1_000_000)
                results = {}
                for size in sizes:
                    with database(kind, folder, f"growth{size}") as url:
                        results[size] = growth.run(database_url=url, cpd_rows=size)
                print_growth(kind, results)
            if "footprint" in only:
                with database(kind, folder, "footprint") as url:
                    print(f"## Start-up ({kind})\n\n| what | seconds |\n|---|---|")
                    serve_seconds = footprint.serve_startup(database_url=url, api_url=api_url)
                    print(f"| `serve` to healthy /healthz | {serve_seconds:.2f} |")
                    print(f"| `console` to its first prompt | {footprint.console_startup(database_url=url):.2f} |\n")


def print_latency(kind: str, rows: list[dict[str, object]], idle: Memory, peak: Memory) -> None:
    print(f"## Command latency, time to the HTTP response ({kind}) — ms\n")
    print(
        "| command | conc. | baseline p50 | techcommit p50 | ratio | baseline p99 | techcommit p99 | "
        "baseline req/s | techcommit req/s | errors | answer p50 | answer p99 | unanswered | ratios of the runs |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        b, t, a, ratios = row["baseline"], row["techcommit"], row["answer"], row["ratios"]
        assert isinstance(b, dict) and isinstance(t, dict) and isinstance(a, dict) and isinstance(ratios, list)
        print(
            f"| {row['command']} | {row['c']} | {b['p50']:.1f} | {t['p50']:.1f} | {t['p50'] / b['p50']:.2f} | "
            f"{b['p99']:.1f} | {t['p99']:.1f} | {b['rps']:.0f} | {t['rps']:.0f} | {t['errors']:.0f} | "
            f"{a['p50']:.1f} | {a['p99']:.1f} | {a['unanswered']:.0f} | {' / '.join(f'{r:.2f}' for r in ratios)} |"
        )
    print(
        f"\n`serve` memory, its {idle.processes} processes together (PSS): {idle.pss:.0f} MB idle, "
        f"{peak.pss:.0f} MB at most under this load. Their resident sizes added up (RSS, shared pages counted "
        f"in every process): {idle.rss:.0f} / {peak.rss:.0f} MB; the largest process: {idle.largest_rss:.0f} / "
        f"{peak.largest_rss:.0f} MB.\n"
    )


def print_problems(lines: list[str]) -> None:
    """`serve`'s warnings and errors during the run (an answer that missed its response URL shows here)."""
    print(f"`serve` logged {len(lines)} warnings or errors" + (":\n" if lines else ".\n"))
    for line in lines[:10]:
        print(f"    {line[:300]}")
    if lines:
        print()


def print_fanout(kind: str, results: list[dict[str, float]]) -> None:
    r = results[0]
    print(f"## Quarterly fan-out ({kind}): {r['messages']:.0f} owners, 50 chat.postMessage/s allowed\n")
    print(
        "| round trip to Slack, ms | seconds | lower bound | ratio | 429s | duplicates | losses | failed | "
        "sent by a second pass |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['round trip ms']:.0f} | {r['seconds']:.1f} | {r['bound']:.1f} | {r['ratio']:.2f} | "
            f"{r['429s']:.0f} | {r['duplicates']:.0f} | {r['losses']:.0f} | {r['failed']:.0f} | "
            f"{r['second_pass_sent']:.0f} |"
        )
    print()


def print_growth(kind: str, results: dict[int, dict[str, float]]) -> None:
    names = [k for k in next(iter(results.values())) if k not in ("rows per person", "build s")]
    print(f"## Data growth ({kind}) — median ms per call for one person / one report\n")
    print("| CPD rows | rows/person | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for size, r in results.items():
        print(f"| {size:,} | {r['rows per person']:.0f} | " + " | ".join(f"{r[n]:.1f}" for n in names) + " |")
    print()


if __name__ == "__main__":
    main()
