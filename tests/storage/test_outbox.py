"""The delivery outbox: unique keys, atomic claims, and the states a delivery goes through."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from handlers.clock import FixedClock
from scheduler.sender import HEARTBEAT, LEASE
from storage import outbox
from storage.outbox import INTERRUPTED, Outgoing
from storage.uow import UnitOfWorkFactory

ME = "here@00000000:100:aaaaaaaa"
DEAD = "there@11111111:200:bbbbbbbb"  # a sender that died (on another machine: only its lease tells)
OTHER = "there@11111111:300:cccccccc"  # another sender, alive


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

    def sender(holder: str) -> None:
        barrier.wait()
        mine: list[int] = []
        while True:
            with uow_factory(write=True) as uow:
                rows = outbox.claim_due(uow, now=clock.now(), limit=7, lease=LEASE, holder=holder)
                uow.commit()
            if not rows:
                break
            mine += [row.id for row in rows]
        claimed.append(mine)

    threads = [threading.Thread(target=sender, args=(f"host@0:1:{n}",)) for n in range(4)]
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
        [row] = outbox.claim_due(uow, now=now, limit=10, lease=LEASE, holder=ME)
        assert outbox.claim_due(uow, now=now, limit=10, lease=LEASE, holder=ME) == []  # claimed: not due again
        assert outbox.mark_sending(uow, delivery_id=row.id, now=now, lease=LEASE, holder=ME)
        assert not outbox.mark_sending(uow, delivery_id=row.id, now=now, lease=LEASE, holder=ME)
        outbox.mark_retry(uow, delivery_id=row.id, error="ratelimited", at=now + timedelta(seconds=30))
        assert outbox.claim_due(uow, now=now, limit=10, lease=LEASE, holder=ME) == []  # not yet
        [again] = outbox.claim_due(uow, now=now + timedelta(seconds=31), limit=10, lease=LEASE, holder=ME)
        outbox.mark_sending(uow, delivery_id=again.id, now=now, lease=LEASE, holder=ME)
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
        first, second = outbox.claim_due(uow, now=now, limit=10, lease=LEASE, holder=DEAD)
        outbox.mark_sending(uow, delivery_id=second.id, now=now, lease=LEASE, holder=DEAD)  # then the process died
        uow.commit()
    later = now + LEASE + timedelta(seconds=1)
    with uow_factory(write=True) as uow:
        assert outbox.fail_interrupted(uow, now=later) == 1
        [taken] = outbox.claim_due(uow, now=later, limit=10, lease=LEASE, holder=ME)
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
        first = outbox.claim_due(uow, now=clock.now(), limit=50, lease=LEASE, holder=ME)
        uow.commit()
    with uow_factory(write=True) as uow:
        pending = [row for row in outbox.list_deliveries(uow, limit=500) if row.status == "pending"]
    assert [row.key for row in first] == [f"test:{n}" for n in range(50)]
    assert len(pending) == 70


# -- senders that die ----------------------------------------------------------------------------------


def to(n: int, who: str) -> Outgoing:
    return Outgoing(key=f"test:{n}", kind="test", platform="slack", recipient=who, params={"n": n})


def queue(uow_factory: UnitOfWorkFactory, at: datetime, *messages: Outgoing) -> None:
    with uow_factory(write=True) as uow:
        for one in messages:
            outbox.enqueue(uow, message=one, now=at)
        uow.commit()


def claim(uow_factory: UnitOfWorkFactory, holder: str, at: datetime, limit: int = 10) -> list[str]:
    """One claim as a sender makes it: first the interrupted sends of dead senders, then due rows."""
    with uow_factory(write=True) as uow:
        outbox.fail_interrupted(uow, now=at)
        rows = outbox.claim_due(uow, now=at, limit=limit, lease=LEASE, holder=holder)
        uow.commit()
    return [row.key for row in rows]


def sending(uow_factory: UnitOfWorkFactory, key: str, holder: str, at: datetime) -> bool:
    """The holder's `mark_sending` of the row with this key: whether it may make the platform call."""
    with uow_factory(write=True) as uow:
        [row] = [row for row in outbox.list_deliveries(uow) if row.key == key]
        mine = outbox.mark_sending(uow, delivery_id=row.id, holder=holder, now=at, lease=LEASE)
        uow.commit()
    return mine


def sent(uow_factory: UnitOfWorkFactory, key: str, holder: str, at: datetime) -> None:
    assert sending(uow_factory, key, holder, at)
    with uow_factory(write=True) as uow:
        [row] = [row for row in outbox.list_deliveries(uow) if row.key == key]
        outbox.mark_sent(uow, delivery_id=row.id, now=at, channel="D", ts="1.0")
        uow.commit()


def statuses(uow_factory: UnitOfWorkFactory) -> dict[str, tuple[str, str | None]]:
    with uow_factory(write=False) as uow:
        return {row.key: (row.status, row.last_error) for row in outbox.list_deliveries(uow)}


