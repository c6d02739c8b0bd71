"""One process's running bot: the platforms it serves and reaches, the outbox sender and the scheduler.

`build_runtime` is the one place these are put together (composition, not logic). Every process
that serves requests builds its own, after it has been forked: database connections and threads
do not cross a fork.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.composition import Deps
from bot.kicker import OutboxKicker
from bot.notifiers import PlatformNotifiers
from bot.web import make_wsgi
from handlers.errors import UserError
from handlers.plan.importing import EmailLookup, EmailsLookedUp, look_up_owners
from scheduler.passes import PassResult, run_pass
from scheduler.runner import leader_only, start_background
from scheduler.sender import SendResult, send_pending, senders_for

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.slack.app import SlackParts
    from bot.teams.runtime import TeamsRuntime

log = logging.getLogger("techcommit.runtime")
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Runtime:
    """What one process runs; `close()` stops it in order (listeners first, the database last)."""

    deps: Deps
    notifiers: PlatformNotifiers
    slack: SlackParts | None = None
    teams: TeamsRuntime | None = None
    kicker: OutboxKicker | None = None
    scheduler: BackgroundScheduler | None = None
    lookup_email: EmailLookup | None = None  # Slack's users.lookupByEmail, when Slack is configured
    _closed: bool = field(default=False, repr=False)

    @property
    def senders(self) -> int:
        """Recipients the outbox sends to at once: enough to keep up with SLACK_POST_RATE."""
        return senders_for(self.deps.settings.slack_post_rate)

    def republish(self, subject: str) -> None:
        """Redraw a shared message (an event announcement) wherever it was posted."""
        if self.slack is not None:
            self.slack.deliverer.republish(subject)

    def send_pending(self) -> SendResult:
        """Send what the outbox holds for now, on every connected platform."""
        deps = self.deps
        return send_pending(
            uow=deps.uow,
            notifier=self.notifiers,
            clock=deps.clock,
            policy=deps.policy,
            redraw=self.republish,
            senders=self.senders,
        )

    def look_up_owners(self) -> EmailsLookedUp:
        """Plan owners imported as emails (with no token to look them up then) become Slack users."""
        if self.lookup_email is None:
            return EmailsLookedUp()
        try:
            result = look_up_owners(self.deps.uow, platform="slack", lookup=self.lookup_email, now=self.deps.clock.now)
        except UserError as exc:
            log.warning("plan owners' emails not looked up: %s", exc.message)
            return EmailsLookedUp()
        for email, user_id in result.found.items():
            log.info("plan owner %s is Slack user %s", email, user_id)
        for email, count in result.not_found.items():
            log.warning("no Slack user has the email %s; its %d plan action(s) are unassigned", email, count)
        return result

    def sweep(self) -> PassResult:
        """One scheduler pass: queue what is due, then send it (the APScheduler job and `reminders run`).

        Owners stored as emails are looked up first, so that their reminders reach them.
        """
        deps = self.deps
        self.look_up_owners()
        return run_pass(
            uow=deps.uow,
            clock=deps.clock,
            policy=deps.policy,
            notifier=self.notifiers,
            report_channel=deps.settings.plan_report_channel,
            redraw=self.republish,
            senders=self.senders,
        )

    def health(self) -> str | None:
        """What keeps this process from doing its work (one line, for /healthz), or None.

        The database must take a write within a short bound, and Slack must not have refused the bot
        token on the latest call this process made (a revoked token: every send would fail).
        """
        refused = self.slack.client.token_refused if self.slack is not None else None
        problems = [f"Slack refuses the bot token ({refused})" if refused else None, self.deps.database_problem()]
        return "; ".join(p for p in problems if p) or None

    def wsgi(self) -> WsgiApp:
        """The WSGI app: Slack's events, Teams' activities and the health check."""
        return make_wsgi(
            self.slack.app if self.slack else None,
            signing_secret=self.deps.settings.secret("slack_signing_secret"),
            health=self.health,
            teams=self.teams.wsgi if self.teams else None,
        )

    def start_scheduler(self) -> None:
        """Start the background sweep unless SCHEDULER_ENABLED is off (a lease keeps it to one process anyway)."""
        settings = self.deps.settings
        if not settings.scheduler_enabled:
            log.info("scheduler disabled by SCHEDULER_ENABLED")
            return
        interval = settings.scheduler_interval_seconds
        sweep = leader_only(self.sweep, uow=self.deps.uow, clock=self.deps.clock, interval_seconds=interval)
        self.scheduler = start_background(sweep, interval_seconds=interval)

    def close(self) -> None:
        """Stop taking work, finish what was acknowledged, send what it queued, then let go of the database."""
        if self._closed:
            return
        self._closed = True
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
        if self.slack is not None:
            self.slack.close()
        if self.kicker is not None:
            self.kicker.close()  # after the listeners: their work may have queued messages
        if self.teams is not None:
            self.teams.close()


def _connect_teams(runtime: Runtime) -> None:
    """Serve and reach Teams people (imported only when Teams is configured: the Agents SDK is large)."""
    from bot.teams.conversation import TeamsConversation
    from bot.teams.notifier import TeamsNotifier
    from bot.teams.runtime import TeamsRuntime

    deps = runtime.deps
    conversations = TeamsConversation(deps.uow, deps.clock, runtime.republish)
    runtime.teams = TeamsRuntime(deps.settings, deps.dispatcher, conversations)
    runtime.notifiers.add("teams", TeamsNotifier(runtime.teams, deps.uow))


def build_runtime(deps: Deps, *, socket_mode: bool = False) -> Runtime:
    """Everything a serving process runs, for the platforms the settings configure.

    After each committed interaction that queued messages, the outbox is sent at once (by one
    background thread, kicks coalescing); after a person changes something, their open Slack
    Home tab is redrawn.
    """
    settings = deps.settings
    runtime = Runtime(deps, PlatformNotifiers())
    if settings.slack_enabled or socket_mode:
        from bot.slack.app import build_slack, email_lookup

        runtime.slack = build_slack(deps, socket_mode=socket_mode)
        runtime.notifiers.add("slack", runtime.slack.notifier)
        runtime.lookup_email = email_lookup(runtime.slack.client)
        deps.dispatcher.on_change(runtime.slack.homes.changed)
    if settings.teams_enabled:
        _connect_teams(runtime)
    runtime.kicker = OutboxKicker(runtime.send_pending)
    deps.dispatcher.on_queued(runtime.kicker.kick)
    return runtime


def build_senders(deps: Deps) -> Runtime:
    """Only what reaches people (for processes that serve no requests, like `reminders run`)."""
    from bot.slack.app import email_lookup, slack_notifier, web_client

    runtime = Runtime(deps, PlatformNotifiers())
    if deps.settings.slack_enabled:
        client = web_client(deps)
        runtime.notifiers.add("slack", slack_notifier(deps, client))
        runtime.lookup_email = email_lookup(client)
    if deps.settings.teams_enabled:
        _connect_teams(runtime)
    return runtime
