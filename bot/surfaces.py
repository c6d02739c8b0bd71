"""Which chat platforms a process talks to, and the scheduler over all of them (composition, not logic)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from bot.composition import Deps, build
from bot.settings import Settings
from scheduler.passes import PassResult, run_pass
from scheduler.runner import leader_only, start_background

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.teams.runtime import TeamsRuntime

log = logging.getLogger("techcommit.scheduler")


def connect_teams(deps: Deps) -> TeamsRuntime | None:
    """Serve and reach Teams users when Teams is configured (TEAMS_APP_ID, or anonymous for local tests)."""
    if not deps.settings.teams_enabled:
        return None
    from bot.teams.conversation import TeamsConversation
    from bot.teams.notifier import TeamsNotifier
    from bot.teams.runtime import TeamsRuntime

    runtime = TeamsRuntime(deps.settings, deps.dispatcher, TeamsConversation(deps.uow, deps.clock, deps.republish))
    deps.notifiers.add("teams", TeamsNotifier(runtime, deps.uow))
    deps.closers.append(runtime.close)
    deps.start_sending()
    return runtime


def connect_senders(deps: Deps) -> None:
    """Let the outbox reach every configured platform (for processes that serve no requests)."""
    if deps.settings.slack_enabled and "slack" not in deps.notifiers.by_platform:
        from bot.slack.app import connect_slack_sender

        connect_slack_sender(deps)
    if "teams" not in deps.notifiers.by_platform:
        connect_teams(deps)


def scheduler_sweep(deps: Deps) -> Callable[[], PassResult]:
    """One scheduler pass over every connected platform: the APScheduler job and `reminders run` call this."""
    if not deps.notifiers:
        connect_senders(deps)

    def sweep() -> PassResult:
        return run_pass(
            uow=deps.uow,
            clock=deps.clock,
            policy=deps.policy,
            notifier=deps.notifiers,
            report_channel=deps.settings.plan_report_channel,
            redraw=deps.republish,
            senders=deps.senders,
        )

    return sweep


def do_slack_work(settings: Settings, jobs: Connection) -> None:
    """The life of `serve`'s work process (bot.slack.work_process): build everything it needs, then
    do the Slack jobs handed over through `jobs` until the web process stops; finish them and exit.

    It also runs the scheduler, and sends the outbox to every platform: what it commits may be a
    message for anyone.
    """
    from bot.slack.app import build_work
    from bot.slack.work_process import receive

    deps = build(settings)
    try:
        work = build_work(deps)
        deps.dispatcher.on_commit(work.homes.changed)
        connect_senders(deps)
        start_scheduler(deps)
        receive(jobs, work)
    finally:
        deps.close()


def start_scheduler(deps: Deps) -> BackgroundScheduler | None:
    """Start the background sweep unless SCHEDULER_ENABLED is off (a lease keeps it to one process anyway)."""
    if not deps.settings.scheduler_enabled:
        log.info("scheduler disabled by SCHEDULER_ENABLED")
        return None
    interval = deps.settings.scheduler_interval_seconds
    sweep = leader_only(scheduler_sweep(deps), uow=deps.uow, clock=deps.clock, interval_seconds=interval)
    scheduler = start_background(sweep, interval_seconds=interval)
    deps.closers.append(lambda: scheduler.shutdown(wait=True))
    return scheduler
