"""The work behind an acknowledged Slack request: run it, then answer; in whichever process does the work.

A listener acknowledges and hands over a `Job`. The job is done here, in this process's pools, or
in the work process (`bot.slack.work_process`), which receives the same `Job` pickled through a pipe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.dispatch import Deferred, Dispatcher, Who
from bot.logs import fields, new_reference
from bot.slack.deliver import Deliverer, Target
from bot.slack.home import HomeTabs
from handlers import ui

log = logging.getLogger("techcommit.slack")

SORRY = (
    "Sorry — something went wrong on our side and nothing was changed. "
    "If it keeps happening, give an admin the reference `{ref}`."
)

JobKind = Literal["command", "action", "home", "changed"]


@dataclass(frozen=True)
class Job:
    """An acknowledged request's work, small and plain enough to cross to another process.

    `command`, `action` and `home` carry Slack's payload as Bolt parsed it; `changed` says that an
    interaction of `who` committed elsewhere, so their open Home tab should be redrawn.
    """

    kind: JobKind
    who: Who
    body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pools:
    """Where the work behind an acknowledged request runs (see `Work`)."""

    reads: ThreadPoolExecutor
    writes: ThreadPoolExecutor
    sends: ThreadPoolExecutor

    def shutdown(self) -> None:
        """Finish what was handed over, in the order it flows (work, then sending its answer)."""
        for pool in (self.reads, self.writes, self.sends):
            pool.shutdown(wait=True)


def report_error(error: BaseException, body: dict[str, Any]) -> str:
    """Log an internal error once, with a reference the person can quote."""
    ref = new_reference()
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    log.error("internal error %s", fields(ref=ref, user=user, kind=body.get("type") or "command"), exc_info=error)
    return ref


class Work:
    """Does jobs: the read-only part of the work (lists, summaries, opening a form: never waiting for
    the write lock) in `reads`; work that writes, and so may wait for a busy database, in `writes`;
    the answer is sent from `sends`. However long Slack takes to answer or the database stays
    locked, the next job starts at once.
    """

    def __init__(self, dispatcher: Dispatcher, deliverer: Deliverer, homes: HomeTabs, pools: Pools) -> None:
        self.dispatcher = dispatcher
        self.deliverer = deliverer
        self.homes = homes
        self.pools = pools

    def __call__(self, job: Job) -> None:
        """Start the job and return: it runs in the pools."""
        match job.kind:
            case "command":
                self._command(job.who, job.body)
            case "action":
                self._action(job.who, job.body)
            case "home":
                self.in_background(job.body, lambda: self.homes.opened(job.who), self.pools.sends)
            case "changed":
                self.homes.changed(job.who)

    def apologise(self, error: BaseException, body: dict[str, Any]) -> None:
        """Log the error with a reference, and tell the person (if there is one) that nothing changed."""
        ref = report_error(error, body)
        user = body.get("user_id") or (body.get("user") or {}).get("id")
        if not user:
            return
        try:
            channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
            self.deliverer.send_reply(
                ui.notice(SORRY.format(ref=ref)),
                Target(user_id=user, channel_id=channel, response_url=body.get("response_url")),
            )
        except Exception:
            log.warning("could not tell the person about the error %s", fields(ref=ref, user=user))

    def in_background(self, body: dict[str, Any], job: Callable[[], None], pool: Executor) -> None:
        def run() -> None:
            try:
                job()
            except Exception as error:
                self.apologise(error, body)

        pool.submit(run)

    def _handle(
        self, body: dict[str, Any], attempt: Callable[[], ui.Response | Deferred], show: Callable[[ui.Response], None]
    ) -> None:
        """Try the work read-only in `reads`; if it writes, run it in `writes`; show the result."""

        def read_first() -> None:
            result = attempt()
            if isinstance(result, Deferred):
                pending = result
                self.in_background(body, lambda: send(pending.run()), self.pools.writes)
            else:
                send(result)

        def send(result: ui.Response) -> None:
            self.in_background(body, lambda: show(result), self.pools.sends)

        self.in_background(body, read_first, self.pools.reads)

    def _command(self, who: Who, body: dict[str, Any]) -> None:
        name = str(body.get("command", "")).lstrip("/")
        text = ui.unescape(body.get("text") or "")  # Slack escapes &, < and > in what was typed
        target = Target(
            user_id=who.person.user_id,
            channel_id=body.get("channel_id"),
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
        )
        delivery = f"command:{body.get('trigger_id')}"
        self._handle(
            body,
            lambda: self.dispatcher.command(who, name, text, delivery=delivery, defer=True),
            lambda shown: self.deliverer.deliver(shown, target),
        )

    def _action(self, who: Who, body: dict[str, Any]) -> None:
        action = (body.get("actions") or [{}])[0]
        value = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
        container, view = body.get("container") or {}, body.get("view") or {}
        target = Target(
            user_id=who.person.user_id,
            channel_id=(body.get("channel") or {}).get("id"),
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
            in_modal=container.get("type") == "view" and view.get("type") == "modal",
        )

        def show(result: ui.Response) -> None:
            if isinstance(result, ui.Home):
                self.homes.clicked(who)
            else:
                self.deliverer.deliver(result, target)

        delivery = f"action:{body.get('trigger_id')}"
        self._handle(
            body,
            lambda: self.dispatcher.action(who, ui.Action(action["action_id"], value), delivery=delivery, defer=True),
            show,
        )
