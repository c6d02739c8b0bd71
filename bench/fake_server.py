"""A fake Slack Web API in its own process for benchmarks: `python -m bench.fake_server`.

Real Slack checks Block Kit on its own machines; here that check would take CPU from the bot
being measured (this machine's cores are shared), so the benchmark fake skips it. The test
suite's fake always checks.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from bench.common import TOKEN
from tests.support import fakeslack, fakeslack_methods
from tests.support.fakeslack import FakeSlack


def _no_check(payload: object) -> list[str]:
    return []


def without_block_kit_checks() -> None:
    """Make fakes in this process skip Block Kit checks (benchmarks only)."""
    fakeslack.check_message = _no_check  # type: ignore[assignment]
    fakeslack_methods.check_message = _no_check  # type: ignore[assignment]
    fakeslack_methods.check_view = _no_check  # type: ignore[assignment]


class TimingFake(FakeSlack):
    """Also notes when each response URL was first posted to, and tells the benchmark on request.

    `bench.answered` (a method real Slack does not have) returns those times, wall clock, by id.
    `bench.fanout_start` and `bench.fanout_result` set up and read out the fan-out benchmark.
    """

    def __init__(self) -> None:
        super().__init__(token=TOKEN)
        self.answered: dict[str, float] = {}

    def handle_response(self, rid: str, raw: bytes) -> tuple[int, str]:
        with self.lock:
            self.answered.setdefault(rid, time.time())
        return super().handle_response(rid, raw)

    def handle_api(
        self, method: str, args: dict[str, Any], headers: dict[str, str], bearer: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if method == "bench.fanout_start":  # forget earlier calls; limit chat.postMessage as Slack would
            self.reset()
            self.rate_limit("chat.postMessage", float(args["per_second"]))
            return 200, {}, {"ok": True}
        if method == "bench.fanout_result":
            with self.lock:
                channels = [c.args["channel"] for c in self.calls if c.method == "chat.postMessage" and c.ok]
                return 200, {}, {"ok": True, "channels": channels, "count_429": self.count_429}
        if method == "bench.answered":
            prefix = str(args.get("prefix", ""))
            with self.lock:  # answers still arrive from other threads meanwhile
                answered = {k: v for k, v in self.answered.items() if k.startswith(prefix)}
            return 200, {}, {"ok": True, "answered": answered}
        return super().handle_api(method, args, headers, bearer)


def main() -> None:
    without_block_kit_checks()
    fake = TimingFake()
    fake.open_response_prefix = "bench-"
    fake.start()
    print(fake.api_url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    sys.exit(main())
