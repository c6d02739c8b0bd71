"""Start-up time of `serve` (to a healthy /healthz) and of `console` (to its first prompt)."""

from __future__ import annotations

import os
import subprocess
import time

from bench.common import ROOT, SECRET, TECHCOMMIT, TOKEN, free_port, process, wait_healthy


def serve_startup(*, database_url: str, api_url: str, runs: int = 3) -> float:
    env = {
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "SCHEDULER_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
    }
    times = []
    for _ in range(runs):
        port = free_port()
        with process([TECHCOMMIT, "serve", "--host", "127.0.0.1", "--port", str(port)], env) as bot:
            times.append(wait_healthy(f"http://127.0.0.1:{port}", bot))
    return min(times)


def console_startup(*, database_url: str, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        began = time.monotonic()
        proc = subprocess.Popen(
            [TECHCOMMIT, "console"],
            env={**os.environ, "DATABASE_URL": database_url},
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdout is not None and proc.stdin is not None
        seen = b""
        while b"> " not in seen:
            chunk = proc.stdout.read1(1024)  # type: ignore[attr-defined]
            if not chunk:
                break
            seen += chunk
        times.append(time.monotonic() - began)
        proc.stdin.write(b"quit\n")
        proc.stdin.close()
        proc.wait(10)
    return min(times)
