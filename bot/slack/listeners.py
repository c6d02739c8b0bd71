"""Thin Bolt listeners: acknowledge, hand over to the dispatcher, deliver the result."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.dispatch import Deferred, Dispatcher, Who
from bot.logs import fields, new_reference
from bot.slack.deliver import Deliverer, Target, usable_response_url
from bot.slack.home import HomeTabs
from bot.slack.render import read_meta, read_values
from handlers import routes, ui
from storage.people import PersonId

log = logging.getLogger("techcommit.slack")

SORRY = (
    "Sorry — something went wrong on our side and nothing was changed. "
    "If it keeps happening, give an admin the reference `{ref}`."
)


def _one_of(ids: object) -> re.Pattern[str]:
    return re.compile("^(?:" + "|".join(re.escape(str(i)) for i in ids) + ")$")  # type: ignore[attr-defined]


def who_from(context: BoltContext, body: dict[str, Any]) -> Who:
    user = body.get("user") or {}
    name = body.get("user_name") or user.get("name") or user.get("username")
    team = context.team_id or context.enterprise_id or ""
    return Who(PersonId("slack", team, context.user_id or ""), name)


def report_error(error: BaseException, body: dict[str, Any]) -> str:
    """Log an internal error once, with a reference the person can quote."""
    ref = new_reference()
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    log.error("internal error %s", fields(ref=ref, user=user, kind=body.get("type") or "command"), exc_info=error)
    return ref


@dataclass(frozen=True)
class Pools:
    """Where the work behind an acknowledged request runs (see `register`)."""

    reads: ThreadPoolExecutor
    writes: ThreadPoolExecutor
    sends: ThreadPoolExecutor

    def shutdown(self) -> None:
        """Finish what was handed over, in the order it flows (work, then sending its answer)."""
        for pool in (self.reads, self.writes, self.sends):
            pool.shutdown(wait=True)


def register(app: App, dispatcher: Dispatcher, deliverer: Deliverer, homes: HomeTabs, pools: Pools) -> None:
    """Attach the command, action and view listeners and the error handler.

    Bolt acknowledges a request only once its listener has started on Bolt's thread pool, so
    listeners only acknowledge and hand over: the read-only part of the work (lists, summaries,
    opening a form: never waiting for the write lock) runs in `reads`; work that writes, and so may
    wait for a busy database, goes on to `writes`; the answer is sent from `sends`, and files have
    a pool of their own. However long exports run, Slack takes to answer, or the database stays
    locked, requests are acknowledged and forms open.
    """
    reads, writes, sends = pools.reads, pools.writes, pools.sends

    def apologise(error: BaseException, body: dict[str, Any]) -> None:
        ref = report_error(error, body)
        user = body.get("user_id") or (body.get("user") or {}).get("id")
        if not user:
            return
        try:
            channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
            deliverer.send_reply(
                ui.notice(SORRY.format(ref=ref)),
                Target(user_id=user, channel_id=channel, response_url=body.get("response_url")),
            )
        except Exception:
            log.warning("could not tell the person about the error %s", fields(ref=ref, user=user))

    def in_background(body: dict[str, Any], job: Callable[[], None], pool: Executor) -> None:
        def run() -> None:
            try:
                job()
            except Exception as error:
                apologise(error, body)

        pool.submit(run)

    def handle(
        body: dict[str, Any], attempt: Callable[[], ui.Response | Deferred], show: Callable[[ui.Response], None]
    ) -> None:
        """Try the work read-only in `reads`; if it writes, run it in `writes`; show the result."""

        def read_first() -> None:
            result = attempt()
            if isinstance(result, Deferred):
                pending = result
                in_background(body, lambda: send(pending.run()), writes)
            else:
                send(result)

        def send(result: ui.Response) -> None:
            in_background(body, lambda: show(result), sends)

        in_background(body, read_first, reads)

    def on_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        who = who_from(context, body)
        name = str(body.get("command", "")).lstrip("/")
        text = ui.unescape(body.get("text") or "")  # Slack escapes &, < and > in what was typed
        target = Target(
            user_id=who.person.user_id,
            channel_id=body.get("channel_id"),
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
        )
        delivery = f"command:{body.get('trigger_id')}"
        handle(
            body,
            lambda: dispatcher.command(who, name, text, delivery=delivery, defer=True),
            lambda shown: deliverer.deliver(shown, target),
        )

    for name in routes.COMMANDS:
        app.command(f"/{name}")(on_command)

    @app.action(_one_of(routes.ACTIONS))
    def on_action(ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext) -> None:
        ack()
        who = who_from(context, body)
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
                homes.clicked(who)
            else:
                deliverer.deliver(result, target)

        delivery = f"action:{body.get('trigger_id')}"
        handle(
            body,
            lambda: dispatcher.action(who, ui.Action(action["action_id"], value), delivery=delivery, defer=True),
            show,
        )

    @app.view(_one_of(routes.FORMS))
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        who = who_from(context, body)
        meta = read_meta(view)
        state = meta.get("state") if isinstance(meta.get("state"), dict) else {}
        submission = ui.Submission(
            view["callback_id"],
            read_values(view["state"]["values"]),
            {str(k): str(v) for k, v in (state or {}).items()},
        )
        first = next((b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"), "")
        try:
            result = dispatcher.submit(who, submission, delivery=f"view:{view.get('id')}")
        except Exception as error:
            # The person's typing must not be lost: keep the modal open with the reference.
            ref = report_error(error, body)
            ack(response_action="errors", errors={first: ui.plain(SORRY.format(ref=ref))} if first else {})
            return
        if isinstance(result, ui.FormErrors):
            errors = {key or first: message for key, message in result.errors.items()}
            ack(response_action="errors", errors={k: v[:2000] for k, v in errors.items() if k})
            return
        ack()
        target = Target(
            user_id=who.person.user_id, channel_id=meta.get("channel"), response_url=usable_response_url(meta)
        )
        in_background(body, lambda: deliverer.deliver(result, target), sends)

    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], context: BoltContext, body: dict[str, Any]) -> None:
        if event.get("tab") == "home":
            who = who_from(context, {})
            in_background(body, lambda: homes.opened(who), sends)  # mostly waiting for views.publish

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        apologise(error, body)
