"""Filling in a modal as a person would: the `view.state.values` Slack sends with a submission."""

from __future__ import annotations

from typing import Any

from .blockkit_rules import TEXT_INPUTS


def fill(view: dict[str, Any], answers: dict[str, object]) -> dict[str, dict[str, dict[str, Any]]]:
    """View state values for `answers` ({block_id: answer}); unanswered inputs keep their initial values."""
    values: dict[str, dict[str, dict[str, Any]]] = {}
    inputs = [b for b in view.get("blocks", []) if b.get("type") == "input" and b.get("block_id")]
    unknown = set(answers) - {b["block_id"] for b in inputs}
    if unknown:
        raise KeyError(f"no input blocks with block_id {sorted(unknown)} in the view")
    for block in inputs:
        el = block["element"]
        answered = block["block_id"] in answers
        state = _state(el, answers.get(block["block_id"]), answered)
        values[block["block_id"]] = {el.get("action_id", "action"): state}
    return values


def _options(el: dict[str, Any]) -> list[dict[str, Any]]:
    groups = el.get("option_groups") or []
    return list(el.get("options") or []) + [o for g in groups for o in g.get("options", [])]


def _option(el: dict[str, Any], value: object) -> dict[str, Any]:
    for opt in _options(el):
        if opt.get("value") == value:
            return {"text": opt["text"], "value": opt["value"]}
    known = [o.get("value") for o in _options(el)]
    raise ValueError(f"{value!r} is not an option of {el.get('action_id')!r} (options: {known})")


def _state(el: dict[str, Any], answer: object, answered: bool) -> dict[str, Any]:
    """One element's entry in view.state.values."""
    kind = el["type"]
    state: dict[str, Any] = {"type": kind}
    if kind in TEXT_INPUTS:
        state["value"] = (None if answer is None else str(answer)) if answered else el.get("initial_value")
    elif kind == "datepicker":
        state["selected_date"] = answer if answered else el.get("initial_date")
    elif kind == "timepicker":
        state["selected_time"] = answer if answered else el.get("initial_time")
    elif kind in ("static_select", "radio_buttons"):
        state["selected_option"] = (
            (_option(el, answer) if answer is not None else None) if answered else el.get("initial_option")
        )
    elif kind in ("checkboxes", "multi_static_select"):
        chosen = answer if isinstance(answer, list | tuple) else [answer]
        state["selected_options"] = (
            [_option(el, v) for v in chosen if v is not None] if answered else list(el.get("initial_options") or [])
        )
    else:
        keys = {
            "conversations_select": ("selected_conversation", "initial_conversation"),
            "channels_select": ("selected_channel", "initial_channel"),
            "users_select": ("selected_user", "initial_user"),
        }
        if kind not in keys:
            raise ValueError(f"fill() does not know element type {kind!r}")
        key, initial = keys[kind]
        state[key] = answer if answered else el.get(initial)
    return state
