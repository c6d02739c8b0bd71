"""Send the scheduler's messages to Teams users, through the chat they have with the bot."""

from __future__ import annotations

from bot.teams.render import to_card
from bot.teams.runtime import TeamsRuntime
from handlers import ui
from scheduler.sender import DeliveryFailed, SentMessage
from storage import conversations
from storage.uow import UnitOfWorkFactory

NO_CHAT = (
    "no Teams chat with this person yet: they have to message techcommit (or install the app) once before "
    "it can reach them"
)


class TeamsNotifier:
    def __init__(self, runtime: TeamsRuntime, uow: UnitOfWorkFactory) -> None:
        self.runtime = runtime
        self.uow = uow

    def wait_turn(self, *, platform: str) -> None:
        """Not paced: the Bot Framework's limits are per conversation, and each person has their own."""

    def send(self, *, platform: str, recipient: str, to_channel: bool, reply: ui.Reply) -> SentMessage:
        if to_channel:
            raise DeliveryFailed("posting to a Teams channel is not supported; use a Slack channel", permanent=True)
        with self.uow(write=False) as unit:
            reference = conversations.get_ref(unit, platform="teams", user_id=recipient)
        if reference is None:
            raise DeliveryFailed(NO_CHAT, permanent=True)
        try:
            activity_id = self.runtime.send(reference, reply, to_card(reply))
        except DeliveryFailed:  # refused before sending (a serviceUrl host not allowed)
            raise
        except Exception as exc:  # the connector refused or could not be reached: try again later
            raise DeliveryFailed(f"Teams said {type(exc).__name__}: {str(exc)[:200]}", permanent=False) from None
        return SentMessage(channel=f"teams:{recipient}", ts=activity_id or None)
