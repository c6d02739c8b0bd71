"""The scheduler pass at a time T: what is due, sent once, retried, never for a past quarter."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from handlers import ui
from handlers.calendar import WorkingDays
from handlers.clock import FixedClock
from handlers.context import Policy
from scheduler.passes import due_now, run_pass
from scheduler.sender import LEASE, MAX_ATTEMPTS, DeliveryFailed, SentMessage, _send_in_turn, senders_for
from storage import outbox
from storage import plan as plan_repo
from storage.outbox import Outgoing
from storage.uow import UnitOfWorkFactory
from tests.plan_data import csv_plan, load_plan
from tests.support.notifier import RecordingNotifier

LONDON = ZoneInfo("Europe/London")
POLICY = Policy(working_days=WorkingDays("GB-ENG"))
STEERING = "CSTEER"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.fixture
def plan(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    load_plan(
        uow_factory,
        csv_plan(
            [
                ("A1", 2018, "Steering group", "U01ALICE", "Q1 Q4", ""),
                ("A2", 2018, "Comms plan", "U01ALICE", "Q4", "visibility"),
                ("A3", 2018, "Skills audit", "U02BOB", "Q4", "sustainability"),
                ("A4", 2018, "Registration workshops", "U03CAROL", "Q1", "recognition"),
                ("A5", 2018, "Awards", "", "Q4", "recognition"),
            ]
        ),
        now=clock.now(),
    )


def run(uow_factory: UnitOfWorkFactory, at: datetime, notifier: RecordingNotifier, channel: str = ""):  # type: ignore[no-untyped-def]
    return run_pass(uow=uow_factory, clock=FixedClock(at), policy=POLICY, notifier=notifier, report_channel=channel)


@pytest.mark.usefixtures("plan")
def test_owners_get_one_dm_at_09_00_on_the_quarters_first_working_day(uow_factory: UnitOfWorkFactory) -> None:
    notifier = RecordingNotifier()
    assert run(uow_factory, local("2019-08-01T08:59"), notifier).queued == []  # Thu 1 Aug 2019, not yet 09:00
    result = run(uow_factory, local("2019-08-01T09:00"), notifier)
    assert sorted(result.queued) == ["plan-quarter:2018Q4:slack:U01ALICE", "plan-quarter:2018Q4:slack:U02BOB"]
    assert sorted(r for r, _ in notifier.sent) == ["U01ALICE", "U02BOB"]
    again = run(uow_factory, local("2019-08-01T09:00"), notifier)
    assert again.queued == []
    assert again.sending.sent == []
    assert len(notifier.sent) == 2


@pytest.mark.usefixtures("plan")
def test_the_dm_lists_exactly_the_owners_actions_due_that_quarter(uow_factory: UnitOfWorkFactory) -> None:
    from handlers.plan.messages import quarter_message
    from handlers.plan.quarters import Quarter

    with uow_factory(write=False) as uow:
        reply = quarter_message(uow, owner=("slack", "U01ALICE"), quarter=Quarter(2018, 4), start_month=11)
        assert reply is not None
        shown = " ".join(getattr(b, "text", "") for b in reply.blocks)
        assert "*A1* Steering group" in shown
        assert "*A2* Comms plan" in shown
        assert "A3" not in shown
        assert "A4" not in shown
        labels = [b.label for block in reply.blocks for b in getattr(block, "buttons", ())][:5]
        assert labels == ["On track", "At risk", "Blocked", "Done", "Add note"]
        assert quarter_message(uow, owner=("slack", "U03CAROL"), quarter=Quarter(2018, 4), start_month=11) is None


@pytest.mark.usefixtures("plan")
def test_a_quarter_starting_on_a_weekend_waits_for_monday(uow_factory: UnitOfWorkFactory) -> None:
    # 2020Q? : plan year 2019 Q1 starts Fri 1 Nov 2019; Q2 starts Sat 1 Feb 2020 → Mon 3 Feb 2020.
    load_plan(uow_factory, csv_plan([("B1", 2019, "Later", "U04DAN", "Q2", "")]), now=datetime(2019, 1, 1, tzinfo=UTC))
    notifier = RecordingNotifier()
    assert run(uow_factory, local("2020-02-01T10:00"), notifier).queued == []
    assert run(uow_factory, local("2020-02-03T09:00"), notifier).queued == ["plan-quarter:2019Q2:slack:U04DAN"]


@pytest.mark.usefixtures("plan")
def test_follow_ups_go_only_to_owners_still_without_an_update(uow_factory: UnitOfWorkFactory) -> None:
    notifier = RecordingNotifier()
    run(uow_factory, local("2019-08-01T09:00"), notifier)
    with uow_factory(write=True) as uow:
        for ref in ("A1", "A2"):
            action = plan_repo.get_action(uow, ref=ref)
            assert action is not None
            plan_repo.add_status(
                uow,
                action=action,
                plan_year=2018,
                quarter=4,
                status="on-track",
                note="",
                by=("slack", "U01ALICE"),
                now=local("2019-08-05T10:00"),
            )
        uow.commit()
    assert run(uow_factory, local("2019-08-15T08:59"), notifier).queued == []  # 14 days after 1 Aug, 09:00
    result = run(uow_factory, local("2019-08-15T09:00"), notifier)
    assert result.queued == ["plan-followup:2018Q4:slack:U02BOB"]
    assert notifier.sent[-1][0] == "U02BOB"


@pytest.mark.usefixtures("plan")
def test_a_follow_up_queued_but_made_moot_before_sending_is_skipped(uow_factory: UnitOfWorkFactory) -> None:
    notifier = RecordingNotifier()
    run(uow_factory, local("2019-08-01T09:00"), notifier)
    notifier.failures = [DeliveryFailed("ratelimited", permanent=False)]
    run(uow_factory, local("2019-08-15T09:00"), notifier)  # U01ALICE's follow-up fails once; U02BOB's goes
    with uow_factory(write=True) as uow:
        for ref in ("A1", "A2"):
            action = plan_repo.get_action(uow, ref=ref)
            assert action is not None
            plan_repo.add_status(
                uow,
                action=action,
                plan_year=2018,
                quarter=4,
                status="done",
                note="",
                by=("slack", "U01ALICE"),
                now=local("2019-08-15T09:01"),
            )
        uow.commit()
    result = run(uow_factory, local("2019-08-15T10:00"), notifier)
    assert result.sending.skipped == ["plan-followup:2018Q4:slack:U01ALICE"]


@pytest.mark.usefixtures("plan")
def test_failures_are_retried_with_backoff_then_recorded(uow_factory: UnitOfWorkFactory) -> None:
    notifier = RecordingNotifier()
    notifier.failures = [DeliveryFailed("Slack said ratelimited", permanent=False) for _ in range(10)]
    at = local("2019-08-01T09:00")
    first = run(uow_factory, at, notifier)
    assert sorted(first.sending.retrying) == ["plan-quarter:2018Q4:slack:U01ALICE", "plan-quarter:2018Q4:slack:U02BOB"]
    assert run(uow_factory, at + timedelta(seconds=10), notifier).sending.retrying == []  # backoff: not yet
    for minutes in (1, 5, 20, 60):
        run(uow_factory, at + timedelta(minutes=minutes), notifier)
    with uow_factory(write=False) as uow:
        failed = outbox.list_deliveries(uow, failed_only=True)
        assert len(failed) == 2
        assert all(row.attempts == MAX_ATTEMPTS for row in failed)
        assert all("ratelimited" in (row.last_error or "") for row in failed)
    assert notifier.sent == []


class Killed(BaseException):
    """The process dies (SIGKILL) at this point."""


@pytest.mark.usefixtures("plan")
def test_a_sender_killed_while_waiting_for_the_rate_limit_sends_that_message_later(
    uow_factory: UnitOfWorkFactory,
) -> None:
    notifier = RecordingNotifier()

    def die() -> None:
        raise Killed

    notifier.while_waiting = die
    at = local("2019-08-01T09:00")
    with pytest.raises(Killed):
        run(uow_factory, at, notifier)
    assert notifier.sent == []
    later = run(uow_factory, at + LEASE + timedelta(seconds=1), notifier)  # the dead sender's claim has lapsed
    assert sorted(r for r, _ in notifier.sent) == ["U01ALICE", "U02BOB"]  # nothing written off as interrupted
    assert later.sending.failed == []


@pytest.mark.usefixtures("plan")
def test_a_permanent_failure_is_not_retried(uow_factory: UnitOfWorkFactory) -> None:
    notifier = RecordingNotifier()
    notifier.failures = [DeliveryFailed("Slack said user_not_found", permanent=True)]
    result = run(uow_factory, local("2019-08-01T09:00"), notifier)
    assert len(result.sending.failed) == 1
    assert len(notifier.sent) == 1


@pytest.mark.usefixtures("plan")
def test_a_row_that_cannot_be_rendered_fails_alone_and_the_rest_are_sent(uow_factory: UnitOfWorkFactory) -> None:
    at = local("2019-08-01T09:00")
    broken = Outgoing(key="plan-quarter:broken", kind="plan-quarter", platform="slack", recipient="U0X", params={})
    with uow_factory(write=True) as uow:
        assert outbox.enqueue(uow, message=broken, now=at - timedelta(minutes=1))  # queued first, claimed first
        uow.commit()
    notifier = RecordingNotifier()
    result = run(uow_factory, at, notifier)
    assert result.sending.failed == ["plan-quarter:broken"]
    assert sorted(r for r, _ in notifier.sent) == ["U01ALICE", "U02BOB"]
    with uow_factory(write=False) as uow:
        [failed] = outbox.list_deliveries(uow, failed_only=True)
    assert failed.key == "plan-quarter:broken"
    assert (failed.last_error or "").startswith("cannot render: ")


@pytest.mark.usefixtures("plan")
def test_a_past_quarters_reminders_are_never_sent(uow_factory: UnitOfWorkFactory) -> None:
    notifier = RecordingNotifier()
    notifier.failures = [DeliveryFailed("timeout", permanent=False), DeliveryFailed("timeout", permanent=False)]
    run(uow_factory, local("2019-10-31T12:00"), notifier)  # last day of 2018Q4; both DMs fail
    result = run(uow_factory, local("2019-11-01T09:30"), notifier)  # the next quarter: 2019Q1
    assert sorted(result.sending.skipped) == ["plan-quarter:2018Q4:slack:U01ALICE", "plan-quarter:2018Q4:slack:U02BOB"]
    assert all("2018Q" not in key for key in result.queued)
    assert notifier.sent == []


@pytest.mark.usefixtures("plan")
def test_a_bot_that_was_down_catches_up_within_the_quarter(uow_factory: UnitOfWorkFactory) -> None:
    notifier = RecordingNotifier()
    result = run(uow_factory, local("2019-09-20T13:00"), notifier)  # Fri 20 Sep: seven weeks late
    assert sorted(result.queued) == ["plan-quarter:2018Q4:slack:U01ALICE", "plan-quarter:2018Q4:slack:U02BOB"]
    assert run(uow_factory, local("2019-09-20T13:01"), notifier).queued == []  # no nudge right after the DM
    assert run(uow_factory, local("2019-10-04T08:59"), notifier).queued == []
    nudges = run(uow_factory, local("2019-10-04T09:00"), notifier).queued  # 14 days after the DM went out
    assert sorted(nudges) == ["plan-followup:2018Q4:slack:U01ALICE", "plan-followup:2018Q4:slack:U02BOB"]


@pytest.mark.usefixtures("plan")
def test_the_steering_report_goes_to_the_channel_at_the_end_of_the_quarter(uow_factory: UnitOfWorkFactory) -> None:
    notifier = RecordingNotifier()
    run(uow_factory, local("2019-10-31T15:59"), notifier, STEERING)  # Thu 31 Oct 2019, before 16:00
    assert all(recipient != STEERING for recipient, _ in notifier.sent)
    result = run(uow_factory, local("2019-10-31T16:00"), notifier, STEERING)
    assert result.queued == [f"plan-report:2018Q4:{STEERING}"]
    recipient, text = notifier.sent[-1]
    assert recipient == STEERING
    assert "2018Q4 (Aug – Oct 2019)" in text
    assert "4 actions due" in text


@pytest.mark.usefixtures("plan")
def test_dry_run_writes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    due = due_now(uow=uow_factory, clock=FixedClock(local("2019-08-01T09:00")), policy=POLICY, report_channel="")
    assert sorted(m.key for m in due) == ["plan-quarter:2018Q4:slack:U01ALICE", "plan-quarter:2018Q4:slack:U02BOB"]
    with uow_factory(write=False) as uow:
        assert outbox.list_deliveries(uow) == []


class SlowNotifier(RecordingNotifier):
    """Takes a while to post, as Slack does across the internet, and notes how many posts overlap."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()

    def send(self, *, platform: str, recipient: str, to_channel: bool, reply: ui.Reply) -> SentMessage:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        time.sleep(0.02)
        try:
            return super().send(platform=platform, recipient=recipient, to_channel=to_channel, reply=reply)
        finally:
            with self._lock:
                self.in_flight -= 1


