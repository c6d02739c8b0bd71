"""The Bolt app factory: built on demand from settings and dependencies, never at import time."""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.composition import Deps
from bot.pacing import Pacer
from bot.slack.deliver import Deliverer
from bot.slack.dms import DmChannels
from bot.slack.home import HomeTabs
from bot.slack.listeners import Handoff, register
from bot.slack.notifier import SlackNotifier
from bot.slack.response_urls import ResponseUrls
from bot.slack.work import Job, Pools, Work
from bot.slack.work_process import WorkProcess


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


def outbox_notifier(deps: Deps, client: WebClient) -> SlackNotifier:
    """The outbox's Slack sender, pacing its posts to this process's share of SLACK_POST_RATE."""
    return SlackNotifier(client, Pacer(deps.settings.post_rate_each))


def _not_token_skipped(record: logging.LogRecord) -> bool:
    """Drop Bolt's start-up warning that SLACK_BOT_TOKEN goes unused: our client is made with that very token."""
    return record.getMessage() != warning_client_prioritized_and_token_skipped()


FILE_THREADS = 4  # exports (PDF, CSV, calendar files) made and uploaded at once


def build_work(deps: Deps) -> Work:
    """What does the work behind acknowledged requests and sends to Slack: the pools, the deliverer,
    Home tabs, and the outbox's Slack sender (started here), in whichever process does the work.
    """
    client = web_client(deps)
    dms = DmChannels(deps.uow, deps.clock)
    homes = HomeTabs(client, deps.dispatcher)
    # Database work holds Python's GIL for most of its time: more threads only take turns with
    # each other and with acknowledgements (WORK_THREADS, see bench/RESULTS.md). Sending answers
    # mostly waits on Slack, so it gets as many threads as the listeners.
    pools = Pools(
        reads=ThreadPoolExecutor(max_workers=deps.settings.work_threads, thread_name_prefix="reads"),
        writes=ThreadPoolExecutor(max_workers=deps.settings.work_threads, thread_name_prefix="writes"),
        sends=ThreadPoolExecutor(max_workers=deps.settings.listener_threads, thread_name_prefix="sends"),
    )
    files = ThreadPoolExecutor(max_workers=FILE_THREADS, thread_name_prefix="files")
    # One kept-open connection for every thread that may answer at once: senders, files, and the
    # work pools' apologies; beyond that urllib3 opens extra ones and warns as it drops them.
    answers = ResponseUrls(connections=deps.settings.listener_threads + FILE_THREADS + 2 * deps.settings.work_threads)
    deliverer = Deliverer(client, dms, deps.dispatcher.republish, files, answers)
    deps.notifiers.add("slack", outbox_notifier(deps, client))
    deps.republishers.append(deliverer.republish)
    deps.start_sending()
    deps.closers += [
        homes.close,
        lambda: files.shutdown(wait=True),
        pools.shutdown,
        answers.close,
    ]
    return Work(deps.dispatcher, deliverer, homes, pools)


def create_app(
    deps: Deps,
    *,
    socket_mode: bool = False,
    listener_executor: Executor | None = None,
    work_process: WorkProcess | None = None,
) -> App:
    """Build the Bolt app with its listeners; tokens and URL come from the settings.

    Over HTTP every request must carry a valid signature; Socket Mode has no signatures. With a
    `work_process`, acknowledged requests are handed to it; this process does their work only if
    it has gone (the work here is built all the same, and answers form submissions).
    """
    deps.settings.require("slack_bot_token", *(() if socket_mode else ("slack_signing_secret",)))
    work = build_work(deps)
    bolt_log = logging.getLogger("techcommit.bolt")
    bolt_log.addFilter(_not_token_skipped)  # once: a filter already there is not added again
    app = App(
        client=work.deliverer.client,
        signing_secret=deps.settings.secret("slack_signing_secret") or None,
        request_verification_enabled=not socket_mode,
        token_verification_enabled=False,
        listener_executor=listener_executor
        or ThreadPoolExecutor(max_workers=deps.settings.listener_threads, thread_name_prefix="listener"),
        logger=bolt_log,
    )
    handoff: Handoff = work
    if work_process is not None:
        work_process.fall_back_to(work)
        handoff = work_process
    # A change committed here (a form submission) redraws the person's Home tab where tabs are known.
    deps.dispatcher.on_commit(lambda who: handoff(Job("changed", who)))
    register(app, deps.dispatcher, work, handoff)
    return app


def connect_slack_sender(deps: Deps) -> None:
    """Let the outbox send to Slack (for processes that serve no Slack requests, like `reminders run`)."""
    client = web_client(deps)
    deps.notifiers.add("slack", outbox_notifier(deps, client))
