"""The edge every surface calls: one unit of work per interaction, committed once, here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.logs import fields
from handlers import routes, ui
from handlers.clock import Clock
from handlers.context import Ctx, Policy
from handlers.errors import UserError, error_reply
from storage.interactions import claim_interaction
from storage.people import PersonId
from storage.uow import UnitOfWorkFactory

log = logging.getLogger("techcommit.dispatch")


@dataclass(frozen=True)
class Who:
    """The person behind an interaction, and their display name if the surface gave one."""

    person: PersonId
    name: str | None = None


class Dispatcher:
    """Runs commands, button presses and form submissions through the routes table.

    Each interaction runs once, in one write transaction that is committed here, after the
    handler returns (a refusal rolls everything back). `delivery` is the platform's own id for the
    delivery (Slack's trigger id, a Teams activity id): it is claimed in the same transaction, so a
    delivery that arrives twice has one effect and a rolled-back attempt can be made again. A form
    submitted again after a refusal is a new delivery with an id of its own.
    """

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, policy: Policy) -> None:
        self.uow = uow
        self.clock = clock
        self.policy = policy
        self._after_change: list[Callable[[Who], None]] = []
        self._after_queue: list[Callable[[], None]] = []

    def on_change(self, callback: Callable[[Who], None]) -> None:
        """Call `callback(who)` after an interaction of theirs committed a change (e.g. redraw their Home tab)."""
        self._after_change.append(callback)

    def on_queued(self, callback: Callable[[], None]) -> None:
        """Call `callback()` after a committed interaction that queued messages (to send them at once)."""
        self._after_queue.append(callback)

    def republish(self, subject: str) -> tuple[str, str, ui.Reply] | None:
        """Where a shared message (`event:12`) is and what it should say now; None if it is not posted yet."""
        kind, _, subject_id = subject.partition(":")
        renderer = routes.SUBJECTS.get(kind)
        if renderer is None:
            return None
        with self.uow(write=False) as uow:
            return renderer(uow, subject_id, self.policy)

    def command(self, who: Who, name: str, text: str, *, delivery: str | None = None) -> ui.Response:
        handler = routes.COMMANDS.get(name)
        if handler is None:
            return ui.notice(f"I don't know the command `/{ui.escape(name)}`. Try `/techcommit help`.")
        log.info("command %s", fields(user=who.person, command=name, delivery=delivery))
        return self._run(who, delivery, lambda ctx: handler(ctx, text))

    def action(self, who: Who, action: ui.Action, *, delivery: str | None = None) -> ui.Response:
        handler = routes.ACTIONS.get(action.action)
        if handler is None:
            return ui.notice("That button no longer does anything. Try the command again.")
        log.info("action %s", fields(user=who.person, action=action.action, delivery=delivery))
        return self._run(who, delivery, lambda ctx: handler(ctx, action))

    def submit(self, who: Who, submission: ui.Submission, *, delivery: str | None = None) -> ui.Response:
        handler = routes.FORMS.get(submission.callback)
        if handler is None:
            return ui.notice("That form is out of date. Open it again.")
        log.info("submit %s", fields(user=who.person, form=submission.callback, delivery=delivery))
        # A refusal keeps the form open with the message, so nothing the person typed is lost.
        return self._run(
            who,
            delivery,
            lambda ctx: handler(ctx, submission),
            refuse=lambda exc: ui.FormErrors({ui.WHOLE_FORM: exc.message}),
        )

    def home(self, who: Who) -> ui.Home:
        """The person's dashboard (read only)."""
        from handlers.home import home_view

        with self.uow(write=False) as uow:
            return home_view(Ctx(actor=who.person, uow=uow, clock=self.clock, policy=self.policy, actor_name=who.name))

    def _run(
        self,
        who: Who,
        delivery: str | None,
        call: Callable[[Ctx], ui.Response],
        refuse: Callable[[UserError], ui.Response] = error_reply,
    ) -> ui.Response:
        """Claim the delivery, run the handler and commit, all in one transaction."""
        with self.uow(write=True) as uow:
            if delivery and not claim_interaction(uow, key=delivery, now=self.clock.now()):
                log.info("duplicate delivery ignored %s", fields(user=who.person, delivery=delivery))
                return None
            claimed = uow.writes
            ctx = Ctx(actor=who.person, uow=uow, clock=self.clock, policy=self.policy, actor_name=who.name)
            try:
                result = call(ctx)
            except UserError as exc:
                log.info("refused %s", fields(user=who.person, reason=exc.message[:120]))
                return refuse(exc)  # leaving the block rolls back: nothing is written
            if isinstance(result, ui.FormErrors):
                return result
            uow.commit()
            changed, queued = uow.writes > claimed, uow.queued
        if changed:
            for callback in self._after_change:
                callback(who)
        if queued:
            for wake in self._after_queue:
                wake()
        return result
