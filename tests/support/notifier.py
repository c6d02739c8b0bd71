"""A stand-in platform for the scheduler's sender: records what it is asked to post."""

from __future__ import annotations

from collections.abc import Callable

from handlers import ui
from scheduler.sender import DeliveryFailed, SentMessage


class RecordingNotifier:
    """Records (recipient, text) of each message; can be told to fail, or to run something mid-send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.failures: list[DeliveryFailed] = []
        self.while_sending: Callable[[], None] | None = None  # runs before the post "returns", once
        self.while_waiting: Callable[[], None] | None = None  # runs while waiting for the rate limit, once

    def wait_turn(self, *, platform: str) -> None:
        if self.while_waiting is not None:
            meanwhile, self.while_waiting = self.while_waiting, None
            meanwhile()

    def send(self, *, platform: str, recipient: str, to_channel: bool, reply: ui.Reply) -> SentMessage:
        if self.failures:
            raise self.failures.pop(0)
        if self.while_sending is not None:
            meanwhile, self.while_sending = self.while_sending, None
            meanwhile()
        self.sent.append((recipient, reply.text))
        return SentMessage(channel=recipient, ts=f"{len(self.sent)}.0")
