"""What the benchmarks share: processes, signed requests, percentiles, resident memory."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TECHCOMMIT = str(Path(sys.executable).with_name("techcommit"))
TOKEN = "xoxb-bench-token"
SECRET = "bench-signing-secret-0123456789abcdef"


def bench_call(api_url: str, method: str, **args: object) -> dict[str, Any]:
    """Call one of the benchmark fake's own methods (`bench.*`, see bench/fake_server.py)."""
    request = urllib.request.Request(
        api_url + method,
        data=json.dumps(args).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def _kb_field(path: Path, name: str) -> float:
    for line in path.read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (Linux /proc)."""
    return _kb_field(Path(f"/proc/{pid}/status"), "VmRSS")


def tree(pid: int) -> list[int]:
    """The process and all its descendants (pre-forked workers, their work processes)."""
    found = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            found += tree(int(child))
    return found


@dataclass(frozen=True)
class Memory:
    """Memory of a process tree, in MB.

    `rss` adds up each process's resident size, so pages a forked process still shares with its
    parent count once per process; `pss` (proportional set size) divides each shared page among
    the processes sharing it, so it adds up to what the tree takes from the machine.
    """

    processes: int
    rss: float
    pss: float
    largest_rss: float

    def most(self, other: Memory) -> Memory:
        return Memory(
            max(self.processes, other.processes),
            max(self.rss, other.rss),
            max(self.pss, other.pss),
            max(self.largest_rss, other.largest_rss),
        )


def memory_of_tree(pid: int) -> Memory:
    pids = tree(pid)
    sizes = [rss_mb(p) for p in pids]
    pss = sum(_kb_field(Path(f"/proc/{p}/smaps_rollup"), "Pss") for p in pids)
    return Memory(len(pids), sum(sizes), pss, max(sizes))


def wait_healthy(base: str, process: subprocess.Popen[bytes], timeout: float = 30) -> float:
    """Seconds until GET /healthz answers 200."""
    started = time.monotonic()
    host, port = base.removeprefix("http://").split(":")
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection(host, int(port), timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return time.monotonic() - started
        except OSError:
            time.sleep(0.02)
    raise TimeoutError("server did not become healthy")


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Run a process for the duration of the block; its output goes to `log` (appended) if given."""
    with log.open("ab") if log else open(os.devnull, "wb") as out:
        proc = subprocess.Popen(args, env={**os.environ, **env}, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class SignedCommand:
    """A slash command body with a valid v0 signature, ready to POST."""

    body: bytes
    headers: dict[str, str]


def signed_command(command: str, text: str, *, user: str, response_url: str) -> SignedCommand:
    fields = {
        "token": "x",
        "team_id": "T0BENCH",
        "team_domain": "bench",
        "channel_id": "C0BENCH",
        "channel_name": "bench",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0BENCH",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{time.time():.0f}.{uuid.uuid4().hex}",
    }
    body = urllib.parse.urlencode(fields).encode()
    timestamp = str(int(time.time()))
    signature = "v0=" + hmac.new(SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return SignedCommand(
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
        },
    )


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(values, 50) * 1000,
        "p99": percentile(values, 99) * 1000,
        "mean": statistics.fmean(values) * 1000 if values else float("nan"),
    }


def logged_problems(log: Path) -> list[str]:
    """The WARNING and ERROR lines a process wrote to its log.

    Leaves out waitress's "Task queue depth" notes: at concurrency 32 every HTTP thread is busy by design.
    """
    if not log.exists():
        return []
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line for line in lines if (" WARNING " in line or " ERROR " in line) and "waitress.queue" not in line]
