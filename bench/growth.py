"""Data growth: per-person views and organisation reports at 10k, 100k and 1M CPD rows."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert

from bot.dispatch import Dispatcher, Who
from handlers.clock import FixedClock
from handlers.context import Policy
from storage.db import make_engine
from storage.models import CpdEntry, Event, EventRsvp, PlanAction, PlanActionQuarter, RegJourney, RegStageChange
from storage.people import PersonId
from storage.schema import upgrade
from storage.uow import unit_of_work_factory

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
USERS = 10_000
TEAM = "T0BENCH"
KINDS = ("work", "professional", "formal", "self", "other")
BATCH = 20_000


def user(n: int) -> str:
    return f"U0USER{n:05d}"


def _batches(engine: Engine, table: object, rows: Callable[[int], dict[str, object]], count: int) -> None:
    with engine.begin() as conn:
        for start in range(0, count, BATCH):
            conn.execute(insert(table), [rows(n) for n in range(start, min(count, start + BATCH))])  # type: ignore[arg-type]


def populate(engine: Engine, cpd_rows: int) -> None:
    """`cpd_rows` CPD entries over 10,000 people, 2,000 events with 50,000 RSVPs, 5,000 plan actions."""
    rng = random.Random(7)
    first_day = date(2024, 1, 1)
    _batches(
        engine,
        CpdEntry.__table__,
        lambda n: {
            "platform": "slack",
            "team_id": TEAM,
            "user_id": user(n % USERS),
            "occurred_on": first_day + timedelta(days=rng.randrange(1050)),
            "minutes": 30 + n % 240,
            "activity_type": KINDS[n % 5],
            "title": f"Activity {n}",
            "reflection": "learned" if n % 3 else "",
            "benefit": "helps" if n % 4 else "",
            "evidence_url": "",
            "source": None,
            "created_at": NOW,
            "updated_at": NOW,
        },
        cpd_rows,
    )
    _batches(
        engine,
        Event.__table__,
        lambda n: {
            "title": f"Event {n}",
            "description": "",
            "starts_at": NOW + timedelta(days=n % 400 - 200),
            "ends_at": NOW + timedelta(days=n % 400 - 200, hours=1),
            "location": "Hub",
            "capacity": 40,
            "cpd_minutes": 60,
            "cpd_type": "professional",
            "channel_id": "C0BENCH",
            "organiser_platform": "slack",
            "organiser_user_id": user(n),
            "status": "scheduled",
            "cancel_reason": "",
            "created_at": NOW,
            "updated_at": NOW,
        },
        2000,
    )
    _batches(
        engine,
        EventRsvp.__table__,
        lambda n: {
            "event_id": n % 2000 + 1,
            "platform": "slack",
            "team_id": TEAM,
            "user_id": user((n // 2000 * 397 + n % 7) % USERS),
            "response": "going" if n % 5 else "maybe",
            "waitlisted_at": None,
            "responded_at": NOW,
        },
        50_000,
    )
    _batches(
        engine,
        PlanAction.__table__,
        lambda n: {
            "ref": f"P{n}",
            "plan_year_number": 1,
            "title": f"Action {n}",
            "pillar": ("visibility", "recognition", "career-development", "sustainability", None)[n % 5],
            "owner_platform": "slack",
            "owner_user_id": user(n),
            "created_at": NOW,
            "updated_at": NOW,
        },
        5000,
    )
    _batches(
        engine,
        PlanActionQuarter.__table__,
        lambda n: {"action_id": n + 1, "plan_year": 2026, "quarter": n % 4 + 1},
        5000,
    )
    _batches(
        engine,
        RegJourney.__table__,
        lambda n: {
            "platform": "slack",
            "team_id": TEAM,
            "user_id": user(n),
            "register": ("RSciTech", "EngTech")[n % 2],
            "stage": ("exploring", "joined", "evidence")[n % 3],
            "stage_since": NOW,
            "target_date": None,
            "body": "",
            "started_at": NOW,
            "updated_at": NOW,
        },
        USERS // 2,
    )
    _batches(
        engine,
        RegStageChange.__table__,
        lambda n: {
            "journey_id": n // 2 + 1,
            "stage": ("exploring", "joined")[n % 2],
            "changed_at": NOW - timedelta(days=60 - 20 * (n % 2) + n % 13),
        },
        USERS,
    )


def timed(call: Callable[[], object], runs: int = 15) -> float:
    call()  # warm caches
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples) * 1000


def run(*, database_url: str, cpd_rows: int) -> dict[str, float]:
    engine = make_engine(database_url)
    upgrade(engine)
    built = time.perf_counter()
    populate(engine, cpd_rows)
    build_seconds = time.perf_counter() - built
    policy = Policy(admin_user_ids=frozenset({"UADMIN"}))
    bot = Dispatcher(uow=unit_of_work_factory(engine), clock=FixedClock(NOW), policy=policy)
    person = Who(PersonId("slack", TEAM, user(1234)), "bench")
    admin = Who(PersonId("slack", TEAM, "UADMIN"), "admin")
    results = {
        "rows per person": cpd_rows / USERS,
        "build s": build_seconds,
        "/cpd summary": timed(lambda: bot.command(person, "cpd", "summary")),
        "/cpd list": timed(lambda: bot.command(person, "cpd", "list all")),
        "App Home": timed(lambda: bot.home(person)),
        "/plan report": timed(lambda: bot.command(admin, "plan", "report 2026Q1")),
        "/reg stats": timed(lambda: bot.command(admin, "reg", "stats")),
    }
    engine.dispose()
    return results