def test_with_several_senders_owners_are_sent_to_at_once_and_each_once(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owners = [f"U{n:03d}OWNER" for n in range(30)]
    load_plan(
        uow_factory, csv_plan([(f"B{n}", 2018, "Action", o, "Q4", "") for n, o in enumerate(owners)]), now=clock.now()
    )
    notifier = SlowNotifier()
    at = FixedClock(local("2019-08-01T09:00"))
    result = run_pass(uow=uow_factory, clock=at, policy=POLICY, notifier=notifier, report_channel="", senders=4)
    assert sorted(r for r, _ in notifier.sent) == owners
    assert len(result.sending.sent) == 30
    assert 2 <= notifier.most_in_flight <= 4


def claims(*batches: list[SimpleNamespace]) -> Callable[[], list[SimpleNamespace]]:
    """A claim that hands out the batches one by one, then nothing; counts its calls."""
    left = list(batches)

    def claim() -> list[SimpleNamespace]:
        claim.calls += 1  # type: ignore[attr-defined]
        return left.pop(0) if left else []

    claim.calls = 0  # type: ignore[attr-defined]
    return claim


def item(who: str, n: int) -> SimpleNamespace:
    return SimpleNamespace(platform="slack", recipient=who, n=n)


def test_a_recipients_own_messages_keep_their_order_among_several_senders_across_claims() -> None:
    first = [item(who, n) for n, who in enumerate("ABACADAEA")]
    second = [item(who, n) for n, who in enumerate("AFAG", start=9)]  # claimed while A's first ones still go
    done: list[tuple[str, int]] = []

    def send(row: SimpleNamespace) -> None:
        time.sleep(0.005 if row.recipient == "A" else 0.001)
        done.append((row.recipient, row.n))

    _send_in_turn(claims(first, second), send, 4)
    assert sorted(done) == sorted((r.recipient, r.n) for r in first + second)
    assert [n for who, n in done if who == "A"] == [0, 2, 4, 6, 8, 9, 11]


def test_the_next_batch_is_claimed_while_the_last_messages_of_a_batch_are_still_going_out() -> None:
    """No pause between batches: a slow post does not keep the other senders idle."""
    next_claimed = threading.Event()
    claim = claims([item("SLOW", 0), item("B", 1)], [item("C", 2)])

    def claim_and_note() -> list[SimpleNamespace]:
        if claim.calls == 1:  # type: ignore[attr-defined]
            next_claimed.set()
        return claim()

    overlapped: list[bool] = []

    def send(row: SimpleNamespace) -> None:
        if row.recipient == "SLOW":
            overlapped.append(next_claimed.wait(timeout=5))

    _send_in_turn(claim_and_note, send, 4)
    assert overlapped == [True]


def test_one_sender_sends_batch_after_batch_in_claim_order() -> None:
    done: list[int] = []
    _send_in_turn(claims([item("A", 0), item("B", 1)], [item("C", 2)]), lambda row: done.append(row.n), 1)
    assert done == [0, 1, 2]


def test_an_unexpected_error_while_sending_ends_the_sending_and_claims_no_more() -> None:
    claim = claims([item("A", 0)], [item("B", 1)], [item("C", 2)])

    def send(row: SimpleNamespace) -> None:
        if row.recipient == "A":
            raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        _send_in_turn(claim, send, 1)
    assert claim.calls == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(("per_second", "senders"), [(1, 4), (5, 4), (20, 6), (50, 15), (1000, 16)])
def test_enough_senders_are_kept_for_the_post_rate_at_a_round_trip_to_slack(per_second: float, senders: int) -> None:
    assert senders_for(per_second) == senders
