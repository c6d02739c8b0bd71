"""`/reg` through the dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.dispatch import Dispatcher, Who
from handlers.clock import FixedClock
from storage.models import RegEvidence, RegStageChange
from storage.people import PersonId
from storage.uow import UnitOfWorkFactory
from tests.support.dispatcher import add, count, text_of

ME = Who(PersonId("slack", "T0TEST", "U0ME"), "me")
YOU = Who(PersonId("slack", "T0TEST", "U0YOU"), "you")
ADMIN = Who(PersonId("slack", "T0TEST", "UADMIN"), "admin")


def test_a_journey_from_start_to_evidence(bot: Dispatcher, clock: FixedClock, uow_factory: UnitOfWorkFactory) -> None:
    assert "/reg start RSciTech" in text_of(bot.command(ME, "reg", ""))
    assert "Started tracking *RSciTech*" in text_of(bot.command(ME, "reg", "start rscitech"))
    assert "already tracking" in text_of(bot.command(ME, "reg", "start RSciTech"))
    bot.command(ME, "reg", "body Institute of Science and Technology")
    clock.set(clock.now() + timedelta(days=3))
    assert "●●●○○○○" in text_of(bot.command(ME, "reg", "stage evidence"))
    entry_id = add(bot, ME, "2h Trained students on the autoclave")
    linked = text_of(bot.command(ME, "reg", f"evidence a {entry_id}"))
    assert "competence *A: Application of knowledge and understanding*" in linked
    assert "already evidence" in text_of(bot.command(ME, "reg", f"evidence A {entry_id}"))
    clock.set(clock.now() + timedelta(days=20))
    status = text_of(bot.command(ME, "reg", ""))
    assert "*RSciTech* — Registered Science Technician (Science Council)" in status
    assert "*Gathering evidence* for 2 weeks" in status
    assert "Licensed body: Institute of Science and Technology" in status
    assert "1 of 5 competences have evidence: A ✅ (1) · B ⬜ · C ⬜ · D ⬜ · E ⬜" in status
    assert "Link CPD evidence for B, C, D, E" in status
    assert count(uow_factory, RegStageChange) == 2


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("start RSciTechs", "isn't a register"),
        ("stage nearly", "isn't a stage"),
        ("evidence F 1", "A to E"),
        ("evidence A x", "isn't an entry id"),
        ("target 2020-01-01", "in the future"),
        ("target soon", "as a date"),
        ("stats", "for admins"),
        ("wobble", "don't know"),
    ],
)
def test_bad_reg_commands_are_explained_and_change_nothing(
    bot: Dispatcher, uow_factory: UnitOfWorkFactory, text: str, says: str
) -> None:
    bot.command(ME, "reg", "start EngTech")
    shown = text_of(bot.command(ME, "reg", text))
    assert shown.startswith("⚠️")
    assert says in shown
    assert count(uow_factory, RegStageChange) == 1
    assert count(uow_factory, RegEvidence) == 0


def test_someone_elses_cpd_cannot_be_my_evidence(bot: Dispatcher, uow_factory: UnitOfWorkFactory) -> None:
    theirs = add(bot, YOU, "1h Their course")
    bot.command(ME, "reg", "start RSciTech")
    assert f"You have no CPD entry `{theirs}`" in text_of(bot.command(ME, "reg", f"evidence A {theirs}"))
    assert count(uow_factory, RegEvidence) == 0


def test_the_register_is_needed_only_with_several(bot: Dispatcher) -> None:
    assert "aren't tracking a registration" in text_of(bot.command(ME, "reg", "stage joined"))
    bot.command(ME, "reg", "start RSciTech")
    bot.command(ME, "reg", "start EngTech")
    assert "say which" in text_of(bot.command(ME, "reg", "stage joined"))
    assert "EngTech moved to *Joined a licensed body*" in text_of(bot.command(ME, "reg", "stage joined engtech"))
    status = text_of(bot.command(ME, "reg", ""))
    assert "A: Knowledge and understanding · B: Design and development" in status  # UK-SPEC labels for EngTech
    assert "aren't tracking CEng" in text_of(bot.command(ME, "reg", "stage joined CEng"))


def test_registered_shows_the_declaration_and_audit_readiness(bot: Dispatcher) -> None:
    bot.command(ME, "reg", "start RSciTech")
    bot.command(ME, "reg", "target 2027-06-30")
    assert "Congratulations" in text_of(bot.command(ME, "reg", "stage registered"))
    status = text_of(bot.command(ME, "reg", ""))
    assert "annual CPD declaration due by 31 December 2026" in status
    assert "not audit-ready yet" in status


def test_stats_count_without_names_and_hide_small_numbers(bot: Dispatcher, clock: FixedClock) -> None:
    people = [Who(PersonId("slack", "T0TEST", f"U0P{n}"), None) for n in range(5)]
    for n, who in enumerate(people):
        bot.command(who, "reg", "start RSciTech")
        clock.set(clock.now() + timedelta(days=10 + n))
        bot.command(who, "reg", "stage joined")
    bot.command(people[0], "reg", "start EngTech")
    shown = text_of(bot.command(ADMIN, "reg", "stats"))
    assert "*RSciTech* (5 people)\nexploring 0 · joined 5 · evidence 0" in shown
    assert "*EngTech* (<3 people)\nexploring <3 · joined 0" in shown
    assert "exploring 12 d · joined –" in shown.split("Median days")[1]  # 10, 11, 12, 13, 14 days
    assert "U0P" not in shown
    assert "Only" not in shown
