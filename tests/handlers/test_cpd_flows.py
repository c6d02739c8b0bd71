"""CPD through the dispatcher (the edge every surface uses), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
from pypdf import PdfReader

from bot.dispatch import Dispatcher, Who
from handlers import ui
from handlers.ids import ActionId, FormId, InputId
from storage.models import CpdEntry, CpdTag, HandledInteraction
from storage.uow import UnitOfWorkFactory
from tests.conftest import ALICE, BOB
from tests.support.dispatcher import add, buttons, count, text_of

A, B = Who(ALICE, "Alice"), Who(BOB, "Bob")


def test_quick_add_stores_everything_and_shows_it(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    reply = bot.command(A, "cpd", "add 1h30m Soldering course type:formal date:2026-11-20 #career-development")
    shown = text_of(reply)
    entry_id = int(buttons(reply)["Undo"].value)
    assert f"`{entry_id}`" in shown
    for expected in (
        "Soldering course",
        "1 h 30 min",
        "Formal / educational",
        "Fri 20 Nov 2026",
        "#career-development _(pillar)_",
        "Add reflection",
        "Edit",
        "Undo",
    ):
        assert expected in shown
    with uow_factory(write=False) as uow:
        entry = uow.session.get(CpdEntry, entry_id)
        assert entry is not None
        assert (entry.minutes, entry.activity_type, entry.occurred_on.isoformat()) == (90, "formal", "2026-11-20")
        assert [t.tag for t in entry.tags] == ["career-development"]
        assert (entry.user_id, entry.team_id) == ("U1", "T0TEST")


@pytest.mark.parametrize(
    "text",
    [
        "add 0h x",
        "add 2h",
        "add 2h x date:2999-01-01",
        "add 2h x type:nonsense",
        "edit",
        "delete nope",
        "export docx",
        "list 2999",
        "frobnicate",
    ],
)
def test_bad_input_is_explained_and_nothing_is_written(
    bot: Dispatcher, uow_factory: UnitOfWorkFactory, text: str
) -> None:
    reply = bot.command(A, "cpd", text)
    shown = text_of(reply)
    assert shown.startswith("⚠️")
    assert "For example" in shown
    assert count(uow_factory, CpdEntry) == 0
    assert count(uow_factory, HandledInteraction) == 0


def test_the_same_delivery_twice_has_one_effect(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    first = bot.command(A, "cpd", "add 1h Reading group", delivery="command:T1")
    second = bot.command(A, "cpd", "add 1h Reading group", delivery="command:T1")
    assert isinstance(first, ui.Reply)
    assert second is None
    assert count(uow_factory, CpdEntry) == 1
    bot.command(A, "cpd", "add 1h Reading group", delivery="command:T2")
    assert count(uow_factory, CpdEntry) == 2


def test_undo_twice_is_harmless(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    entry_id = add(bot, A, "1h Reading group")
    first = bot.action(A, ui.Action(ActionId.CPD_ENTRY_UNDO, str(entry_id)))
    second = bot.action(A, ui.Action(ActionId.CPD_ENTRY_UNDO, str(entry_id)))
    assert "Undone" in text_of(first)
    assert isinstance(first, ui.Reply)
    assert first.replace
    assert "already gone" in text_of(second)
    assert count(uow_factory, CpdEntry) == 0
    assert count(uow_factory, CpdTag) == 0


def test_nobody_else_can_see_edit_delete_or_undo_it(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    entry_id = add(bot, A, "1h Alice's private course")
    for response in (
        bot.command(B, "cpd", f"edit {entry_id}"),
        bot.command(B, "cpd", f"delete {entry_id}"),
        bot.action(B, ui.Action(ActionId.CPD_ENTRY_EDIT, str(entry_id))),
        bot.action(B, ui.Action(ActionId.CPD_ENTRY_REFLECT, str(entry_id))),
    ):
        assert f"You have no CPD entry `{entry_id}`" in text_of(response)
    assert "already gone" in text_of(bot.action(B, ui.Action(ActionId.CPD_ENTRY_UNDO, str(entry_id))))
    assert "already gone" in text_of(bot.action(B, ui.Action(ActionId.CPD_ENTRY_DELETE, str(entry_id))))
    forged = bot.submit(
        B,
        ui.Submission(
            FormId.CPD_ENTRY_SAVE,
            {
                InputId.CPD_DATE: "2026-11-01",
                InputId.CPD_DURATION: "1h",
                InputId.CPD_TYPE: "work",
                InputId.CPD_TITLE: "hijacked",
            },
            {"entry": str(entry_id)},
        ),
    )
    assert isinstance(forged, ui.FormErrors)
    assert "Alice's private course" not in text_of(bot.command(B, "cpd", "list all"))
    exported = bot.command(B, "cpd", "export csv all")
    assert isinstance(exported, ui.FileReply)
    assert b"Alice" not in exported.file.content
    with uow_factory(write=False) as uow:
        entry = uow.session.get(CpdEntry, entry_id)
        assert entry is not None
        assert entry.title == "Alice's private course"


def test_delete_asks_first(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    entry_id = add(bot, A, "1h Reading group")
    question = bot.command(A, "cpd", f"delete {entry_id}")
    assert "can't be undone" in text_of(question)
    assert count(uow_factory, CpdEntry) == 1
    kept = bot.action(A, ui.Action(ActionId.CPD_ENTRY_KEEP, str(entry_id)))
    assert "Kept" in text_of(kept)
    assert count(uow_factory, CpdEntry) == 1
    delete = buttons(question)["Delete"]
    assert delete.style == "danger"
    deleted = bot.action(A, ui.Action(delete.action, delete.value))
    assert "Deleted" in text_of(deleted)
    assert count(uow_factory, CpdEntry) == 0


def test_the_form_creates_and_edits(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    form = bot.command(A, "cpd", "add")
    assert isinstance(form, ui.Form)
    assert form.state == {}
    values = {
        InputId.CPD_DATE: "2026-11-21",
        InputId.CPD_DURATION: "45m",
        InputId.CPD_TYPE: "self",
        InputId.CPD_TITLE: "Read <!channel> & co",
        InputId.CPD_REFLECTION: "Learned X",
        InputId.CPD_TAGS: "#visibility",
    }
    created = bot.submit(A, ui.Submission(form.callback, values, form.state))
    assert "Read &lt;!channel&gt; &amp; co" in text_of(created)
    entry_id = int(buttons(created)["Edit"].value)
    edit = bot.action(A, ui.Action(ActionId.CPD_ENTRY_REFLECT, str(entry_id)))
    assert isinstance(edit, ui.Form)
    assert edit.state == {"entry": str(entry_id)}
    initial = {item.id: item.initial for item in edit.items if isinstance(item, ui.TextInput)}
    assert initial[InputId.CPD_REFLECTION] == "Learned X"
    assert initial[InputId.CPD_TAGS] == "#visibility"
    updated = bot.submit(A, ui.Submission(edit.callback, {**values, InputId.CPD_BENEFIT: "Helps students"}, edit.state))
    assert "Updated" in text_of(updated)
    assert count(uow_factory, CpdEntry) == 1
    with uow_factory(write=False) as uow:
        entry = uow.session.get(CpdEntry, entry_id)
        assert entry is not None
        assert entry.benefit == "Helps students"


def test_a_bad_form_writes_nothing(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    result = bot.submit(A, ui.Submission(FormId.CPD_ENTRY_SAVE, {InputId.CPD_DURATION: "0h"}, {}), delivery="view:V1")
    assert isinstance(result, ui.FormErrors)
    assert InputId.CPD_DURATION in result.errors
    assert count(uow_factory, CpdEntry) == 0
    assert count(uow_factory, HandledInteraction) == 0


def test_list_pages(bot: Dispatcher) -> None:
    for n in range(23):
        add(bot, A, f"{n + 1}m Entry number {n + 1} date:2026-10-{n % 28 + 1:02d}")
    first = bot.command(A, "cpd", "list")
    assert "23 entries" in text_of(first)
    assert "page 1 of 3" in text_of(first)
    older = buttons(first)["Older ›"]
    assert "Newer" not in " ".join(buttons(first))
    second = bot.action(A, ui.Action(older.action, older.value))
    assert isinstance(second, ui.Reply)
    assert second.replace
    assert "page 2 of 3" in text_of(second)
    third = bot.action(A, ui.Action(ActionId.CPD_LIST_OLDER, buttons(second)["Older ›"].value))
    assert "page 3 of 3" in text_of(third)
    assert "Older ›" not in buttons(third)
    assert "out of date" in text_of(bot.action(A, ui.Action(ActionId.CPD_LIST_OLDER, "garbage")))


def test_summary(bot: Dispatcher) -> None:
    add(bot, A, "10h Course type:formal date:2026-03-01")
    add(bot, A, "5h Bench work type:work date:2026-06-01")
    add(bot, A, "2h Old one type:work date:2025-06-01")
    shown = text_of(bot.command(A, "cpd", "summary"))
    assert "*15 h* of 30 h target" in shown
    assert "50%" in shown
    assert "*Formal / educational*\n10 h" in shown
    assert "2 of 5 kinds" in shown
    assert "not yet" in shown
    assert "15 h" not in text_of(bot.command(A, "cpd", "summary 2025"))


def test_csv_export(bot: Dispatcher) -> None:
    add(bot, A, "1h30m =SUM(A1) formula title type:formal date:2026-11-20 #visibility")
    add(bot, A, "2h Café visit date:2026-11-21")
    result = bot.command(A, "cpd", "export csv")
    assert isinstance(result, ui.FileReply)
    assert result.file.mimetype == "text/csv"
    assert result.file.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(result.file.content.decode("utf-8-sig"))))
    assert [row["title"] for row in rows] == ["'=SUM(A1) formula title", "Café visit"]
    assert rows[0]["minutes"] == "90"
    assert rows[0]["hours"] == "1.50"
    assert rows[0]["type"] == "Formal / educational"
    assert rows[0]["tags"] == "#visibility"
    assert "in your DM" in text_of(result.reply)


def test_pdf_export_is_a_valid_pdf_with_reflections(bot: Dispatcher) -> None:
    form = bot.command(A, "cpd", "add")
    assert isinstance(form, ui.Form)
    bot.submit(
        A,
        ui.Submission(
            form.callback,
            {
                InputId.CPD_DATE: "2026-11-20",
                InputId.CPD_DURATION: "2h",
                InputId.CPD_TYPE: "formal",
                InputId.CPD_TITLE: "Fume cupboard testing",
                InputId.CPD_REFLECTION: "Face velocity is measured at 9 points",
                InputId.CPD_BENEFIT: "Safer labs for students",
            },
            form.state,
        ),
    )
    add(bot, A, "1h Naïve Bayes reading ✓ date:2026-06-01 type:self")
    result = bot.command(A, "cpd", "export pdf 12m")
    assert isinstance(result, ui.FileReply)
    assert result.file.content.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(result.file.content)).pages)
    for expected in (
        "CPD record — Alice",
        "Fume cupboard testing",
        "Face velocity is measured at 9 points",
        "Safer labs for students",
        "Naïve Bayes",
        "Science Council CPD standards",
        "Gap:",
    ):
        assert expected in text


def test_help(bot: Dispatcher) -> None:
    for who_asks in (bot.command(A, "cpd", ""), bot.command(A, "cpd", "help"), bot.command(A, "techcommit", "")):
        assert "/cpd add 1h30m" in text_of(who_asks)
    assert "/reg start RSciTech" in text_of(bot.command(A, "reg", ""))
