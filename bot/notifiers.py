"""Messages the bot sends on its own, routed to the platform of each recipient."""

from __future__ import annotations

from handlers import ui
from scheduler.sender import DeliveryFailed, Notifier, SentMessage


class PlatformNotifiers:
    """One notifier per connected platform (`slack`, `teams`); a message goes to its recipient's."""

    def __init__(self) -> None:
        self.by_platform: dict[str, Notifier] = {}

    def add(self, platform: str, notifier: Notifier) -> None:
        self.by_platform[platform] = notifier

    def __bool__(self) -> bool:
        return bool(self.by_platform)

    def wait_turn(self, *, platform: str) -> None:
        notifier = self.by_platform.get(platform)
        if notifier is not None:
            notifier.wait_turn(platform=platform)

    def send(self, *, platform: str, recipient: str, to_channel: bool, reply: ui.Reply) -> SentMessage:
        notifier = self.by_platform.get(platform)
        if notifier is None:
            raise DeliveryFailed(f"{platform} is not connected in this deployment", permanent=True)
        return notifier.send(platform=platform, recipient=recipient, to_channel=to_channel, reply=reply)
