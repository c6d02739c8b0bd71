"""The Slack side, built in one place from the settings: the Bolt app and what it sends with."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.composition import Deps
from bot.pacing import SharedPacer
from bot.slack.deliver import Deliverer
from bot.slack.dms import DmChannels
from bot.slack.home import HomeTabs
from bot.slack.listeners import register
from bot.slack.notifier import SlackNotifier, pace_key
from bot.slack.response_urls import ResponseUrls


def web_client(deps: Deps) -> WebClient:
    """A Web API client for SLACK_API_URL that retries rate limits, server errors and dropped connections."""
    return WebClient(
        token=deps.settings.secret("slack_bot_token"),
        base_url=deps.settings.slack_api_url,
        timeout=15,
        logger=logging.getLogger("techcommit.slack.web"),
        retry_handlers=[
            ConnectionErrorRetryHandler(),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def slack_notifier(deps: Deps, client: WebClient | None = None) -> SlackNotifier:
    """The outbox's Slack sender, paced to SLACK_POST_RATE: one rate for the workspace, shared by every process."""
    client = client or web_client(deps)
    return SlackNotifier(client, SharedPacer(deps.uow, key=pace_key(client), per_second=deps.settings.slack_post_rate))


def _not_token_skipped(record: logging.LogRecord) -> bool:
    """Drop Bolt's start-up warning that SLACK_BOT_TOKEN goes unused: our client is made with that very token."""
    return record.getMessage() != warning_client_prioritized_and_token_skipped()


@dataclass(frozen=True)
class SlackParts:
    """Everything that serves and reaches Slack in one process."""

    app: App
    deliverer: Deliverer
    homes: HomeTabs
    notifier: SlackNotifier
    listeners: ThreadPoolExecutor

    def close(self) -> None:
        """Let the listeners finish what they acknowledged, then stop redrawing Home tabs."""
        self.listeners.shutdown(wait=True)
        self.homes.close()
        self.deliverer.answers.close()


def build_slack(deps: Deps, *, socket_mode: bool = False) -> SlackParts:
    """Build the Bolt app with its listeners, and the clients they answer with.

    Over HTTP every request must carry a valid signature; Socket Mode has no signatures.
    Listeners run on a pool of LISTENER_THREADS (Bolt's own default is 5): each acknowledges,
    does its interaction's work and sends the answer.
    """
    deps.settings.require("slack_bot_token", *(() if socket_mode else ("slack_signing_secret",)))
    client = web_client(deps)
    threads = deps.settings.listener_threads
    listeners = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="listener")
    # One kept-open connection to the response URLs' host for every listener that may answer at once.
    deliverer = Deliverer(
        client, DmChannels(deps.uow, deps.clock), deps.dispatcher.republish, ResponseUrls(connections=threads)
    )
    homes = HomeTabs(client, deps.dispatcher)
    bolt_log = logging.getLogger("techcommit.bolt")
    bolt_log.addFilter(_not_token_skipped)  # once: a filter already there is not added again
    app = App(
        client=client,
        signing_secret=deps.settings.secret("slack_signing_secret") or None,
        request_verification_enabled=not socket_mode,
        token_verification_enabled=False,
        listener_executor=listeners,
        logger=bolt_log,
    )
    register(app, deps.dispatcher, deliverer, homes)
    return SlackParts(app, deliverer, homes, slack_notifier(deps, client), listeners)
