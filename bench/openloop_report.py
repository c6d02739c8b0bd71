"""The open-loop benchmark's Markdown report: the legend, what was measured, and one table per configuration."""

from __future__ import annotations

import math
import statistics
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.openloop import Config


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
