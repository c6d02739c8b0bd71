"""An independent Block Kit checker for messages and views, used by the fake Slack server.

Every public function returns a list of human-readable problems; an empty list means valid.
The limits are this checker's own table (`blockkit_rules.py`, from Slack's Block Kit reference), so
that the bot, which renders with slack_sdk's models, is checked against something other than itself.
slack_sdk's models are consulted only as a second opinion.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from .blockkit_rules import (
    ACCESSORIES,
    BLOCK_TYPES,
    BROADCAST_RE,
    BUTTON_STYLES,
    INPUT_ELEMENTS,
    INTERACTIVE,
    MAX_MESSAGE_BLOCKS,
    MAX_MESSAGE_TEXT,
    MAX_VIEW_BLOCKS,
    TEXT_TYPES,
    VIEW_TYPES,
    is_number,
    option_key,
    parses,
)


class _Checker:
    """Walks one message or view, collecting problems and tracking identifiers."""

    def __init__(self, in_view: bool) -> None:
        self.problems: list[str] = []
        self.block_ids: set[str] = set()
        self.view_action_ids: set[str] = set()
        self.in_view = in_view

    def add(self, path: str, message: str) -> None:
        """Record one problem at `path`."""
        self.problems.append(f"{path}: {message}")

    # -- primitives ---------------------------------------------------------------------------

    def string(self, path: str, value: Any, max_len: int, *, required: bool = False) -> None:
        """A string field with a maximum length."""
        if value is None:
            if required:
                self.add(path, "is required")
            return
        if not isinstance(value, str):
            self.add(path, f"must be a string, got {type(value).__name__}")
        elif len(value) > max_len:
            self.add(path, f"is {len(value)} characters, limit {max_len}")

    def boolean(self, path: str, value: Any) -> None:
        """An optional boolean field."""
        if value is not None and not isinstance(value, bool):
            self.add(path, "must be a boolean")

    def text(self, path: str, obj: Any, max_len: int, *, plain: bool = False, required: bool = True) -> None:
        """A text object; `plain` requires plain_text."""
        if obj is None:
            if required:
                self.add(path, "is required")
            return
        if not isinstance(obj, dict):
            self.add(path, "must be a text object")
            return
        kind = obj.get("type")
        if kind not in TEXT_TYPES:
            self.add(path, f"text object type must be plain_text or mrkdwn, got {kind!r}")
        elif plain and kind != "plain_text":
            self.add(path, "must be plain_text, not mrkdwn")
        value = obj.get("text")
        if not isinstance(value, str) or value == "":
            self.add(f"{path}.text", "must be a non-empty string")
        elif len(value) > max_len:
            self.add(f"{path}.text", f"is {len(value)} characters, limit {max_len}")
        if kind == "plain_text":
            self.boolean(f"{path}.emoji", obj.get("emoji"))

    def items(self, path: str, value: Any, lo: int, hi: int) -> list[Any]:
        """A list field with a size range; returns the list (or [] when invalid)."""
        if not isinstance(value, list):
            self.add(path, "must be a list" if value is not None else "is required")
            return []
        if not lo <= len(value) <= hi:
            self.add(path, f"has {len(value)} items, allowed {lo}..{hi}")
        return value

    def unique_id(self, path: str, obj: dict[str, Any], name: str, seen: set[str]) -> None:
        """An optional block_id/action_id: at most 255 characters and not already in `seen`."""
        value = obj.get(name)
        self.string(f"{path}.{name}", value, 255)
        if isinstance(value, str):
            if value in seen:
                self.add(f"{path}.{name}", f"duplicate {name} {value!r}")
            seen.add(value)

    # -- composition objects ------------------------------------------------------------------

    def confirm(self, path: str, obj: Any) -> None:
        """A confirmation dialog object."""
        if obj is None:
            return
        if not isinstance(obj, dict):
            self.add(path, "must be a confirm object")
            return
        self.text(f"{path}.title", obj.get("title"), 100, plain=True)
        self.text(f"{path}.text", obj.get("text"), 300)
        self.text(f"{path}.confirm", obj.get("confirm"), 30, plain=True)
        self.text(f"{path}.deny", obj.get("deny"), 30, plain=True)
        if obj.get("style") is not None and obj.get("style") not in BUTTON_STYLES:
            self.add(f"{path}.style", "must be primary or danger")

    def options(self, path: str, value: Any, lo: int, hi: int, *, plain: bool, urls: bool = False) -> list[Any]:
        """A list of option objects; returns the valid option dicts."""
        valid = []
        for i, opt in enumerate(self.items(path, value, lo, hi)):
            p = f"{path}[{i}]"
            if not isinstance(opt, dict):
                self.add(p, "must be an option object")
                continue
            self.text(f"{p}.text", opt.get("text"), 75, plain=plain)
            self.string(f"{p}.value", opt.get("value"), 150, required=True)
            self.text(f"{p}.description", opt.get("description"), 75, plain=plain, required=False)
            if urls:
                self.string(f"{p}.url", opt.get("url"), 3000)
            elif "url" in opt:
                self.add(f"{p}.url", "only overflow options may have a url")
            valid.append(opt)
        return valid

    def initial(self, path: str, el: dict[str, Any], options: list[Any]) -> None:
        """initial_option / initial_options must each equal one of the options (by text and value)."""
        keys = {option_key(o) for o in options}
        chosen = [("initial_option", el.get("initial_option"))]
        chosen += [(f"initial_options[{i}]", o) for i, o in enumerate(el.get("initial_options") or [])]
        for name, option in chosen:
            if option is not None and option_key(option) not in keys:
                self.add(f"{path}.{name}", f"initial option {option_key(option)[1]!r} is not one of the options")

    # -- elements -----------------------------------------------------------------------------

    def element(self, path: str, el: Any, allowed: tuple[str, ...], seen: set[str]) -> None:
        """Any block element permitted in this position."""
        if not isinstance(el, dict):
            self.add(path, "must be an element object")
            return
        kind = el.get("type")
        if kind not in allowed:
            self.add(path, f"unknown or disallowed element type {kind!r}")
            return
        if kind == "image":
            self.image(path, el)
            return
        self.unique_id(path, el, "action_id", seen)
        self.confirm(f"{path}.confirm", el.get("confirm"))
        if kind != "button" and kind != "overflow":
            self.text(f"{path}.placeholder", el.get("placeholder"), 150, plain=True, required=False)
        self.boolean(f"{path}.focus_on_load", el.get("focus_on_load"))
        if kind in ("url_text_input", "email_text_input"):
            self.string(f"{path}.initial_value", el.get("initial_value"), 3000)
        getattr(self, "el_" + kind.replace("multi_", ""), lambda p, e: None)(path, el)

    def image(self, path: str, el: dict[str, Any]) -> None:
        """An image element or block body."""
        if el.get("slack_file") is None:
            self.string(f"{path}.image_url", el.get("image_url"), 3000, required=True)
        self.string(f"{path}.alt_text", el.get("alt_text"), 2000, required=True)

    def el_button(self, path: str, el: dict[str, Any]) -> None:
        self.text(f"{path}.text", el.get("text"), 75, plain=True)
        self.string(f"{path}.value", el.get("value"), 2000)
        self.string(f"{path}.url", el.get("url"), 3000)
        self.string(f"{path}.accessibility_label", el.get("accessibility_label"), 75)
        if el.get("style") is not None and el.get("style") not in BUTTON_STYLES:
            self.add(f"{path}.style", f"must be primary or danger, got {el.get('style')!r}")

    def el_plain_text_input(self, path: str, el: dict[str, Any]) -> None:
        lo, hi = el.get("min_length"), el.get("max_length")
        for name, bound, low in (("min_length", lo, 0), ("max_length", hi, 1)):
            if bound is not None and (not isinstance(bound, int) or not low <= bound <= 3000):
                self.add(f"{path}.{name}", f"must be an integer in {low}..3000")
        self.boolean(f"{path}.multiline", el.get("multiline"))
        initial = el.get("initial_value")
        self.string(f"{path}.initial_value", initial, 3000)
        if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            self.add(f"{path}.min_length", "exceeds max_length")
        if isinstance(initial, str) and isinstance(hi, int) and len(initial) > hi:
            self.add(f"{path}.initial_value", f"is longer than max_length {hi}")

    def el_number_input(self, path: str, el: dict[str, Any]) -> None:
        if not isinstance(el.get("is_decimal_allowed"), bool):
            self.add(f"{path}.is_decimal_allowed", "is required and must be a boolean")
        for name in ("initial_value", "min_value", "max_value"):
            value = el.get(name)
            if value is not None and not is_number(value):
                self.add(f"{path}.{name}", f"must be a number (as a string), got {value!r}")

    def el_datepicker(self, path: str, el: dict[str, Any]) -> None:
        value = el.get("initial_date")
        if value is not None and not parses(value, "%Y-%m-%d", r"\d{4}-\d{2}-\d{2}"):
            self.add(f"{path}.initial_date", f"must be YYYY-MM-DD, got {value!r}")

    def el_timepicker(self, path: str, el: dict[str, Any]) -> None:
        value = el.get("initial_time")
        if value is not None and not parses(value, "%H:%M", r"\d{2}:\d{2}"):
            self.add(f"{path}.initial_time", f"must be HH:mm, got {value!r}")

    def el_static_select(self, path: str, el: dict[str, Any]) -> None:
        if el.get("option_groups") is not None:
            opts: list[Any] = []
            for i, group in enumerate(self.items(f"{path}.option_groups", el["option_groups"], 1, 100)):
                group = group if isinstance(group, dict) else {}
                self.text(f"{path}.option_groups[{i}].label", group.get("label"), 75, plain=True)
                opts += self.options(f"{path}.option_groups[{i}].options", group.get("options"), 1, 100, plain=True)
        else:
            opts = self.options(f"{path}.options", el.get("options"), 1, 100, plain=True)
        self.initial(path, el, opts)

    def el_overflow(self, path: str, el: dict[str, Any]) -> None:
        self.options(f"{path}.options", el.get("options"), 1, 5, plain=True, urls=True)

    def el_checkboxes(self, path: str, el: dict[str, Any]) -> None:
        self.initial(path, el, self.options(f"{path}.options", el.get("options"), 1, 10, plain=False))

    el_radio_buttons = el_checkboxes

    # -- blocks -------------------------------------------------------------------------------

    def blocks(self, path: str, blocks: Any, limit: int) -> list[Any]:
        """A list of blocks (or its JSON string); returns the decoded list."""
        if isinstance(blocks, str):
            try:
                blocks = json.loads(blocks)
            except ValueError:
                self.add(path, "is a string but not valid JSON")
                return []
        for i, block in enumerate(self.items(path, blocks, 0, limit)):
            self.block(f"{path}[{i}]", block)
        return blocks if isinstance(blocks, list) else []

    def block(self, path: str, block: Any) -> None:
        """One block, checked here and by slack_sdk."""
        if not isinstance(block, dict):
            self.add(path, "must be a block object")
            return
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            self.add(path, f"unknown block type {kind!r}")
            return
        self.unique_id(path, block, "block_id", self.block_ids)
        getattr(self, "b_" + kind, lambda p, b: None)(path, block)  # a divider has nothing to check
        self.second_opinion(path, block)

    def b_section(self, path: str, block: dict[str, Any]) -> None:
        self.text(f"{path}.text", block.get("text"), 3000, required=False)
        if block.get("fields") is not None:
            for i, field in enumerate(self.items(f"{path}.fields", block["fields"], 1, 10)):
                self.text(f"{path}.fields[{i}]", field, 2000)
        if block.get("text") is None and block.get("fields") is None:
            self.add(path, "section needs text or fields")
        if block.get("accessory") is not None:
            self.element(f"{path}.accessory", block["accessory"], ACCESSORIES, set())

    def b_header(self, path: str, block: dict[str, Any]) -> None:
        self.text(f"{path}.text", block.get("text"), 150, plain=True)

    def b_context(self, path: str, block: dict[str, Any]) -> None:
        for i, el in enumerate(self.items(f"{path}.elements", block.get("elements"), 1, 10)):
            if isinstance(el, dict) and el.get("type") == "image":
                self.image(f"{path}.elements[{i}]", el)
            else:
                self.text(f"{path}.elements[{i}]", el, 3000)

    def b_image(self, path: str, block: dict[str, Any]) -> None:
        self.image(path, block)
        self.text(f"{path}.title", block.get("title"), 2000, plain=True, required=False)

    def b_actions(self, path: str, block: dict[str, Any]) -> None:
        seen: set[str] = set()
        for i, el in enumerate(self.items(f"{path}.elements", block.get("elements"), 1, 25)):
            self.element(f"{path}.elements[{i}]", el, INTERACTIVE, seen)

    def b_input(self, path: str, block: dict[str, Any]) -> None:
        self.text(f"{path}.label", block.get("label"), 2000, plain=True)
        self.text(f"{path}.hint", block.get("hint"), 2000, plain=True, required=False)
        self.boolean(f"{path}.optional", block.get("optional"))
        self.boolean(f"{path}.dispatch_action", block.get("dispatch_action"))
        if block.get("element") is None:
            self.add(f"{path}.element", "is required")
        else:
            seen = self.view_action_ids if self.in_view else set()
            self.element(f"{path}.element", block["element"], INPUT_ELEMENTS, seen)

    def second_opinion(self, path: str, block: dict[str, Any]) -> None:
        """Let slack_sdk's models parse and re-serialise the block."""
        try:
            parsed = Block.parse(block)
            if parsed is None:
                self.add(path, "slack_sdk could not parse this block")
                return
            parsed.to_dict()
        except SlackObjectFormationError as exc:
            self.add(path, f"slack_sdk: {exc}")
        except Exception as exc:  # malformed input can make the models raise anything
            self.add(path, f"slack_sdk raised {type(exc).__name__}: {exc}")


