"""Neutral views → Block Kit, within Slack's limits whatever the data; and modal values back."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
    UrlInputElement,
)
from slack_sdk.models.views import View

from handlers import ui

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
CONTEXT_TEXT = 2000
MODAL_TITLE = 24
PRIVATE_METADATA = 3000
FALLBACK_TEXT = 3000
FIELD_ERROR = 2000  # our own bound on a message shown under an input


def clip_markup(text: str, limit: int) -> str:
    """Cut markup to `limit` characters without leaving half a link, mention or entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if cut.rfind("<") > cut.rfind(">"):
        cut = cut[: cut.rfind("<")]
    if cut.rfind("&") > cut.rfind(";"):
        cut = cut[: cut.rfind("&")]
    return cut.rstrip() + "…"


def clip_plain(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plain(text: str, limit: int) -> PlainTextObject:
    return PlainTextObject(text=clip_plain(text, limit) or " ", emoji=True)


def _button(button: ui.Button) -> ButtonElement:
    confirm = None
    if button.confirm:
        c = button.confirm
        confirm = ConfirmObject(
            title=clip_plain(c.title, 100),
            text=clip_markup(c.text, 300),
            confirm=clip_plain(c.yes, 30),
            deny=clip_plain(c.no, 30),
        )
    return ButtonElement(
        text=_plain(button.label, BUTTON_TEXT),
        action_id=str(button.action),
        value=button.value[:BUTTON_VALUE] or None,
        style=button.style,
        confirm=confirm,
    )


def _blocks(block: ui.Block) -> list[Block]:
    match block:
        case ui.Header(text=text):
            return [HeaderBlock(text=_plain(text, HEADER_TEXT))]
        case ui.Text(text=text, button=button):
            accessory = _button(button) if button else None
            return [
                SectionBlock(text=MarkdownTextObject(text=clip_markup(text, SECTION_TEXT) or " "), accessory=accessory)
            ]
        case ui.Fields(items=items):
            chunks = [items[i : i + FIELDS_PER_SECTION] for i in range(0, len(items), FIELDS_PER_SECTION)]
            return [
                SectionBlock(fields=[MarkdownTextObject(text=clip_markup(t, FIELD_TEXT) or " ") for t in chunk])
                for chunk in chunks
            ]
        case ui.Context(text=text):
            return [ContextBlock(elements=[MarkdownTextObject(text=clip_markup(text, CONTEXT_TEXT) or " ")])]
        case ui.Divider():
            return [DividerBlock()]
        case ui.Buttons(buttons=buttons):
            return [
                ActionsBlock(elements=[_button(b) for b in buttons[i : i + 25]]) for i in range(0, len(buttons), 25)
            ]
    raise TypeError(f"unknown block {block!r}")


def render_blocks(blocks: tuple[ui.Block, ...], limit: int) -> list[dict[str, Any]]:
    """Block Kit dicts for the blocks; past `limit`, the tail is replaced by a note."""
    rendered = [b for block in blocks for b in _blocks(block)]
    if len(rendered) > limit:
        rendered = [*rendered[: limit - 1], ContextBlock(elements=[MarkdownTextObject(text="_(more not shown)_")])]
    return [b.to_dict() for b in rendered]


def to_message(reply: ui.Reply) -> dict[str, Any]:
    """`text` and `blocks` for chat.postMessage, chat.postEphemeral or a response URL."""
    return {
        "text": clip_markup(reply.text, FALLBACK_TEXT) or " ",
        "blocks": render_blocks(reply.blocks, MESSAGE_BLOCKS),
    }


def to_home(home: ui.Home) -> dict[str, Any]:
    """A Home tab view for views.publish."""
    return View(type="home", blocks=render_blocks(home.blocks, VIEW_BLOCKS)).to_dict()


def _input(item: ui.Input) -> InputBlock:
    # The element's action id repeats the block id: unique in the view, and says which input it is.
    element: Any
    match item:
        case ui.TextInput(kind="url"):
            element = UrlInputElement(
                action_id=item.id,
                initial_value=item.initial or None,
                placeholder=_plain(item.placeholder, 150) if item.placeholder else None,
            )
        case ui.TextInput():
            element = PlainTextInputElement(
                action_id=item.id,
                initial_value=item.initial or None,
                multiline=item.multiline,
                max_length=item.max_length,
                placeholder=_plain(item.placeholder, 150) if item.placeholder else None,
            )
        case ui.DateInput():
            element = DatePickerElement(
                action_id=item.id, initial_date=item.initial.isoformat() if item.initial else None
            )
        case ui.TimeInput():
            element = TimePickerElement(
                action_id=item.id, initial_time=item.initial.strftime("%H:%M") if item.initial else None
            )
        case ui.ChannelInput():
            element = ConversationSelectElement(
                action_id=item.id,
                default_to_current_conversation=True,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            )
        case ui.SelectInput():
            options = [Option(value=o.value[:150], text=_plain(o.label, 75)) for o in item.options[:100]]
            initial = next((o for o in options if o.value == item.initial), None)
            element = StaticSelectElement(action_id=item.id, options=options, initial_option=initial)
    return InputBlock(
        block_id=item.id,
        label=_plain(item.label, 2000),
        element=element,
        optional=item.optional,
        hint=_plain(item.hint, 2000) if item.hint else None,
    )


def to_modal(form: ui.Form, *, meta: dict[str, Any]) -> dict[str, Any]:
    """A modal view for the form; `meta` (the form's state and where to reply) rides along."""
    blocks: list[Block] = []
    for item in form.items:
        if isinstance(item, ui.Input):
            blocks.append(_input(item))
        else:
            blocks.extend(_blocks(item))
    metadata = json.dumps({**meta, "state": form.state}, separators=(",", ":"))
    if len(metadata) > PRIVATE_METADATA:
        raise ValueError("form state is too large for private_metadata")
    view = View(
        type="modal",
        callback_id=str(form.callback),
        title=_plain(form.title, MODAL_TITLE),
        submit=_plain(form.submit, MODAL_TITLE),
        close=_plain("Cancel", MODAL_TITLE),
        blocks=blocks[:VIEW_BLOCKS],
        private_metadata=metadata,
    )
    return view.to_dict()


def input_ids(view: dict[str, Any]) -> list[str]:
    """The block ids of the view's input blocks, in order (none for a view that is not what we sent)."""
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return []
    found = (b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("type") == "input")
    return [block_id for block_id in found if isinstance(block_id, str) and block_id]


def to_refusal(view: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The answer to a refused submission of `view`: its messages on the inputs, or in place of the form.

    Slack shows errors only on input blocks of the view and rejects an answer that names other
    blocks, or none. So a message about an input the view lacks (or about the whole form) goes on
    its first input, and a view without inputs, where nothing typed can be lost, is replaced by a
    modal that says what was wrong and can only be closed.
    """
    inputs = input_ids(view)
    first = inputs[0] if inputs else ""
    shown: dict[str, list[str]] = {}
    for key, message in errors.items():
        if message:
            shown.setdefault(key if key in inputs else first, []).append(message)
    if not inputs or not shown:
        messages = [m for ms in shown.values() for m in ms] or ["That could not be saved. Close this and try again."]
        return {"response_action": "update", "view": _refusal_modal(view, messages)}
    return {
        "response_action": "errors",
        "errors": {key: clip_plain(" ".join(ms), FIELD_ERROR) for key, ms in shown.items()},
    }


def _refusal_modal(view: dict[str, Any], messages: list[str]) -> dict[str, Any]:
    # The form's own title, so the person sees which form answered; messages are plain text, escaped for mrkdwn.
    title = view.get("title")
    shown_title = title.get("text") if isinstance(title, dict) else None
    blocks = tuple(ui.Text(f"⚠️ {ui.escape(message)}") for message in messages)
    return View(
        type="modal",
        title=_plain(shown_title if isinstance(shown_title, str) and shown_title.strip() else "Not saved", MODAL_TITLE),
        close=_plain("Close", MODAL_TITLE),
        blocks=render_blocks(blocks, VIEW_BLOCKS),
    ).to_dict()


def read_meta(view: dict[str, Any]) -> dict[str, Any]:
    """The metadata `to_modal` stored in the view (empty if it is missing or foreign)."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def read_values(state_values: dict[str, dict[str, Any]]) -> dict[str, str | None]:
    """The submitted values by input (block) id."""
    values: dict[str, str | None] = {}
    for block_id, actions in state_values.items():
        element: dict[str, Any] = actions.get(block_id) or next(iter(actions.values()), {})
        kind = element.get("type")
        if kind == "datepicker":
            values[block_id] = element.get("selected_date")
        elif kind == "timepicker":
            values[block_id] = element.get("selected_time")
        elif kind == "conversations_select":
            values[block_id] = element.get("selected_conversation")
        elif kind == "channels_select":
            values[block_id] = element.get("selected_channel")
        elif kind == "static_select":
            values[block_id] = (element.get("selected_option") or {}).get("value")
        else:
            values[block_id] = element.get("value")
    return values
