"""The quarterly fan-out: 1,000 owners with 5,000 actions against a rate-limited fake Slack."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

from bench.common import TOKEN, bench_call
from bot.composition import build
from bot.runtime import build_senders
from bot.settings import load_settings
from handlers.clock import FixedClock
from handlers.plan.importer import parse_plan
from handlers.plan.importing import OwnerResolver, import_plan
from storage.db import make_engine
from storage.schema import upgrade

AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # Monday 23 Nov 2026: plan quarter 2026Q1 has started


def run(
    *,
    database_url: str,
    api_url: str,
    owners: int = 1000,
    actions_each: int = 5,
    rate: float = 50.0,
    round_trip_ms: float = 0.0,
) -> dict[str, float]:
    """One quarterly pass through the scheduler, as `serve` runs it, against the fake at `api_url`.

    The fake runs in a process of its own, as Slack does, so that its work is not charged to the
    sender. `round_trip_ms` is added to every post, as the internet between the bot and Slack adds it.
    """
    engine = make_engine(database_url)
    upgrade(engine)
    rows = ["ref,year,title,owner,quarters,pillar"] + [
        f"F{o}-{a},2026,Action {a} of owner {o},U0OWNER{o:05d},Q1,visibility"
        for o in range(owners)
        for a in range(actions_each)
    ]
    bench_call(api_url, "bench.fanout_start", per_second=rate, round_trip_ms=round_trip_ms)
    settings = load_settings(
        _env_file=None,
        database_url=database_url,
        slack_bot_token=TOKEN,
        slack_api_url=api_url,
        slack_post_rate=rate,  # the operator sets the workspace's limit, as Slack documents it
        log_level="WARNING",
    )
    deps = build(settings, clock=FixedClock(AT), engine=engine)
    parsed = parse_plan("\n".join(rows).encode(), plan_start_month=11)
    with deps.uow(write=True) as uow:
        import_plan(uow, parsed, resolve=OwnerResolver("slack", None), default_owner=None, now=AT)
        uow.commit()
    began = time.perf_counter()
    senders = build_senders(deps)
    result = senders.sweep()
    elapsed = time.perf_counter() - began
    second = senders.sweep()  # a second pass must send nothing
    senders.close()
    engine.dispose()
    fake = bench_call(api_url, "bench.fanout_result")
    delivered = Counter(fake["channels"])
    return {
        "messages": owners,
        "round trip ms": round_trip_ms,
        "seconds": elapsed,
        "bound": owners / rate,
        "ratio": elapsed / (owners / rate),
        "429s": fake["count_429"],
        "duplicates": sum(n - 1 for n in delivered.values() if n > 1),
        "losses": owners - len(delivered),
        "failed": len(result.sending.failed),
        "second_pass_sent": len(second.sending.sent),
    }
