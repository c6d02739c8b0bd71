"""Every action, form and input id the bot uses, in one place: `<feature>-<element>-<verb>`."""

from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    CPD_FORM_OPEN = "cpd-form-open"
    CPD_ENTRY_EDIT = "cpd-entry-edit"
    CPD_ENTRY_REFLECT = "cpd-entry-reflect"
    CPD_ENTRY_UNDO = "cpd-entry-undo"
    CPD_ENTRY_DELETE = "cpd-entry-delete"
    CPD_ENTRY_KEEP = "cpd-entry-keep"
    CPD_LIST_NEWER = "cpd-list-newer"
    CPD_LIST_OLDER = "cpd-list-older"
    CPD_EXPORT_PDF = "cpd-pdf-send"
    CPD_EXPORT_CSV = "cpd-csv-send"
    PLAN_STATUS_ON_TRACK = "plan-status-on-track"
    PLAN_STATUS_AT_RISK = "plan-status-at-risk"
    PLAN_STATUS_BLOCKED = "plan-status-blocked"
    PLAN_STATUS_DONE = "plan-status-done"
    PLAN_NOTE_OPEN = "plan-note-open"
    EVENT_FORM_OPEN = "event-form-open"
    EVENT_RSVP_GOING = "event-rsvp-going"
    EVENT_RSVP_MAYBE = "event-rsvp-maybe"
    EVENT_RSVP_DECLINE = "event-rsvp-decline"
    EVENT_ICS_SEND = "event-ics-send"
    EVENT_CREDIT_LOG = "event-credit-log"
    EVENT_LIST_SHOW = "event-list-show"
    EVENT_CANCEL_CONFIRM = "event-cancel-confirm"
    EVENT_CANCEL_KEEP = "event-cancel-keep"
    PRIVACY_FORGET_CONFIRM = "privacy-forget-confirm"
    PRIVACY_FORGET_CANCEL = "privacy-forget-cancel"


class FormId(StrEnum):
    CPD_ENTRY_SAVE = "cpd-entry-save"
    PLAN_NOTE_SAVE = "plan-note-save"
    EVENT_CREATE_SAVE = "event-create-save"


class InputId(StrEnum):
    CPD_DATE = "cpd-date"
    CPD_DURATION = "cpd-duration"
    CPD_TYPE = "cpd-type"
    CPD_TITLE = "cpd-title"
    CPD_REFLECTION = "cpd-reflection"
    CPD_BENEFIT = "cpd-benefit"
    CPD_TAGS = "cpd-tags"
    CPD_EVIDENCE = "cpd-evidence"
    PLAN_STATUS = "plan-status"
    PLAN_NOTE = "plan-note"
    EVENT_TITLE = "event-title"
    EVENT_DESCRIPTION = "event-description"
    EVENT_START_DATE = "event-start-date"
    EVENT_START_TIME = "event-start-time"
    EVENT_END_DATE = "event-end-date"
    EVENT_END_TIME = "event-end-time"
    EVENT_LOCATION = "event-location"
    EVENT_CAPACITY = "event-capacity"
    EVENT_CPD_HOURS = "event-cpd-hours"
    EVENT_CPD_TYPE = "event-cpd-type"
    EVENT_CHANNEL = "event-channel"
