"""Which function answers each command, button and form — the one table every surface uses."""

from __future__ import annotations

from collections.abc import Callable

from handlers import privacy, ui
from handlers.context import Ctx, Policy
from handlers.cpd import actions as cpd_actions
from handlers.cpd.command import handle_cpd
from handlers.events import actions as event_actions
from handlers.events.command import handle_event
from handlers.events.messages import current_announcement
from handlers.ids import ActionId, FormId
from handlers.plan import actions as plan_actions
from handlers.plan.command import handle_plan
from handlers.reg.command import handle_reg
from handlers.techcommit import handle_techcommit
from storage.uow import UnitOfWork

CommandHandler = Callable[[Ctx, str], ui.Response]
ActionHandler = Callable[[Ctx, ui.Action], ui.Response]
FormHandler = Callable[[Ctx, ui.Submission], ui.Response]
SubjectRenderer = Callable[[UnitOfWork, str, Policy], tuple[str, str, ui.Reply] | None]


COMMANDS: dict[str, CommandHandler] = {
    "cpd": handle_cpd,
    "techcommit": handle_techcommit,
    "plan": handle_plan,
    "event": handle_event,
    "reg": handle_reg,
}

ACTIONS: dict[str, ActionHandler] = {
    ActionId.CPD_FORM_OPEN: cpd_actions.open_form,
    ActionId.CPD_ENTRY_EDIT: cpd_actions.edit,
    ActionId.CPD_ENTRY_REFLECT: cpd_actions.edit,
    ActionId.CPD_ENTRY_UNDO: cpd_actions.undo,
    ActionId.CPD_ENTRY_DELETE: cpd_actions.confirm_delete,
    ActionId.CPD_ENTRY_KEEP: cpd_actions.keep,
    ActionId.CPD_LIST_NEWER: cpd_actions.turn_page,
    ActionId.CPD_LIST_OLDER: cpd_actions.turn_page,
    ActionId.CPD_EXPORT_PDF: cpd_actions.send_export,
    ActionId.CPD_EXPORT_CSV: cpd_actions.send_export,
    ActionId.PLAN_STATUS_ON_TRACK: plan_actions.set_status,
    ActionId.PLAN_STATUS_AT_RISK: plan_actions.set_status,
    ActionId.PLAN_STATUS_BLOCKED: plan_actions.set_status,
    ActionId.PLAN_STATUS_DONE: plan_actions.set_status,
    ActionId.PLAN_NOTE_OPEN: plan_actions.open_note,
    ActionId.EVENT_FORM_OPEN: event_actions.open_form,
    ActionId.EVENT_RSVP_GOING: event_actions.answer,
    ActionId.EVENT_RSVP_MAYBE: event_actions.answer,
    ActionId.EVENT_RSVP_DECLINE: event_actions.answer,
    ActionId.EVENT_ICS_SEND: event_actions.send_calendar,
    ActionId.EVENT_CREDIT_LOG: event_actions.log_credit,
    ActionId.EVENT_LIST_SHOW: event_actions.show_list,
    ActionId.EVENT_CANCEL_CONFIRM: event_actions.confirm_cancel,
    ActionId.EVENT_CANCEL_KEEP: event_actions.keep,
    ActionId.PRIVACY_FORGET_CONFIRM: privacy.forget,
    ActionId.PRIVACY_FORGET_CANCEL: privacy.keep,
}

FORMS: dict[str, FormHandler] = {
    FormId.CPD_ENTRY_SAVE: cpd_actions.save_form,
    FormId.PLAN_NOTE_SAVE: plan_actions.save_note,
    FormId.EVENT_CREATE_SAVE: event_actions.save,
}

# Shared messages that are redrawn after a change ("event:12" → where it is and what it says now).
SUBJECTS: dict[str, SubjectRenderer] = {
    "event": current_announcement,
}