def test_a_dead_senders_claims_are_taken_again_within_the_lease_before_rows_queued_after_them(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    queue(uow_factory, now, *(message(n) for n in range(1, 5)))
    assert claim(uow_factory, DEAD, now, limit=3) == ["test:1", "test:2", "test:3"]
    assert sending(uow_factory, "test:2", DEAD, now)  # then the process died: no more heartbeats
    queue(uow_factory, now + timedelta(seconds=5), message(5), message(6))
    lapsed = now + LEASE + timedelta(seconds=1)  # by the clock: half a minute, not five
    assert claim(uow_factory, ME, lapsed, limit=3) == ["test:1", "test:3", "test:4"]  # in their place
    assert claim(uow_factory, ME, lapsed) == ["test:5", "test:6"]
    assert claim(uow_factory, OTHER, lapsed) == []
    assert "test:2" not in claim(uow_factory, OTHER, lapsed + timedelta(hours=1))  # (mine lapse meanwhile)
    assert statuses(uow_factory)["test:2"] == ("failed", INTERRUPTED)  # may have arrived: never sent again
    assert not sending(uow_factory, "test:2", DEAD, lapsed)


def test_a_live_senders_claims_are_not_taken_while_it_renews_them(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    queue(uow_factory, now, message(1), message(2))
    assert claim(uow_factory, ME, now) == ["test:1", "test:2"]
    assert sending(uow_factory, "test:2", ME, now)  # a slow call to Slack, waiting out a 429, say
    at = now
    for beat in range(1, 10):  # three times the lease and more
        at = now + beat * HEARTBEAT
        with uow_factory(write=True) as uow:
            assert outbox.renew(uow, holder=ME, now=at, lease=LEASE) == 2
            uow.commit()
        queue(uow_factory, at, message(10 + beat))
        assert claim(uow_factory, OTHER, at + HEARTBEAT / 2) == [f"test:{10 + beat}"]  # only what is free
        sent(uow_factory, f"test:{10 + beat}", OTHER, at + HEARTBEAT / 2)
    assert statuses(uow_factory)["test:2"] == ("sending", None)
    assert sending(uow_factory, "test:1", ME, at)


def test_a_claim_taken_over_from_a_sender_that_stopped_renewing_is_no_longer_its_to_send(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    queue(uow_factory, now, message(1))
    assert claim(uow_factory, OTHER, now) == ["test:1"]
    later = now + LEASE + timedelta(seconds=1)  # it froze past its lease, and then carried on
    assert claim(uow_factory, ME, later) == ["test:1"]
    assert not sending(uow_factory, "test:1", OTHER, later)
    assert sending(uow_factory, "test:1", ME, later)


def test_a_sender_known_to_be_gone_is_taken_over_at_once_and_its_claims_keep_their_place(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    queue(uow_factory, now, *(message(n) for n in range(1, 5)))
    assert claim(uow_factory, DEAD, now, limit=3) == ["test:1", "test:2", "test:3"]
    assert sending(uow_factory, "test:2", DEAD, now)
    assert claim(uow_factory, OTHER, now, limit=1) == ["test:4"]
    queue(uow_factory, now, message(5))
    with uow_factory(write=True) as uow:
        assert sorted(outbox.holders(uow)) == [DEAD, OTHER]
        assert outbox.fail_interrupted(uow, now=now, gone=[DEAD]) == 1
        assert outbox.release(uow, gone=[DEAD]) == 2
        assert outbox.claim_due(uow, now=now, limit=10, lease=LEASE, holder=ME) != []
        uow.commit()
    shown = statuses(uow_factory)
    assert shown["test:2"] == ("failed", INTERRUPTED)
    assert shown["test:4"] == ("claimed", None)  # the live sender's claim is left alone
    with uow_factory(write=False) as uow:
        mine = [row.key for row in outbox.list_deliveries(uow) if row.claimed_by == ME]
    assert sorted(mine) == ["test:1", "test:3", "test:5"]
    assert not sending(uow_factory, "test:3", DEAD, now)


def test_a_persons_later_message_waits_while_an_earlier_one_is_in_another_live_senders_hands(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    queue(uow_factory, now, to(1, "UX"), to(2, "UY"), to(3, "UX"), to(4, "UZ"))
    assert claim(uow_factory, OTHER, now, limit=1) == ["test:1"]
    assert claim(uow_factory, ME, now) == ["test:2", "test:4"]  # not test:3 before test:1
    assert claim(uow_factory, OTHER, now) == ["test:3"]  # its holder sends the two in turn itself


def test_a_dead_senders_claim_and_the_same_persons_later_message_are_taken_together_in_order(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    queue(uow_factory, now, to(1, "UX"), to(2, "UY"), to(3, "UX"))
    assert claim(uow_factory, DEAD, now, limit=1) == ["test:1"]
    assert claim(uow_factory, ME, now) == ["test:2"]
    sent(uow_factory, "test:2", ME, now)
    assert claim(uow_factory, ME, now + LEASE + timedelta(seconds=1)) == ["test:1", "test:3"]
