"""Undo on a CPD card: after logging it deletes the entry, after an edit it puts the entry back as it was."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.dispatch import Dispatcher, Who
from handlers import ui
from handlers.clock import FixedClock
from handlers.ids import ActionId, InputId
from storage.models import CpdEntry, CpdEntryRevision
from storage.uow import UnitOfWorkFactory
from tests.conftest import ALICE, BOB
from tests.support.dispatcher import add, buttons, count, text_of

A, B = Who(ALICE, "Alice"), Who(BOB, "Bob")

FIRST = {
    InputId.CPD_DATE: "2026-11-20",
    InputId.CPD_DURATION: "1h30m",
    InputId.CPD_TYPE: "formal",
    InputId.CPD_TITLE: "Soldering course",
    InputId.CPD_REFLECTION: "Tinning the tip first",
    InputId.CPD_BENEFIT: "Fewer failed joints in the teaching lab",
    InputId.CPD_TAGS: "#soldering #career-development",
    InputId.CPD_EVIDENCE: "https://example.org/certificate.pdf",
}
SECOND = {
    InputId.CPD_DATE: "2026-11-21",
    InputId.CPD_DURATION: "3h",
    InputId.CPD_TYPE: "work",
    InputId.CPD_TITLE: "Soldering course, day two",
    InputId.CPD_REFLECTION: "",
    InputId.CPD_BENEFIT: "Students get help sooner",
    InputId.CPD_TAGS: "#visibility",
    InputId.CPD_EVIDENCE: "",
}
THIRD = {**SECOND, InputId.CPD_DURATION: "4h", InputId.CPD_TITLE: "Soldering course, both days"}


def log_with_form(bot: Dispatcher, who: Who, values: dict[str, str]) -> ui.Reply:
    form = bot.command(who, "cpd", "add")
    assert isinstance(form, ui.Form)
    reply = bot.submit(who, ui.Submission(form.callback, dict(values), form.state))
    assert isinstance(reply, ui.Reply), reply
    return reply


def edit_with_form(bot: Dispatcher, who: Who, entry_id: int, values: dict[str, str]) -> ui.Reply:
    form = bot.action(who, ui.Action(ActionId.CPD_ENTRY_EDIT, str(entry_id)))
    assert isinstance(form, ui.Form)
    reply = bot.submit(who, ui.Submission(form.callback, dict(values), form.state))
    assert isinstance(reply, ui.Reply), reply
    assert "Updated" in text_of(reply)
    return reply


def press_undo(bot: Dispatcher, who: Who, reply_or_value: ui.Response | str) -> ui.Response:
    value = reply_or_value if isinstance(reply_or_value, str) else buttons(reply_or_value)["Undo"].value
    return bot.action(who, ui.Action(ActionId.CPD_ENTRY_UNDO, value))


def entry_id_of(reply: ui.Response) -> int:
    return int(buttons(reply)["Edit"].value)


def stored(uow_factory: UnitOfWorkFactory, entry_id: int) -> dict[str, Any] | None:
    """Everything a person can set on the entry, and its time stamps, as the database holds them."""
    with uow_factory(write=False) as uow:
        entry = uow.session.get(CpdEntry, entry_id)
        if entry is None:
            return None
        return {
            "occurred_on": entry.occurred_on.isoformat(),
            "minutes": entry.minutes,
            "activity_type": entry.activity_type,
            "title": entry.title,
            "reflection": entry.reflection,
            "benefit": entry.benefit,
            "evidence_url": entry.evidence_url,
            "tags": [t.tag for t in entry.tags],
            "created_at": entry.created_at,
            "updated_at": entry.updated_at,
        }


def revisions(uow_factory: UnitOfWorkFactory) -> list[tuple[int, int, Any]]:
    """(id, entry id, undone at) of every revision, oldest first."""
    with uow_factory(write=False) as uow:
        rows = uow.session.execute(
            select(CpdEntryRevision.id, CpdEntryRevision.entry_id, CpdEntryRevision.undone_at).order_by(
                CpdEntryRevision.id
            )
        )
        return [tuple(row) for row in rows]


def test_undo_after_logging_deletes_the_entry(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    reply = log_with_form(bot, A, FIRST)
    entry_id = entry_id_of(reply)
    assert buttons(reply)["Undo"].value == str(entry_id)
    undone = press_undo(bot, A, reply)
    assert isinstance(undone, ui.Reply)
    assert undone.replace
    assert f"Undone: CPD entry `{entry_id}`" in text_of(undone)
    assert count(uow_factory, CpdEntry) == 0


def test_undo_after_logging_pressed_twice_says_it_is_gone(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    reply = bot.command(A, "cpd", "add 1h Reading group #visibility")
    assert "Undone" in text_of(press_undo(bot, A, reply))
    again = press_undo(bot, A, reply)
    assert "already gone" in text_of(again)
    assert not text_of(again).startswith("⚠️")
    assert count(uow_factory, CpdEntry) == 0


def test_undo_after_an_edit_puts_every_field_back(
    bot: Dispatcher, uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    entry_id = entry_id_of(log_with_form(bot, A, FIRST))
    before = stored(uow_factory, entry_id)
    clock.set(clock.now() + timedelta(hours=1))
    edited = edit_with_form(bot, A, entry_id, SECOND)
    [(revision_id, _, _)] = revisions(uow_factory)
    assert buttons(edited)["Undo"].value == f"{entry_id}:r{revision_id}"
    changed = stored(uow_factory, entry_id)
    assert changed is not None
    assert before is not None
    assert all(changed[name] != before[name] for name in before if name != "created_at"), changed

    clock.set(clock.now() + timedelta(hours=1))
    undone = press_undo(bot, A, edited)
    assert isinstance(undone, ui.Reply)
    assert undone.replace
    shown = text_of(undone)
    assert f"Undone — CPD entry `{entry_id}` is back as it was" in shown
    for expected in ("Soldering course", "1 h 30 min", "Formal / educational", "Fri 20 Nov 2026", "#soldering"):
        assert expected in shown
    assert "Undo" not in buttons(undone)  # an undo is not itself undone
    assert stored(uow_factory, entry_id) == before
    assert revisions(uow_factory) == [(revision_id, entry_id, clock.now())]


def test_an_earlier_edit_cannot_be_undone_over_a_later_one(
    bot: Dispatcher, uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    logged = log_with_form(bot, A, FIRST)
    entry_id = entry_id_of(logged)
    original = stored(uow_factory, entry_id)
    first_edit = edit_with_form(bot, A, entry_id, SECOND)
    after_first = stored(uow_factory, entry_id)
    clock.set(clock.now() + timedelta(minutes=5))
    second_edit = edit_with_form(bot, A, entry_id, THIRD)
    after_second = stored(uow_factory, entry_id)

    refused = text_of(press_undo(bot, A, first_edit))
    assert refused.startswith("⚠️")
    assert "changed again" in refused
    assert f"/cpd edit {entry_id}" in refused
    assert stored(uow_factory, entry_id) == after_second
    assert all(undone_at is None for _, _, undone_at in revisions(uow_factory))
    add_refused = text_of(press_undo(bot, A, logged))  # nor may the Undo of logging it delete the edited entry
    assert "changed since it was logged" in add_refused
    assert f"/cpd delete {entry_id}" in add_refused

    # Taking back the later edit first makes the earlier one the latest again: undo works as a stack.
    assert "back as it was" in text_of(press_undo(bot, A, second_edit))
    assert stored(uow_factory, entry_id) == after_first
    assert "back as it was" in text_of(press_undo(bot, A, first_edit))
    assert stored(uow_factory, entry_id) == original
    assert "Undone:" in text_of(press_undo(bot, A, logged))  # back as logged, so its Undo deletes it again
    assert count(uow_factory, CpdEntry) == 0
    assert revisions(uow_factory) == []  # they went with the entry


def test_undo_of_an_edit_twice_says_already_undone_and_writes_nothing(
    bot: Dispatcher, uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    entry_id = entry_id_of(log_with_form(bot, A, FIRST))
    edited = edit_with_form(bot, A, entry_id, SECOND)
    assert "back as it was" in text_of(press_undo(bot, A, edited))
    restored, marks = stored(uow_factory, entry_id), revisions(uow_factory)
    clock.set(clock.now() + timedelta(minutes=1))
    again = press_undo(bot, A, edited)
    assert isinstance(again, ui.Reply)
    assert "already undone" in text_of(again)
    assert not text_of(again).startswith("⚠️")
    assert not again.replace  # the card showing the restored entry stays
    assert stored(uow_factory, entry_id) == restored
    assert revisions(uow_factory) == marks


def test_an_edit_made_after_an_undo_does_not_bring_the_old_undo_back(
    bot: Dispatcher, uow_factory: UnitOfWorkFactory
) -> None:
    entry_id = entry_id_of(log_with_form(bot, A, FIRST))
    first_edit = edit_with_form(bot, A, entry_id, SECOND)
    press_undo(bot, A, first_edit)
    edit_with_form(bot, A, entry_id, THIRD)
    after_third = stored(uow_factory, entry_id)
    assert "already undone" in text_of(press_undo(bot, A, first_edit))
    assert stored(uow_factory, entry_id) == after_third


def test_nobody_else_can_undo_my_edit(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    entry_id = entry_id_of(log_with_form(bot, A, FIRST))
    edited = edit_with_form(bot, A, entry_id, SECOND)
    value = buttons(edited)["Undo"].value
    revision_id = value.split(":r")[1]
    bobs_entry = add(bot, B, "1h Bob's own course")
    changed = stored(uow_factory, entry_id)

    assert f"You have no CPD entry `{entry_id}`" in text_of(press_undo(bot, B, value))
    forged = text_of(press_undo(bot, B, f"{bobs_entry}:r{revision_id}"))  # Alice's revision on Bob's entry
    assert f"doesn't belong to CPD entry `{bobs_entry}`" in forged
    assert "Soldering" not in forged
    assert stored(uow_factory, entry_id) == changed
    assert all(undone_at is None for _, _, undone_at in revisions(uow_factory))
    with uow_factory(write=False) as uow:
        bobs = uow.session.get(CpdEntry, bobs_entry)
        assert bobs is not None
        assert bobs.title == "Bob's own course"


@pytest.mark.parametrize(("value", "says"), [("12:x3", "out of date"), ("12:r", "isn't an edit id"), ("x", "id")])
def test_a_garbled_undo_value_is_explained(
    bot: Dispatcher, uow_factory: UnitOfWorkFactory, value: str, says: str
) -> None:
    entry_id = add(bot, A, "1h Reading group")
    shown = text_of(press_undo(bot, A, value.replace("12", str(entry_id))))
    assert shown.startswith("⚠️")
    assert says in shown
    assert count(uow_factory, CpdEntry) == 1


def test_my_data_shows_earlier_versions_and_forget_me_erases_them(
    bot: Dispatcher, uow_factory: UnitOfWorkFactory
) -> None:
    entry_id = entry_id_of(log_with_form(bot, A, FIRST))
    edit_with_form(bot, A, entry_id, SECOND)
    bobs_entry = add(bot, B, "1h Bob's course")
    edit = bot.action(B, ui.Action(ActionId.CPD_ENTRY_EDIT, str(bobs_entry)))
    assert isinstance(edit, ui.Form)
    bob_values = {InputId.CPD_DATE: "2026-11-20", InputId.CPD_DURATION: "2h", InputId.CPD_TYPE: "work"}
    bot.submit(B, ui.Submission(edit.callback, {**bob_values, InputId.CPD_TITLE: "Bob's course"}, edit.state))

    exported = bot.command(A, "techcommit", "my-data")
    assert isinstance(exported, ui.FileReply)
    data = json.loads(exported.file.content)
    [earlier] = data["cpd_entry_earlier_versions"]
    assert earlier["entry_id"] == entry_id
    assert (earlier["title"], earlier["minutes"], earlier["tags"]) == (
        "Soldering course",
        90,
        ["career-development", "soldering"],
    )
    assert earlier["undone_at"] is None

    done = bot.action(A, ui.Action(ActionId.PRIVACY_FORGET_CONFIRM, "me"))
    assert "1 CPD entry" in text_of(done)
    assert [entry for _, entry, _ in revisions(uow_factory)] == [bobs_entry]  # only Bob's history is left
