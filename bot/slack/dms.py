"""DM channel ids, remembered in the database so conversations.open (rate-limited) is called once a person."""

from __future__ import annotations

from slack_sdk import WebClient

from handlers.clock import Clock
from storage import conversations
from storage.uow import UnitOfWorkFactory


class DmChannels:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    def known(self, user_id: str) -> str | None:
        """The person's DM channel if it has been seen before."""
        with self.uow(write=False) as unit:
            return conversations.get_ref(unit, platform="slack", user_id=user_id)

    def remember(self, user_id: str, channel: str) -> None:
        with self.uow(write=True) as unit:
            conversations.save_ref(unit, platform="slack", user_id=user_id, ref=channel, now=self.clock.now())
            unit.commit()

    def channel_for(self, client: WebClient, user_id: str) -> str:
        """The person's DM channel with the bot (opened once, then remembered)."""
        known = self.known(user_id)
        if known:
            return known
        channel = str(client.conversations_open(users=user_id)["channel"]["id"])
        self.remember(user_id, channel)
        return channel
