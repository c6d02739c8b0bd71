"""`./tc bench [--quick] [--only openloop,fanout,growth,footprint] [--db sqlite,postgresql]`: print the tables.

`openloop` (bench/openloop.py) measures what people wait for: `/cpd add` at fixed arrival rates, the time
to the acknowledgement and to the answer. It starts the `techcommit` executable given by `--techcommit`
(this checkout's by default, or any other's to compare) and takes a few minutes per database and number
of workers.
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

from bench import footprint, openloop
from bench.common import ROOT

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
    parser.add_argument("--only", default="openloop,fanout,growth,footprint")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2", help="`serve` worker processes for the open-loop benchmark")
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
