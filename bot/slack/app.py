"""The Slack side, built in one place from the settings: the Bolt app and what it sends with."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any

from slack_bolt import App
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.web import SlackResponse

from bot.composition import Deps
from bot.logs import fields
from bot.pacing import SharedPacer
from bot.settings import Settings
from bot.slack.deliver import Deliverer
from bot.slack.dms import DmChannels
from bot.slack.home import HomeTabs
from bot.slack.listeners import register
from bot.slack.notifier import SlackNotifier, pace_key
from bot.slack.response_urls import ResponseUrls
from handlers.errors import UserError
from handlers.plan.importing import EmailLookup

# What Slack answers when it will not take the bot token at all: no retry or wait can help.
REFUSED_TOKEN = frozenset({"invalid_auth", "account_inactive", "token_revoked", "not_authed"})
log = logging.getLogger("techcommit.slack")


class SlackClient(WebClient):
    """The Web API client, remembering whether Slack refused its token on the latest call it answered.

    Every call made with it (the listeners', the Home tabs', the outbox's) goes through `api_call`;
    /healthz reports `token_refused` until a later call is taken.
    """

    token_refused: str | None = None

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            error = exc.response.get("error")
            self.token_refused = str(error) if error in REFUSED_TOKEN else None
            raise
        self.token_refused = None
        return response


def token_refusal(settings: Settings) -> str | None:
    """Ask Slack (auth.test, once) whether it takes the bot token: Slack's error if it refuses it, else None.

    Slack out of reach, rate-limiting or failing is no refusal: that is logged, as one warning.
    """
    quiet = logging.getLogger("techcommit.slack.check")
    quiet.setLevel(logging.CRITICAL)  # slack_sdk logs a failed request as an error; the warning below says it
    client = WebClient(
        token=settings.secret("slack_bot_token"),
        base_url=settings.slack_api_url,
        timeout=10,
        logger=quiet,
        retry_handlers=[ConnectionErrorRetryHandler()],
    )
    try:
        client.auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
        if error in REFUSED_TOKEN:
            return error
        log.warning("could not check SLACK_BOT_TOKEN %s", fields(error=error))
    except (SlackClientError, OSError, HTTPException) as exc:
        log.warning("could not check SLACK_BOT_TOKEN: Slack is out of reach %s", fields(error=exc))
    return None


def web_client(deps: Deps) -> SlackClient:
    """A Web API client for SLACK_API_URL that retries rate limits, server errors and dropped connections."""
    return SlackClient(
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


def email_lookup(client: WebClient) -> EmailLookup:
    """users.lookupByEmail: the Slack user id with this email, None if nobody has it (UserError if Slack won't say)."""

    def lookup(email: str) -> str | None:
        try:
            return str(client.users_lookupByEmail(email=email)["user"]["id"])
        except SlackApiError as exc:
            if exc.response.get("error") == "users_not_found":
                return None
            raise UserError(f"Slack could not look it up ({exc.response.get('error')})") from None

    return lookup


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
    client: SlackClient

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
        # Over HTTP, bot/slack/intake.py verifies every request's signature before Bolt sees it;
        # Socket Mode has none. Bolt's own check would only compute the same HMAC again.
        request_verification_enabled=False,
        token_verification_enabled=False,
        listener_executor=listeners,
        logger=bolt_log,
    )
    register(app, deps.dispatcher, deliverer, homes)
    return SlackParts(app, deliverer, homes, slack_notifier(deps, client), listeners, client)
