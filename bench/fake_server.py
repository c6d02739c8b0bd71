"""A fake Slack Web API in its own process for benchmarks: `python -m bench.fake_server`.

Real Slack checks Block Kit on its own machines; here that check would take CPU from the bot
being measured (this machine's cores are shared), so the benchmark fake skips it. The test
suite's fake always checks.
"""

from __future__ import annotations

import sys
import threading

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


def main() -> None:
    without_block_kit_checks()
    fake = FakeSlack(token=TOKEN)
    fake.open_response_prefix = "bench-"
    fake.start()
    print(fake.api_url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    sys.exit(main())
