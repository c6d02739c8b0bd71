"""The edge every surface calls: one unit of work per interaction, committed once, here."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock

from bot.logs import fields
from handlers import routes, ui
from handlers.clock import Clock
from handlers.context import Ctx, Policy
from handlers.errors import UserError, error_reply
from storage.interactions import claim_interaction
from storage.people import PersonId
from storage.uow import UnitOfWork, UnitOfWorkFactory, WriteAttempted

log = logging.getLogger("techcommit.dispatch")
ANSWERED_MEMORY = 10_000


@dataclass(frozen=True)
class Deferred:
    """Work that needs the write lock, to run where waiting for it holds up nothing else."""

    run: Callable[[], ui.Response]


@dataclass(frozen=True)
class Who:
    """The person behind an interaction, and their display name if the surface gave one."""

    person: PersonId
    name: str | None = None


class Dispatcher:
    """Runs commands, button presses and form submissions through the routes table.

    `delivery` identifies the platform's delivery of the interaction (e.g. its trigger id);
    a delivery seen before does nothing, so retries and duplicates have one effect.
    """

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, policy: Policy) -> None:
        self.uow = uow
        self.clock = clock
        self.policy = policy
        self._after_commit: list[Callable[[Who], None]] = []
        self._after_queue: list[Callable[[], None]] = []
        self._writers: set[str] = set()  # kinds of interaction that have been seen writing
        self._answered: OrderedDict[str, None] = OrderedDict()  # recent read-only deliveries (not stored)
        self._answered_lock = Lock()

    def on_commit(self, callback: Callable[[Who], None]) -> None:
        """Call `callback(who)` after every committed interaction (e.g. redraw their Home tab)."""
        self._after_commit.append(callback)

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

    def command(
        self, who: Who, name: str, text: str, *, delivery: str | None = None, defer: bool = False
    ) -> ui.Response | Deferred:
        handler = routes.COMMANDS.get(name)
        if handler is None:
            return ui.notice(f"I don't know the command `/{ui.escape(name)}`. Try `/techcommit help`.")
        log.info("command %s", fields(user=who.person, command=name, delivery=delivery))
        words = text.split(maxsplit=1)
        kind = f"command:{name}:{words[0].lower()[:20] if words else ''}{'+' if len(words) > 1 else ''}"
        return self._run(who, delivery, lambda ctx: handler(ctx, text), kind=kind, defer=defer)

    def action(
        self, who: Who, action: ui.Action, *, delivery: str | None = None, defer: bool = False
    ) -> ui.Response | Deferred:
        handler = routes.ACTIONS.get(action.action)
        if handler is None:
            return ui.notice("That button no longer does anything. Try the command again.")
        log.info("action %s", fields(user=who.person, action=action.action, delivery=delivery))
        return self._run(who, delivery, lambda ctx: handler(ctx, action), kind=f"action:{action.action}", defer=defer)

    def submit(self, who: Who, submission: ui.Submission, *, delivery: str | None = None) -> ui.Response:
        handler = routes.FORMS.get(submission.callback)
        if handler is None:
            return ui.notice("That form is out of date. Open it again.")
        log.info("submit %s", fields(user=who.person, form=submission.callback, delivery=delivery))
        # A refusal keeps the form open with the message, so nothing the person typed is lost.
        result = self._run(
            who,
            delivery,
            lambda ctx: handler(ctx, submission),
            refuse=lambda exc: ui.FormErrors({ui.WHOLE_FORM: exc.message}),
            kind=f"form:{submission.callback}",
        )
        assert not isinstance(result, Deferred)  # only asked for with defer=True
        return result

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
        kind: str = "",
        defer: bool = False,
    ) -> ui.Response | Deferred:
        """Run the handler, first without the write lock; again with it only if the handler writes.

        Most interactions only read (lists, summaries, opening a form): they never wait behind a
        writer, which keeps slash commands and modals fast when SQLite is busy. A handler that
        writes is re-run in a write transaction where the delivery is claimed and the work
        committed together, so a retried delivery has one effect. Kinds of interaction seen
        writing (`kind`, e.g. `command:cpd:add`) go straight to the write transaction next time.
        With `defer`, the write is returned as a Deferred to run elsewhere (it may wait for a lock).
        """
        if kind not in self._writers:
            if delivery and self._seen_read_only(delivery):
                return None
            try:
                with self.uow(write=False) as uow:
                    return self._attempt(uow, who, call, refuse)[0]
            except WriteAttempted:
                self._writers.add(kind)
                self._forget_read_only(delivery)
        if defer:
            return Deferred(lambda: self._write(who, delivery, call, refuse))
        return self._write(who, delivery, call, refuse)

    def _write(
        self,
        who: Who,
        delivery: str | None,
        call: Callable[[Ctx], ui.Response],
        refuse: Callable[[UserError], ui.Response],
    ) -> ui.Response:
        with self.uow(write=True) as uow:
            if delivery and not claim_interaction(uow, key=delivery, now=self.clock.now()):
                log.info("duplicate delivery ignored %s", fields(user=who.person, delivery=delivery))
                return None
            result, refused = self._attempt(uow, who, call, refuse)
            if refused or isinstance(result, ui.FormErrors):
                return result  # leaving the block rolls back: nothing is written
            uow.commit()
            queued = uow.queued
        for callback in self._after_commit:
            callback(who)
        if queued:
            for wake in self._after_queue:
                wake()
        return result

    def _seen_read_only(self, delivery: str) -> bool:
        """Remember a delivery answered without writing; tell whether it was seen already.

        Writes are de-duplicated in the database with the work itself; a read is not worth a
        write, so its deliveries are remembered in memory (a repeat reaching another process is
        answered again, harmlessly).
        """
        with self._answered_lock:
            if delivery in self._answered:
                return True
            self._answered[delivery] = None
            if len(self._answered) > ANSWERED_MEMORY:
                self._answered.popitem(last=False)
            return False

    def _forget_read_only(self, delivery: str | None) -> None:
        if delivery:
            with self._answered_lock:
                self._answered.pop(delivery, None)

    def _attempt(
        self, uow: UnitOfWork, who: Who, call: Callable[[Ctx], ui.Response], refuse: Callable[[UserError], ui.Response]
    ) -> tuple[ui.Response, bool]:
        ctx = Ctx(actor=who.person, uow=uow, clock=self.clock, policy=self.policy, actor_name=who.name)
        try:
            return call(ctx), False
        except UserError as exc:
            log.info("refused %s", fields(user=who.person, reason=exc.message[:120]))
            return refuse(exc), True
