"""Send what a handler returned back to the person in Slack, by the best route available."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock
from typing import Any

import urllib3
from slack_sdk import WebClient

from bot.logs import fields, new_reference
from bot.slack.dms import DmChannels
from bot.slack.render import to_home, to_message, to_modal
from bot.slack.response_urls import ResponseUrls
from handlers import ui

log = logging.getLogger("techcommit.slack")


@dataclass(frozen=True)
class Target:
    """Where an interaction came from, and so where its reply can go."""

    user_id: str
    channel_id: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None
    in_modal: bool = False

    @classmethod
    def of_command(cls, user_id: str, body: dict[str, Any]) -> Target:
        """Where a slash command came from."""
        return cls(
            user_id=user_id,
            channel_id=body.get("channel_id"),
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
        )

    @classmethod
    def of_action(cls, user_id: str, body: dict[str, Any]) -> Target:
        """Where a button was pressed: a message, the Home tab, or a modal (a form opened from it is pushed)."""
        container, view = body.get("container") or {}, body.get("view") or {}
        return cls(
            user_id=user_id,
            channel_id=(body.get("channel") or {}).get("id"),
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
            in_modal=container.get("type") == "view" and view.get("type") == "modal",
        )


RESPONSE_URL_LIFETIME = 30 * 60  # seconds Slack accepts posts to a response URL (at most 5 of them)


def usable_response_url(meta: dict[str, Any], now: float | None = None) -> str | None:
    """The response URL stored with a form, unless it has (nearly) expired; then other routes are used."""
    url, issued = meta.get("response_url"), meta.get("issued")
    if not isinstance(url, str) or not isinstance(issued, int | float):
        return None
    age = (time.time() if now is None else now) - issued
    return url if age < RESPONSE_URL_LIFETIME - 60 else None


class Deliverer:
    def __init__(
        self,
        client: WebClient,
        dms: DmChannels,
        republisher: Callable[[str], tuple[str, str, ui.Reply] | None],
        answers: ResponseUrls,
    ) -> None:
        self.client = client
        self.answers = answers
        self.dms = dms
        self.republisher = republisher
        self._locks: dict[str, Lock] = {}
        self._locks_guard = Lock()

    def deliver(self, result: ui.Response, target: Target) -> None:
        """Show the result: a reply, a modal, or a file in the person's DM."""
        match result:
            case None:
                return
            case ui.Reply():
                self.send_reply(result, target)
                for subject in result.republish:
                    self.republish(subject)
            case ui.Form():
                self.open_form(result, target)
            case ui.FileReply():
                self._send_file_reporting(result, target)
            case ui.Home():
                self.client.views_publish(user_id=target.user_id, view=to_home(result))
            case ui.FormErrors():
                log.warning("form errors outside a form submission %s", fields(user=target.user_id))

    def send_reply(self, reply: ui.Reply, target: Target) -> None:
        """Reply ephemerally through the response URL, else ephemerally in the channel, else by DM."""
        message = to_message(reply)
        if target.response_url and self._via_response_url(message, reply, target.response_url):
            return
        if target.channel_id and not reply.replace:
            try:
                self.client.chat_postEphemeral(channel=target.channel_id, user=target.user_id, **message)
                return
            except Exception as exc:  # e.g. the bot is not in that channel: fall back to the DM
                log.info("ephemeral fallback to DM %s", fields(user=target.user_id, error=type(exc).__name__))
        self.client.chat_postMessage(channel=self.dms.channel_for(self.client, target.user_id), **message)

    def republish(self, subject: str) -> None:
        """Redraw a shared message (an event announcement) with what it should say now.

        One redraw per subject at a time, each reading fresh data inside the lock, so the last
        update Slack receives is never older than an earlier one.
        """
        with self._locks_guard:
            lock = self._locks.setdefault(subject, Lock())
        with lock:
            found = self.republisher(subject)
            if found is None:  # not posted yet: the sender redraws it once it is, if need be
                log.debug("nothing to redraw yet %s", fields(subject=subject))
                return
            channel, ts, reply = found
            self.client.chat_update(channel=channel, ts=ts, **to_message(reply))

    def _via_response_url(self, message: dict[str, Any], reply: ui.Reply, url: str) -> bool:
        payload = {**message, "response_type": "ephemeral", "replace_original": reply.replace}
        try:
            posted = self.answers.post(url, payload)
        except urllib3.exceptions.HTTPError as exc:  # unreachable, or no answer in time: try the other routes
            log.warning("response_url failed %s", fields(error=type(exc).__name__))
            return False
        if posted.status == 200:
            return True
        log.warning("response_url refused %s", fields(status=posted.status, body=posted.body[:60]))
        return False

    def open_form(self, form: ui.Form, target: Target) -> None:
        """Open (or push, from inside a modal) the form; it must happen within 3 s of the click."""
        meta = {
            "channel": target.channel_id,
            "response_url": target.response_url,
            "issued": int(time.time()) if target.response_url else None,
        }
        view = to_modal(form, meta={k: v for k, v in meta.items() if v})
        if target.in_modal:
            self.client.views_push(trigger_id=target.trigger_id, view=view)
        else:
            self.client.views_open(trigger_id=target.trigger_id, view=view)

    def _send_file_reporting(self, result: ui.FileReply, target: Target) -> None:
        try:
            self.send_file(result, target)
        except Exception:
            ref = new_reference()
            log.exception("file not sent %s", fields(ref=ref, user=target.user_id, file=result.file.name))
            self.send_reply(
                ui.notice(
                    f"Sorry — the file could not be sent. If it keeps happening, give an admin the reference `{ref}`."
                ),
                target,
            )

    def send_file(self, result: ui.FileReply, target: Target) -> None:
        """Upload the file to the person's DM (files upload v2), then say so where they asked."""
        channel = self.dms.channel_for(self.client, target.user_id)
        self.client.files_upload_v2(
            channel=channel,
            content=result.file.content,
            filename=result.file.name,
            title=result.file.title,
            initial_comment=result.comment,
        )
        log.info("file sent %s", fields(user=target.user_id, file=result.file.name, bytes=len(result.file.content)))
        self.send_reply(result.reply, target)
