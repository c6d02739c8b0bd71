"""The delivery outbox: unique keys, atomic claims, and the states a delivery goes through."""

from __future__ import annotations

import threading
from datetime import timedelta

from handlers.clock import FixedClock
from storage import outbox
from storage.outbox import INTERRUPTED, Outgoing
from storage.uow import UnitOfWorkFactory

LEASE = timedelta(minutes=5)


def message(n: int) -> Outgoing:
    return Outgoing(key=f"test:{n}", kind="test", platform="slack", recipient=f"U{n}", params={"n": n})


def test_a_key_is_queued_once(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with uow_factory(write=True) as uow:
        assert outbox.enqueue(uow, message=message(1), now=clock.now())
        assert not outbox.enqueue(uow, message=message(1), now=clock.now())
        uow.commit()
    with uow_factory(write=True) as uow:
        assert not outbox.enqueue(uow, message=message(1), now=clock.now())
        assert outbox.exists(uow, key="test:1")
        assert [row.params for row in outbox.list_deliveries(uow)] == [{"n": 1}]


def test_claims_do_not_overlap_between_concurrent_senders(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with uow_factory(write=True) as uow:
        for n in range(60):
            outbox.enqueue(uow, message=message(n), now=clock.now())
        uow.commit()
    claimed: list[list[int]] = []
    barrier = threading.Barrier(4)

    def sender() -> None:
        barrier.wait()
        mine: list[int] = []
        while True:
            with uow_factory(write=True) as uow:
                rows = outbox.claim_due(uow, now=clock.now(), limit=7, lease=LEASE)
                uow.commit()
            if not rows:
                break
            mine += [row.id for row in rows]
        claimed.append(mine)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = [row_id for mine in claimed for row_id in mine]
    assert len(everything) == 60
    assert len(set(everything)) == 60


def test_life_of_a_delivery(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    with uow_factory(write=True) as uow:
        outbox.enqueue(uow, message=message(1), now=now)
        [row] = outbox.claim_due(uow, now=now, limit=10, lease=LEASE)
        assert outbox.claim_due(uow, now=now, limit=10, lease=LEASE) == []  # claimed: not due again
        assert outbox.mark_sending(uow, delivery_id=row.id, now=now, lease=LEASE)
        assert not outbox.mark_sending(uow, delivery_id=row.id, now=now, lease=LEASE)
        outbox.mark_retry(uow, delivery_id=row.id, error="ratelimited", at=now + timedelta(seconds=30))
        assert outbox.claim_due(uow, now=now, limit=10, lease=LEASE) == []  # not yet
        [again] = outbox.claim_due(uow, now=now + timedelta(seconds=31), limit=10, lease=LEASE)
        outbox.mark_sending(uow, delivery_id=again.id, now=now, lease=LEASE)
        outbox.mark_sent(uow, delivery_id=again.id, now=now, channel="D1", ts="1.2")
        uow.commit()
    with uow_factory(write=False) as uow:
        [stored] = outbox.list_deliveries(uow)
        assert (stored.status, stored.attempts, stored.message_ts, stored.last_error) == ("sent", 2, "1.2", None)


def test_an_abandoned_claim_is_taken_over_but_an_interrupted_send_is_not_repeated(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    with uow_factory(write=True) as uow:
        outbox.enqueue(uow, message=message(1), now=now)
        outbox.enqueue(uow, message=message(2), now=now)
        first, second = outbox.claim_due(uow, now=now, limit=10, lease=LEASE)
        outbox.mark_sending(uow, delivery_id=second.id, now=now, lease=LEASE)  # then the process died
        uow.commit()
    later = now + LEASE + timedelta(seconds=1)
    with uow_factory(write=True) as uow:
        assert outbox.fail_interrupted(uow, now=later) == 1
        [taken] = outbox.claim_due(uow, now=later, limit=10, lease=LEASE)
        assert taken.key == first.key
        uow.commit()
    with uow_factory(write=False) as uow:
        failed = outbox.list_deliveries(uow, failed_only=True)
        assert [(row.key, row.last_error) for row in failed] == [(second.key, INTERRUPTED)]


def test_a_claim_takes_no_more_than_its_limit(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with uow_factory(write=True) as uow:
        for n in range(120):
            outbox.enqueue(uow, message=message(n), now=clock.now())
        uow.commit()
    with uow_factory(write=True) as uow:
        first = outbox.claim_due(uow, now=clock.now(), limit=50, lease=LEASE)
        uow.commit()
    with uow_factory(write=True) as uow:
        pending = [row for row in outbox.list_deliveries(uow, limit=500) if row.status == "pending"]
    assert [row.key for row in first] == [f"test:{n}" for n in range(50)]
    assert len(pending) == 70
