"""App Home tabs: published when opened, and redrawn after the person changes something."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from threading import Lock

from slack_sdk import WebClient

from bot.dispatch import Dispatcher, Who
from bot.logs import fields
from bot.slack.render import to_home

log = logging.getLogger("techcommit.slack")


class HomeTabs:
    """Keeps open Home tabs current.

    Slack does not say who is looking at their Home tab, so a tab is redrawn after a change only
    for people who opened it since this process started; anyone else gets a fresh one the next
    time they open it (app_home_opened). Redraws run in the background, off the reply's path.
    """

    def __init__(self, client: WebClient, dispatcher: Dispatcher) -> None:
        self.client = client
        self.dispatcher = dispatcher
        self._viewers: set[str] = set()
        self._lock = Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="home")

    def opened(self, who: Who) -> None:
        with self._lock:
            self._viewers.add(who.person.user_id)
        self.publish(who)

    def clicked(self, who: Who) -> None:
        """Something was changed from the person's Home tab: redraw it, unless `changed` already does.

        Someone who opened the tab before this process started is not known as a viewer yet.
        """
        with self._lock:
            known = who.person.user_id in self._viewers
            self._viewers.add(who.person.user_id)
        if not known:
            self.publish(who)

    def changed(self, who: Who) -> None:
        with self._lock:
            watching = who.person.user_id in self._viewers
        if watching:
            self._pool.submit(self._publish_quietly, who)

    def publish(self, who: Who) -> None:
        self.client.views_publish(user_id=who.person.user_id, view=to_home(self.dispatcher.home(who)))

    def _publish_quietly(self, who: Who) -> None:
        try:
            self.publish(who)
        except Exception:
            log.exception("home tab redraw failed %s", fields(user=who.person))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
