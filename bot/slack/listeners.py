"""Thin Bolt listeners: acknowledge, run the interaction once, and send the answer.

Bolt runs each listener on its listener executor and answers Slack's HTTP request as soon as the
listener calls `ack()`; the work and the answer (through the response URL, good for 30 minutes)
follow on the same thread. A form submission is acknowledged after the work, because Slack waits
for its verdict: keep the form open with errors, close it, or (a form with no inputs to show an
error on) put the refusal in its place.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse

from bot.dispatch import Dispatcher, Who
from bot.logs import fields, new_reference
from bot.slack.deliver import Deliverer, Target, usable_response_url
from bot.slack.home import HomeTabs
from bot.slack.render import read_meta, read_values, to_refusal
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


def delivery_of(kind: str, body: dict[str, Any]) -> str | None:
    """Slack's own id for this delivery of an interaction (its trigger id), to claim with the work."""
    trigger = body.get("trigger_id")
    return f"{kind}:{trigger}" if isinstance(trigger, str) and trigger else None


def report_error(error: BaseException, body: dict[str, Any]) -> str:
    """Log an internal error once, with a reference the person can quote."""
    ref = new_reference()
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    log.error("internal error %s", fields(ref=ref, user=user, kind=body.get("type") or "command"), exc_info=error)
    return ref


def register(app: App, dispatcher: Dispatcher, deliverer: Deliverer, homes: HomeTabs) -> None:
    """Attach the command, action, view and event listeners and the error handler."""

    @app.middleware
    def skip_timed_out_retries(req: BoltRequest, resp: BoltResponse, next: Any) -> BoltResponse | None:
        # Slack retries an event it did not see acknowledged in time; the first delivery is still
        # being (or has been) handled, so a retry for that reason is acknowledged and dropped.
        # Retries after an error or a refused connection are handled: the first delivery was not.
        if _header(req, "x-slack-retry-num") and _header(req, "x-slack-retry-reason") == "http_timeout":
            log.info("event retry skipped %s", fields(retry=_header(req, "x-slack-retry-num")))
            return BoltResponse(status=200, body="")
        return next()  # type: ignore[no-any-return]

    # After ack() an error is answered in the listener, not left to Bolt's error handler: for a
    # listener that raises after acknowledging, Bolt's thread runner sets the acknowledgement back
    # to None, so work that failed within its 10 ms poll (a refused database connection) turned
    # the 200 into a 404 "unhandled request" three seconds later (tests/bot/test_database_outage.py).
    def on_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        try:
            who = who_from(context, body)
            name = str(body.get("command", "")).lstrip("/")
            text = ui.unescape(body.get("text") or "")  # Slack escapes &, < and > in what was typed
            result = dispatcher.command(who, name, text, delivery=delivery_of("command", body))
            deliverer.deliver(result, Target.of_command(who.person.user_id, body))
        except Exception as error:
            apologise(deliverer, error, body)

    for name in routes.COMMANDS:
        app.command(f"/{name}")(on_command)

    @app.action(_one_of(routes.ACTIONS))
    def on_action(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        try:
            who = who_from(context, body)
            pressed = (body.get("actions") or [{}])[0]
            value = pressed.get("value") or (pressed.get("selected_option") or {}).get("value") or ""
            action = ui.Action(pressed["action_id"], value)
            result = dispatcher.action(who, action, delivery=delivery_of("action", body))
            if isinstance(result, ui.Home):
                homes.clicked(who)
            else:
                deliverer.deliver(result, Target.of_action(who.person.user_id, body))
        except Exception as error:  # answered here, as in on_command
            apologise(deliverer, error, body)

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
        try:
            # A view is accepted once (its id is claimed only when the submission commits): a
            # refused submission rolls its claim back, so the corrected one is taken as new.
            result = dispatcher.submit(who, submission, delivery=f"view:{view['id']}" if view.get("id") else None)
        except Exception as error:
            # The person's typing must not be lost: keep the modal open with the reference.
            ref = report_error(error, body)
            ack(**to_refusal(view, {ui.WHOLE_FORM: ui.plain(SORRY.format(ref=ref))}))
            return
        if isinstance(result, ui.FormErrors):
            ack(**to_refusal(view, result.errors))  # on the inputs, or in the form's place if it has none
            return
        ack()
        target = Target(
            user_id=who.person.user_id, channel_id=meta.get("channel"), response_url=usable_response_url(meta)
        )
        deliverer.deliver(result, target)

    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("tab") == "home":
            homes.opened(who_from(context, {}))

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        apologise(deliverer, error, body)


def _header(req: BoltRequest, name: str) -> str:
    values = req.headers.get(name) or []
    return str(values[0]) if values else ""


def apologise(deliverer: Deliverer, error: BaseException, body: dict[str, Any]) -> None:
    """Log the error with a reference, and tell the person (if there is one) that nothing changed."""
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
