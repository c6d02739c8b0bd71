"""Many people at once, end to end: nothing lost, doubled or over-booked.

No wall-clock assertions here (timing targets belong in the benchmarks).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.models import EventRsvp
from tests.bot.test_slack_events import announced, create_event
from tests.bot.test_slack_events import organiser as organiser  # a fixture, requested by name
from tests.support.concurrency import (
    WAIT,
    all_at_once,
    assert_not_an_apology,
    click_sent,
)
from tests.support.fakeslack import FakeSlack
from tests.support.rows import entries, rsvp_rows
from tests.support.slackclient import SignedClient
from tests.support.slackmessages import texts
from tests.support.waiting import wait_until

# -- 1. many people logging CPD at the same moment ------------------------------------------------


@pytest.mark.slow
def test_fifty_simultaneous_quick_adds_are_each_stored_once(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    n = 50
    # half from 25 different people, half from the same person (U1): writers of one person's rows collide too
    users = [f"U0LOAD{i:02d}" if i % 2 else "U1" for i in range(n)]
    titles = [f"Load test entry {i:02d}" for i in range(n)]

    sent = all_at_once(lambda i: slack.command("/cpd", f"add 1h {titles[i]}", user=users[i]), n)

    assert [s.status for s in sent] == [200] * n, [(i, s.status, s.body[:80]) for i, s in enumerate(sent)]
    for i, s in enumerate(sent):
        shown = texts(s.reply(timeout=WAIT))
        assert_not_an_apology(shown)
        assert titles[i] in shown, (i, shown)
    stored = entries(engine)
    assert len(stored) == n
    assert Counter(e.title for e in stored) == Counter(titles)
    assert {(e.title, e.user_id) for e in stored} == set(zip(titles, users, strict=True))
    assert fake_slack.problems == [], fake_slack.describe()


# -- 2. many people pressing Going on a small event ----------------------------------------------


@pytest.mark.slow
@pytest.mark.usefixtures("organiser")
def test_fifty_simultaneous_going_clicks_fill_twenty_places_and_queue_thirty(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    n, capacity = 50, 20
    event_id, post = create_event(slack, fake_slack, capacity=str(capacity))
    wait_until(lambda: announced(engine, event_id), "the announcement is on record")
    updates_before = len(fake_slack.calls_to("chat.update"))
    people = [f"U0RSVP{i:02d}" for i in range(n)]

    sent = all_at_once(lambda i: click_sent(slack, post, "Going", people[i]), n)

    assert [s.status for s in sent] == [200] * n
    told = {people[i]: texts(s.reply(timeout=WAIT)) for i, s in enumerate(sent)}
    rows = rsvp_rows(engine)
    assert Counter(r.user_id for r in rows) == Counter(people)  # one row each: nobody double-counted
    going = sorted(r.user_id for r in rows if r.response == "going")
    with Session(engine) as session:
        queue = session.scalars(
            select(EventRsvp).where(EventRsvp.response == "waitlist").order_by(EventRsvp.waitlisted_at, EventRsvp.id)
        ).all()
        queue_users = [r.user_id for r in queue]
    assert len(going) == capacity
    assert len(queue_users) == n - capacity
    for user in going:
        assert "You're going" in told[user], (user, told[user])
    positions = {}
    for user in queue_users:
        found = set(re.findall(r"number (\d+) on the waitlist", told[user]))  # (said in text and in blocks)
        assert len(found) == 1, (user, told[user])
        positions[user] = int(found.pop())
    assert sorted(positions.values()) == list(range(1, n - capacity + 1))  # each position told to one person
    assert [positions[u] for u in queue_users] == list(range(1, n - capacity + 1))  # in the order of the queue
    # every click redraws the announcement; the last redraw reads the final state
    fake_slack.wait_for(lambda: len(fake_slack.calls_to("chat.update")) >= updates_before + n or None, WAIT)
    updates = fake_slack.calls_to("chat.update")
    assert len(updates) == updates_before + n
    assert all(u.ok for u in updates)
    final = texts(updates[-1].args)
    assert "✅ 20 going" in final, final
    assert "⏳ 30 waitlisted" in final, final
    assert "full" in final, final
    assert fake_slack.problems == [], fake_slack.describe()
