"""CPD repository: storing, scoping every query to one person, periods and totals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from handlers.clock import FixedClock
from storage import cpd, interactions, roles
from storage.cpd import CpdFields
from storage.models import CpdTag
from storage.uow import UnitOfWorkFactory
from tests.conftest import ALICE, BOB


def fields(**overrides: object) -> CpdFields:
    base: dict[str, object] = {
        "occurred_on": date(2026, 11, 20),
        "minutes": 90,
        "activity_type": "formal",
        "title": "Soldering",
        "tags": ("career-development", "soldering"),
    }
    base.update(overrides)
    return CpdFields(**base)  # type: ignore[arg-type]


def test_add_and_read_back(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with uow_factory(write=True) as uow:
        entry = cpd.add_entry(uow, person=ALICE, fields=fields(), now=clock.now())
        uow.commit()
        entry_id = entry.id
    with uow_factory(write=False) as uow:
        stored = cpd.get_entry(uow, person=ALICE, entry_id=entry_id)
        assert stored is not None
        assert (stored.minutes, stored.activity_type, stored.occurred_on) == (90, "formal", date(2026, 11, 20))
        assert [t.tag for t in stored.tags] == ["career-development", "soldering"]
        assert stored.created_at == clock.now()


def test_another_person_cannot_get_or_delete_it(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with uow_factory(write=True) as uow:
        entry_id = cpd.add_entry(uow, person=ALICE, fields=fields(), now=clock.now()).id
        uow.commit()
    with uow_factory(write=True) as uow:
        assert cpd.get_entry(uow, person=BOB, entry_id=entry_id) is None
        assert cpd.delete_entry(uow, person=BOB, entry_id=entry_id) is False
        assert cpd.list_entries(uow, person=BOB) == []
        assert cpd.total_minutes(uow, person=BOB) == 0
        uow.commit()
    with uow_factory(write=False) as uow:
        assert cpd.get_entry(uow, person=ALICE, entry_id=entry_id) is not None


def test_delete_removes_tags_too(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with uow_factory(write=True) as uow:
        entry_id = cpd.add_entry(uow, person=ALICE, fields=fields(), now=clock.now()).id
        uow.commit()
    with uow_factory(write=True) as uow:
        assert cpd.delete_entry(uow, person=ALICE, entry_id=entry_id)
        uow.commit()
    with uow_factory(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(CpdTag)) == 0


def test_update_replaces_tags(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with uow_factory(write=True) as uow:
        entry = cpd.add_entry(uow, person=ALICE, fields=fields(), now=clock.now())
        cpd.update_entry(
            uow,
            entry=entry,
            fields=fields(tags=("visibility", "soldering"), minutes=30),
            now=clock.now() + timedelta(hours=1),
        )
        uow.commit()
        entry_id = entry.id
    with uow_factory(write=False) as uow:
        stored = cpd.get_entry(uow, person=ALICE, entry_id=entry_id)
        assert stored is not None
        assert [t.tag for t in stored.tags] == ["soldering", "visibility"]
        assert stored.minutes == 30
        assert stored.updated_at > stored.created_at


def test_list_is_newest_first_and_pages(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with uow_factory(write=True) as uow:
        for day in range(1, 26):
            cpd.add_entry(
                uow, person=ALICE, fields=fields(occurred_on=date(2026, 10, day), minutes=day), now=clock.now()
            )
        cpd.add_entry(uow, person=BOB, fields=fields(occurred_on=date(2026, 10, 5)), now=clock.now())
        uow.commit()
    with uow_factory(write=False) as uow:
        first = cpd.list_entries(uow, person=ALICE, limit=10)
        third = cpd.list_entries(uow, person=ALICE, offset=20, limit=10)
        october_10_to_20 = cpd.count_entries(uow, person=ALICE, start=date(2026, 10, 10), end=date(2026, 10, 20))
        assert [e.occurred_on.day for e in first] == list(range(25, 15, -1))
        assert [e.occurred_on.day for e in third] == [5, 4, 3, 2, 1]
        assert october_10_to_20 == 11
        assert cpd.total_minutes(uow, person=ALICE) == sum(range(1, 26))


def test_minutes_by_type(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with uow_factory(write=True) as uow:
        cpd.add_entry(uow, person=ALICE, fields=fields(activity_type="work", minutes=60), now=clock.now())
        cpd.add_entry(uow, person=ALICE, fields=fields(activity_type="work", minutes=30), now=clock.now())
        cpd.add_entry(uow, person=ALICE, fields=fields(activity_type="self", minutes=45), now=clock.now())
        cpd.add_entry(
            uow,
            person=ALICE,
            fields=fields(activity_type="self", minutes=45, occurred_on=date(2025, 1, 1)),
            now=clock.now(),
        )
        uow.commit()
    with uow_factory(write=False) as uow:
        totals = cpd.minutes_by_type(uow, person=ALICE, start=date(2026, 1, 1), end=date(2026, 12, 31))
        assert totals == {"work": 90, "self": 45}


def test_one_entry_per_person_and_source(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with uow_factory(write=True) as uow:
        cpd.add_entry(uow, person=ALICE, fields=fields(), now=clock.now(), source="event:1")
        cpd.add_entry(uow, person=BOB, fields=fields(), now=clock.now(), source="event:1")
        uow.commit()
    with uow_factory(write=True) as uow, pytest.raises(IntegrityError):
        cpd.add_entry(uow, person=ALICE, fields=fields(), now=clock.now(), source="event:1")


def test_an_interaction_is_claimed_once(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with uow_factory(write=True) as uow:
        assert interactions.claim_interaction(uow, key="command:1", now=clock.now())
        assert not interactions.claim_interaction(uow, key="command:1", now=clock.now())
        uow.commit()
    with uow_factory(write=True) as uow:
        assert not interactions.claim_interaction(uow, key="command:1", now=clock.now())
        assert interactions.forget_interactions_before(uow, cutoff=clock.now() + timedelta(days=1)) == 1
        assert interactions.claim_interaction(uow, key="command:1", now=clock.now())


def test_a_rolled_back_claim_can_be_made_again(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with uow_factory(write=True) as uow:
        assert interactions.claim_interaction(uow, key="view:V1", now=clock.now())
    with uow_factory(write=True) as uow:
        assert interactions.claim_interaction(uow, key="view:V1", now=clock.now())


def test_roles(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with uow_factory(write=True) as uow:
        assert roles.grant_role(uow, platform="slack", user_id="U9", role="organiser", now=clock.now())
        assert not roles.grant_role(uow, platform="slack", user_id="U9", role="organiser", now=clock.now())
        assert roles.roles_of(uow, platform="slack", user_id="U9") == {"organiser"}
        assert roles.revoke_role(uow, platform="slack", user_id="U9", role="organiser")
        assert not roles.revoke_role(uow, platform="slack", user_id="U9", role="organiser")
