"""Thin Bolt listeners: acknowledge, and hand the work over (`bot.slack.work`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.dispatch import Dispatcher, Who
from bot.slack.deliver import Target, usable_response_url
from bot.slack.render import read_meta, read_values
from bot.slack.work import SORRY, Job, Work, report_error
from handlers import routes, ui
from storage.people import PersonId

Handoff = Callable[[Job], None]


def _one_of(ids: object) -> re.Pattern[str]:
    return re.compile("^(?:" + "|".join(re.escape(str(i)) for i in ids) + ")$")  # type: ignore[attr-defined]


def who_from(context: BoltContext, body: dict[str, Any]) -> Who:
    user = body.get("user") or {}
    name = body.get("user_name") or user.get("name") or user.get("username")
    team = context.team_id or context.enterprise_id or ""
    return Who(PersonId("slack", team, context.user_id or ""), name)


def register(app: App, dispatcher: Dispatcher, work: Work, handoff: Handoff) -> None:
    """Attach the command, action and view listeners and the error handler.

    Bolt acknowledges a request only once its listener has started on Bolt's thread pool, so
    listeners only acknowledge and hand the work over, to `work` in this process or to the work
    process (`handoff`). A form submission is the exception: Slack waits for its verdict (keep the
    form open with errors, or close it), so it is decided here and only its answer is handed over.
    """

    def on_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        handoff(Job("command", who_from(context, body), body))

    for name in routes.COMMANDS:
        app.command(f"/{name}")(on_command)

    @app.action(_one_of(routes.ACTIONS))
    def on_action(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        handoff(Job("action", who_from(context, body), body))

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
        work.in_background(body, lambda: work.deliverer.deliver(result, target), work.pools.sends)

    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], context: BoltContext, body: dict[str, Any]) -> None:
        if event.get("tab") == "home":
            handoff(Job("home", who_from(context, {}), body))  # mostly waiting for views.publish

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        work.apologise(error, body)
