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
    `bench.fanout_start` and `bench.fanout_result` set up and read out the fan-out benchmark;
    `bench.fanout_start` can also make each `chat.postMessage` take a network round trip, half on the
    way in (before the rate limit sees the call, as at Slack) and half on the way back.
    """

    def __init__(self) -> None:
        super().__init__(token=TOKEN)
        self.answered: dict[str, float] = {}
        self.round_trip = 0.0

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
            self.round_trip = float(args.get("round_trip_ms", 0)) / 1000
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
        if method == "chat.postMessage" and self.round_trip:
            time.sleep(self.round_trip / 2)
            answer = super().handle_api(method, args, headers, bearer)
            time.sleep(self.round_trip / 2)
            return answer
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