def broadcast_mentions(obj: Any, path: str = "") -> list[str]:
    """Problems for every text object (or bare string at `path`) containing @channel/@here/@everyone."""
    found: list[str] = []
    if isinstance(obj, str):
        if match := BROADCAST_RE.search(obj):
            found.append(f"{path or 'text'}: unescaped broadcast mention {match[0]!r}")
    elif isinstance(obj, dict):
        if obj.get("type") in TEXT_TYPES and isinstance(obj.get("text"), str):
            found += broadcast_mentions(obj["text"], f"{path}.text")
        for key, value in obj.items():
            if isinstance(value, dict | list):
                found += broadcast_mentions(value, f"{path}.{key}" if path else key)
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            found += broadcast_mentions(value, f"{path}[{i}]")
    return found


def check_blocks(blocks: Any, *, limit: int = MAX_MESSAGE_BLOCKS, in_view: bool = False) -> list[str]:
    """Problems with a list of blocks (or its JSON string) on its own."""
    checker = _Checker(in_view)
    checker.blocks("blocks", blocks, limit)
    return checker.problems


def check_message(payload: dict[str, Any]) -> list[str]:
    """Problems with a chat.postMessage/postEphemeral/update or response_url body."""
    checker = _Checker(in_view=False)
    if not isinstance(payload, dict):
        return ["message: must be an object"]
    text = payload.get("text")
    checker.string("text", text, MAX_MESSAGE_TEXT)
    blocks = [] if payload.get("blocks") is None else checker.blocks("blocks", payload["blocks"], MAX_MESSAGE_BLOCKS)
    has_content = bool(text) or bool(blocks) or bool(payload.get("attachments"))
    if not has_content and payload.get("delete_original") not in (True, "true"):
        checker.add("message", "must have text or blocks")
    rtype = payload.get("response_type")
    if rtype is not None and rtype not in ("ephemeral", "in_channel"):
        checker.add("response_type", f"must be ephemeral or in_channel, got {rtype!r}")
    if isinstance(text, str):
        checker.problems += broadcast_mentions(text, "text")
    checker.problems += broadcast_mentions(blocks, "blocks")
    return checker.problems


def check_view(view: dict[str, Any]) -> list[str]:
    """Problems with a view for views.open/push/update/publish."""
    checker = _Checker(in_view=True)
    if not isinstance(view, dict):
        return ["view: must be an object"]
    kind = view.get("type")
    if kind not in VIEW_TYPES:
        checker.add("view.type", f"must be modal or home, got {kind!r}")
    blocks = checker.blocks("view.blocks", view.get("blocks"), MAX_VIEW_BLOCKS)
    checker.text("view.title", view.get("title"), 24, plain=True, required=kind == "modal")
    checker.text("view.submit", view.get("submit"), 24, plain=True, required=False)
    checker.text("view.close", view.get("close"), 24, plain=True, required=False)
    checker.string("view.private_metadata", view.get("private_metadata"), 3000)
    checker.string("view.callback_id", view.get("callback_id"), 255)
    checker.string("view.external_id", view.get("external_id"), 255)
    checker.boolean("view.clear_on_close", view.get("clear_on_close"))
    checker.boolean("view.notify_on_close", view.get("notify_on_close"))
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if kind == "modal" and has_input and view.get("submit") is None:
        checker.add("view.submit", "a modal with input blocks needs a submit button")
    checker.problems += broadcast_mentions(view, "view")
    return checker.problems
