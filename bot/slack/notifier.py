"""Post the scheduler's messages to Slack: to a person's DM or to a channel."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.pacing import Pacer
from bot.slack.dms import DmChannels
from bot.slack.render import to_message
from handlers import ui
from scheduler.sender import DeliveryFailed, SentMessage

# Errors that another attempt cannot fix.
PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_disabled",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
        "cannot_dm_bot",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "restricted_action",
        "not_authed",
        "invalid_arguments",
    }
)


class SlackNotifier:
    """Posts the outbox's messages, paced to stay under chat.postMessage's rate limit."""

    def __init__(self, client: WebClient, dms: DmChannels, pacer: Pacer) -> None:
        self.client = client
        self.dms = dms
        self.pacer = pacer

    def wait_turn(self, *, platform: str) -> None:
        self.pacer.wait()

    def send(self, *, platform: str, recipient: str, to_channel: bool, reply: ui.Reply) -> SentMessage:
        if platform != "slack":
            raise DeliveryFailed(f"no adapter for platform {platform!r}", permanent=True)
        # A DM can be posted to the user id itself: Slack opens the conversation, so the rate-limited
        # conversations.open is never needed here; the DM channel it answers with is remembered.
        known = None if to_channel else self.dms.known(recipient)
        try:
            response = self.client.chat_postMessage(channel=known or recipient, **to_message(reply))
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            raise DeliveryFailed(f"Slack said {error}", permanent=error in PERMANENT) from None
        channel = str(response["channel"])
        if not to_channel and known is None:
            self.dms.remember(recipient, channel)
        return SentMessage(channel=channel, ts=str(response["ts"]))
