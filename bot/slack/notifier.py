"""Post the scheduler's messages to Slack: to a person's DM or to a channel."""

from __future__ import annotations

import hashlib

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.pacing import SharedPacer
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


def pace_key(client: WebClient) -> str:
    """The key this client's posts are paced under (`SharedPacer`): one for each app installed in a workspace.

    Slack limits chat.postMessage per app per workspace, and a bot token is one app in one workspace, so every
    process with the same token shares the key. A digest of the token, never the token, is what gets stored;
    the workspace's id would take an auth.test call before the first post.
    """
    digest = hashlib.sha256((client.token or "").encode()).hexdigest()[:16]
    return f"slack:{digest}"


class SlackNotifier:
    """Posts the outbox's messages, paced to stay under chat.postMessage's rate limit."""

    def __init__(self, client: WebClient, pacer: SharedPacer) -> None:
        self.client = client
        self.pacer = pacer
        self._told: dict[str, str] = {}  # DM channels this notifier has handed to the outbox to remember

    def wait_turn(self, *, platform: str) -> None:
        self.pacer.wait()

    def send(self, *, platform: str, recipient: str, to_channel: bool, reply: ui.Reply) -> SentMessage:
        if platform != "slack":
            raise DeliveryFailed(f"no adapter for platform {platform!r}", permanent=True)
        # A DM is posted to the user id itself: Slack opens the conversation, so neither the
        # rate-limited conversations.open nor a lookup of the DM channel is needed. The channel Slack
        # answers with is remembered (by the outbox, with the row) for DMs sent outside the outbox.
        try:
            response = self.client.chat_postMessage(channel=recipient, **to_message(reply))
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            raise DeliveryFailed(f"Slack said {error}", permanent=error in PERMANENT) from None
        channel = str(response["channel"])
        new_dm = None
        if not to_channel and self._told.get(recipient) != channel:
            self._told[recipient] = new_dm = channel
        return SentMessage(channel=channel, ts=str(response["ts"]), dm_channel=new_dm)
