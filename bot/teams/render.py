"""Neutral views → Adaptive Cards (microsoft-teams-cards models), and submitted cards back."""

from __future__ import annotations

from typing import Any

from microsoft_teams.cards import (
    ActionSet,
    AdaptiveCard,
    CardElement,
    Choice,
    ChoiceSetInput,
    DateInput,
    Fact,
    FactSet,
    SubmitAction,
    TextBlock,
    TextInput,
    TimeInput,
)

from handlers import ui

CARD_VERSION = "1.5"
ACTION_KEY, VALUE_KEY, FORM_KEY, STATE_KEY = "tc_action", "tc_value", "tc_form", "tc_state"
TEXT_LIMIT = 4000


def to_markdown(markup: str) -> str:
    """Our chat markup as the markdown Adaptive Cards understand (links, bold, italics); entities decoded."""
    text = ui.LINK.sub(lambda m: f"[{m.group(2)}]({m.group(1)})", markup)
    text = ui.BARE_LINK.sub(r"\1", text)
    text = ui.MENTION.sub(lambda m: "@" + m.group(1)[:8], text)
    text = ui.CHANNEL.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    text = ui.BOLD.sub(r"**\1**", text)
    return ui.unescape(text)[:TEXT_LIMIT]


def _submit(button: ui.Button) -> SubmitAction:
    style = {"primary": "positive", "danger": "destructive"}.get(button.style or "")
    return SubmitAction(
        title=button.label[:60], style=style, data={ACTION_KEY: str(button.action), VALUE_KEY: button.value}
    )


def _facts(items: tuple[str, ...]) -> FactSet:
    facts = []
    for item in items:
        title, _, value = item.partition("\n")
        facts.append(Fact(title=to_markdown(title).strip("*"), value=to_markdown(value) or " "))
    return FactSet(facts=facts)


def _elements(blocks: tuple[ui.Block, ...]) -> list[CardElement]:
    elements: list[CardElement] = []
    separate = False
    for block in blocks:
        made: list[CardElement]
        match block:
            case ui.Header(text=text):
                made = [TextBlock(text=to_markdown(text), size="Large", weight="Bolder", wrap=True)]
            case ui.Text(text=text, button=button):
                made = [TextBlock(text=to_markdown(text) or " ", wrap=True)]
                if button:
                    made.append(ActionSet(actions=[_submit(button)]))
            case ui.Fields(items=items):
                made = [_facts(items)]
            case ui.Context(text=text):
                made = [TextBlock(text=to_markdown(text) or " ", size="Small", is_subtle=True, wrap=True)]
            case ui.Divider():
                separate = True
                continue
            case ui.Buttons(buttons=buttons):
                made = [ActionSet(actions=[_submit(b) for b in buttons])]
        if separate:
            made[0].separator = True  # type: ignore[attr-defined]  # every card element has it; the base class does not say
            separate = False
        elements.extend(made)
    return elements


def _card(body: list[CardElement]) -> dict[str, Any]:
    card = AdaptiveCard(version=CARD_VERSION, body=body or [TextBlock(text=" ")])
    payload: dict[str, Any] = card.model_dump(mode="json", exclude_none=True)
    payload["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json"
    return payload


def to_card(reply: ui.Reply | ui.Home) -> dict[str, Any]:
    """A message card for a reply or the dashboard."""
    return _card(_elements(reply.blocks))


def _input(item: ui.Input) -> CardElement:
    match item:
        case ui.TextInput():
            return TextInput(
                id=item.id,
                label=item.label,
                value=item.initial or None,
                is_multiline=item.multiline,
                max_length=item.max_length,
                placeholder=item.placeholder,
                is_required=not item.optional,
                style="Url" if item.kind == "url" else None,
            )
        case ui.DateInput():
            return DateInput(
                id=item.id,
                label=item.label,
                value=item.initial.isoformat() if item.initial else None,
                is_required=not item.optional,
            )
        case ui.TimeInput():
            return TimeInput(
                id=item.id,
                label=item.label,
                value=item.initial.strftime("%H:%M") if item.initial else None,
                is_required=not item.optional,
            )
        case ui.SelectInput():
            return ChoiceSetInput(
                id=item.id,
                label=item.label,
                style="compact",
                value=item.initial,
                choices=[Choice(title=o.label, value=o.value) for o in item.options],
                is_required=not item.optional,
            )
        case ui.ChannelInput():
            return TextInput(
                id=item.id, label=f"{item.label} (a Slack channel id, e.g. C0123ABCD)", is_required=not item.optional
            )
    raise TypeError(f"unknown input {item!r}")


def form_card(form: ui.Form) -> dict[str, Any]:
    """A form as a card with its inputs and one submit button that carries the form's id and state."""
    body: list[CardElement] = [TextBlock(text=form.title, size="Medium", weight="Bolder", wrap=True)]
    for item in form.items:
        if isinstance(item, ui.Input):
            body.append(_input(item))
        else:
            body.extend(_elements((item,)))
    body.append(
        ActionSet(
            actions=[
                SubmitAction(
                    title=form.submit,
                    style="positive",
                    data={FORM_KEY: str(form.callback), STATE_KEY: dict(form.state)},
                )
            ]
        )
    )
    return _card(body)


def errors_card(errors: ui.FormErrors, labels: dict[str, str]) -> dict[str, Any]:
    """What to fix before submitting the form again (it stays above with what was typed)."""
    lines = [f"- **{labels.get(key, 'The form')}**: {message}" for key, message in errors.errors.items()]
    return _card([TextBlock(text="Please check:\n\n" + "\n".join(lines), wrap=True, color="Attention")])


def read_submission(value: dict[str, Any]) -> ui.Action | ui.Submission | None:
    """A clicked button or a submitted form, from an Action.Submit's value; None if it is neither."""
    if isinstance(value.get(ACTION_KEY), str):
        return ui.Action(value[ACTION_KEY], str(value.get(VALUE_KEY) or ""))
    if isinstance(value.get(FORM_KEY), str):
        state = value.get(STATE_KEY) if isinstance(value.get(STATE_KEY), dict) else {}
        values = {
            str(k): (str(v) if v not in (None, "") else None)
            for k, v in value.items()
            if k not in (FORM_KEY, STATE_KEY)
        }
        return ui.Submission(value[FORM_KEY], values, {str(k): str(v) for k, v in (state or {}).items()})
    return None
