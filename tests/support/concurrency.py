"""Many requests at once, and the exact request again: helpers for the load and redelivery tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from tests.support.fakeslack import ApiCall, FakeSlack
from tests.support.slackclient import Sent, SignedClient
from tests.support.slackmessages import button

WAIT = 30.0  # generous: slow CI machines must not flake
T = TypeVar("T")


def all_at_once(work: Callable[[int], T], n: int, *, timeout: float = 120.0) -> list[T]:
    """Run work(0) … work(n-1) in n threads released together by a barrier; every thread is joined."""
    barrier = threading.Barrier(n)
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=WAIT)
            results[i] = work(i)
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), name=f"load-{i}") for i in range(n)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    assert not stuck, f"threads still running after {timeout}s: {stuck}"
    assert not errors, f"{len(errors)} of {n} requests failed, first: {errors[0]!r}"
    return [results[i] for i in range(n)]


def assert_not_an_apology(shown: str) -> None:
    assert "database is locked" not in shown, shown
    assert "Sorry" not in shown, shown


def call_index(fake: FakeSlack, predicate: Callable[[ApiCall], bool]) -> list[int]:
    with fake.lock:
        return [i for i, c in enumerate(fake.calls) if predicate(c)]


def replies_so_far(fake: FakeSlack, sent: Sent) -> int:
    with fake.lock:
        return len(fake.responses.get(sent.response_url or "", []))


def click_sent(slack: SignedClient, post: ApiCall, label: str, user: str) -> Sent:
    """Press a button of a posted message (as test_slack_events.click, but return the request)."""
    message = {"ts": post.response["ts"], "blocks": post.args["blocks"], "text": post.args["text"]}
    target = button(message, label)
    return slack.block_action(target["action_id"], target["value"], user=user, message=message, channel="C0TECHNET")


def captured(slack: SignedClient, send: Callable[[], Sent]) -> tuple[Sent, bytes, dict[str, str]]:
    """Send one request through `send` and keep the exact body and headers that went on the wire."""
    wire: list[tuple[bytes, dict[str, str]]] = []
    original = slack.post

    def post(body: bytes, headers: dict[str, str]) -> Sent:
        wire.append((body, dict(headers)))
        return original(body, headers)

    slack.post = post  # type: ignore[method-assign]
    try:
        sent = send()
    finally:
        del slack.post
    [(body, headers)] = wire
    return sent, body, headers
