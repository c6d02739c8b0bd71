"""People's own data: a copy of everything (`/techcommit my-data`), and erasure (`/techcommit forget-me`)."""

from __future__ import annotations

import json
import logging

from handlers import ui
from handlers.context import Ctx
from handlers.events import views
from handlers.events.operations import promote_from_waitlist
from handlers.formatting import plural
from handlers.ids import ActionId
from storage import events as event_repo
from storage.privacy import erase_person, personal_records

log = logging.getLogger("techcommit.privacy")


def my_data(ctx: Ctx) -> ui.FileReply:
    """Everything stored about the person, as JSON in their DM."""
    records = personal_records(ctx.uow, person=ctx.actor)
    content = json.dumps({"exported_at": ctx.now().isoformat(), **records}, indent=2, ensure_ascii=False)
    file = ui.File(
        name=f"techcommit-my-data-{ctx.now():%Y%m%d}.json",
        content=content.encode("utf-8"),
        title="Everything techcommit stores about you",
        mimetype="application/json",
    )
    return ui.FileReply(
        file=file,
        comment="Everything techcommit stores about you (JSON).",
        reply=ui.notice("📦 A copy of all your data is in your DM."),
    )


def ask_forget(ctx: Ctx) -> ui.Reply:
    """Say exactly what would go, and ask for confirmation."""
    return ui.reply(
        ui.Text(
            "*Delete everything techcommit stores about you?*\nYour CPD entries, registration journeys and "
            "evidence links, and event answers are deleted; plan actions you own become unassigned; your "
            "name is removed from plan updates and events you organised. This can't be undone — "
            "`/techcommit my-data` gives you a copy first."
        ),
        ui.Buttons(
            (
                ui.Button(
                    "Delete my data",
                    ActionId.PRIVACY_FORGET_CONFIRM,
                    "me",
                    style="danger",
                    confirm=ui.Confirm(
                        "Delete your data?", "Everything listed will be deleted for good.", yes="Delete", no="Keep it"
                    ),
                ),
                ui.Button("Keep it", ActionId.PRIVACY_FORGET_CANCEL, "me"),
            )
        ),
        text="Delete everything techcommit stores about you?",
    )


def forget(ctx: Ctx, action: ui.Action) -> ui.Reply:
    """Erase the person's data; free their event places for the next in line."""
    going = event_repo.events_going(ctx.uow, person=ctx.actor)
    counts = erase_person(ctx.uow, person=ctx.actor, now=ctx.now())
    republish = []
    for event_id in going:
        event = event_repo.get_event(ctx.uow, event_id=event_id, lock=True)
        if event is not None and event.status == "scheduled" and event.ends_at > ctx.now():
            promote_from_waitlist(ctx, event)
            republish.append(views.subject(event))
    log.info("personal data erased on request counts=%s", json.dumps(counts, sort_keys=True))
    summary = (
        f"{plural(counts['cpd_entries'], 'CPD entry', 'CPD entries')}, "
        f"{plural(counts['registration_journeys'], 'registration journey')}, "
        f"{plural(counts['event_rsvps'], 'event answer')} deleted; "
        f"{plural(counts['plan_actions_unassigned'], 'plan action')} unassigned."
    )
    return ui.Reply(
        blocks=(ui.Text(f"🗑️ Done: your data is gone — {summary}"),),
        text=f"Your data is gone: {summary}",
        replace=True,
        republish=tuple(republish),
    )


def keep(ctx: Ctx, action: ui.Action) -> ui.Reply:
    return ui.notice("Nothing was deleted.", replace=True)
