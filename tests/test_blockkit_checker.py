"""The Block Kit checker of the fake Slack: valid payloads pass, every limit is enforced."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)

from tests.support.blockkit import check_blocks, check_message, check_view
from tests.support.blockkit_samples import (
    button,
    confirm,
    full_modal,
    input_block,
    md,
    modal,
    opts,
    pt,
    rich_message,
    section,
    select,
    text_input_modal,
)

# -- Block Kit checker ------------------------------------------------------------------------------


def test_valid_message_and_view_pass() -> None:
    assert check_message(rich_message()) == []
    assert check_view(full_modal()) == []
    assert check_view({"type": "home", "blocks": [section()]}) == []
    assert check_message({"text": "plain"}) == []
    assert check_message({"delete_original": True}) == []


def test_blocks_as_json_string_are_accepted() -> None:
    assert check_message({"blocks": json.dumps(rich_message()["blocks"])}) == []
    assert any("not valid JSON" in p for p in check_message({"blocks": "[{nope"}))


def test_slack_sdk_rendered_blocks_pass() -> None:
    blocks = [
        HeaderBlock(text="Title"),
        DividerBlock(),
        SectionBlock(text="*x*", block_id="s"),
        ActionsBlock(
            elements=[
                ButtonElement(text="Go", action_id="go", style="primary"),
                StaticSelectElement(action_id="s", options=[Option(text="A", value="a")]),
            ]
        ),
    ]
    assert check_message({"text": "t", "blocks": [b.to_dict() for b in blocks]}) == []
    view_blocks = [InputBlock(label="L", block_id="i", element=PlainTextInputElement(action_id="a"))]
    assert check_view(modal(*[b.to_dict() for b in view_blocks])) == []


def _mutated(base: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    payload = copy.deepcopy(base)
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return payload


MESSAGE_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("long text", {"text": "x" * 40_001}, "limit 40000"),
    ("too many blocks", {"blocks": [section()] * 51}, "allowed 0..50"),
    ("empty", {"text": ""}, "must have text or blocks"),
    ("dup block_id", {"blocks": [section(block_id="a"), section(block_id="a")]}, "duplicate block_id"),
    ("long block_id", {"blocks": [section(block_id="b" * 256)]}, "limit 255"),
    ("section text", {"blocks": [section("x" * 3001)]}, "limit 3000"),
    ("slack_sdk opinion", {"blocks": [section("x" * 3001)]}, "slack_sdk: "),
    ("11 fields", {"blocks": [{"type": "section", "fields": [md("f")] * 11}]}, "allowed 1..10"),
    ("long field", {"blocks": [{"type": "section", "fields": [md("f" * 2001)]}]}, "limit 2000"),
    ("empty section", {"blocks": [{"type": "section"}]}, "needs text or fields"),
    ("long header", {"blocks": [{"type": "header", "text": pt("h" * 151)}]}, "limit 150"),
    ("mrkdwn header", {"blocks": [{"type": "header", "text": md("h")}]}, "must be plain_text"),
    ("empty context", {"blocks": [{"type": "context", "elements": []}]}, "allowed 1..10"),
    ("big context", {"blocks": [{"type": "context", "elements": [md("c")] * 11}]}, "allowed 1..10"),
    ("empty actions", {"blocks": [{"type": "actions", "elements": []}]}, "allowed 1..25"),
    (
        "big actions",
        {"blocks": [{"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(26)]}]},
        "allowed 1..25",
    ),
    ("dup action", {"blocks": [{"type": "actions", "elements": [button(), button()]}]}, "duplicate action_id"),
    ("button text", {"blocks": [section(accessory=button(text=pt("b" * 76)))]}, "limit 75"),
    ("button mrkdwn", {"blocks": [section(accessory=button(text=md("b")))]}, "must be plain_text"),
    ("action_id", {"blocks": [section(accessory=button(action_id="a" * 256))]}, "limit 255"),
    ("button value", {"blocks": [section(accessory=button(value="v" * 2001))]}, "limit 2000"),
    ("button url", {"blocks": [section(accessory=button(url="u" * 3001))]}, "limit 3000"),
    ("button style", {"blocks": [section(accessory=button(style="secondary"))]}, "primary or danger"),
    ("confirm title", {"blocks": [section(accessory=button(confirm=confirm(title=pt("t" * 101))))]}, "limit 100"),
    ("confirm text", {"blocks": [section(accessory=button(confirm=confirm(text=md("t" * 301))))]}, "limit 300"),
    ("confirm ok", {"blocks": [section(accessory=button(confirm=confirm(confirm=pt("y" * 31))))]}, "limit 30"),
    ("confirm deny", {"blocks": [section(accessory=button(confirm=confirm(deny=pt("n" * 31))))]}, "limit 30"),
    ("confirm md", {"blocks": [section(accessory=button(confirm=confirm(title=md("t"))))]}, "must be plain_text"),
    ("no options", {"blocks": [section(accessory=select(options=[]))]}, "allowed 1..100"),
    ("101 options", {"blocks": [section(accessory=select(options=opts(101)))]}, "allowed 1..100"),
    ("option text", {"blocks": [section(accessory=select(options=opts(2, 76)))]}, "limit 75"),
    (
        "option value",
        {"blocks": [section(accessory=select(options=[{"text": pt("a"), "value": "v" * 151}]))]},
        "limit 150",
    ),
    (
        "option mrkdwn",
        {"blocks": [section(accessory=select(options=[{"text": md("a"), "value": "a"}]))]},
        "must be plain_text",
    ),
    ("initial option", {"blocks": [section(accessory=select(initial_option=opts(5)[4]))]}, "not one of"),
    (
        "overflow",
        {"blocks": [section(accessory={"type": "overflow", "action_id": "o", "options": opts(6)})]},
        "allowed 1..5",
    ),
    (
        "checkboxes",
        {"blocks": [{"type": "actions", "elements": [{"type": "checkboxes", "action_id": "c", "options": opts(11)}]}]},
        "allowed 1..10",
    ),
    (
        "radio",
        {
            "blocks": [
                {"type": "actions", "elements": [{"type": "radio_buttons", "action_id": "c", "options": opts(11)}]}
            ]
        },
        "allowed 1..10",
    ),
    ("date", {"blocks": [section(accessory={"type": "datepicker", "initial_date": "2024-13-01"})]}, "YYYY-MM-DD"),
    ("date shape", {"blocks": [section(accessory={"type": "datepicker", "initial_date": "01/02/2024"})]}, "YYYY-MM-DD"),
    ("time", {"blocks": [section(accessory={"type": "timepicker", "initial_time": "25:00"})]}, "HH:mm"),
    ("time shape", {"blocks": [section(accessory={"type": "timepicker", "initial_time": "9:00"})]}, "HH:mm"),
    ("unknown block", {"blocks": [{"type": "table"}]}, "unknown block type"),
    ("unknown element", {"blocks": [{"type": "actions", "elements": [{"type": "slider"}]}]}, "unknown"),
    ("text type", {"blocks": [{"type": "section", "text": {"type": "markdown", "text": "x"}}]}, "plain_text or"),
    ("empty text", {"blocks": [section("")]}, "non-empty string"),
    ("image alt", {"blocks": [{"type": "image", "image_url": "https://x.y/i.png"}]}, "alt_text: is required"),
    ("channel", {"text": "hey <!channel>"}, "unescaped broadcast mention"),
    ("here label", {"blocks": [section("a <!here|here> b")]}, "unescaped broadcast mention"),
    ("everyone field", {"blocks": [{"type": "section", "fields": [md("<!everyone>")]}]}, "broadcast"),
    ("response_type", {"text": "x", "response_type": "public"}, "ephemeral or in_channel"),
]


@pytest.mark.parametrize(("payload", "expected"), [c[1:] for c in MESSAGE_CASES], ids=[c[0] for c in MESSAGE_CASES])
def test_message_limits(payload: dict[str, Any], expected: str) -> None:
    problems = check_message(payload)
    assert any(expected in p for p in problems), problems


VIEW_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("type", {**modal(), "type": "dialog"}, "modal or home"),
    ("101 blocks", modal(*[section()] * 101), "allowed 0..100"),
    ("no title", {k: v for k, v in modal().items() if k != "title"}, "view.title: is required"),
    ("long title", modal(title=pt("t" * 25)), "limit 24"),
    ("mrkdwn title", modal(title=md("t")), "must be plain_text"),
    ("long submit", modal(submit=pt("s" * 25)), "limit 24"),
    ("long close", modal(close=pt("c" * 25)), "limit 24"),
    ("no submit", {k: v for k, v in text_input_modal().items() if k != "submit"}, "needs a submit"),
    ("metadata", modal(private_metadata="m" * 3001), "limit 3000"),
    ("callback_id", modal(callback_id="c" * 256), "limit 255"),
    ("external_id", modal(external_id="e" * 256), "limit 255"),
    ("label", _mutated(text_input_modal(), ["blocks", 0, "label"], pt("l" * 2001)), "limit 2000"),
    ("mrkdwn label", _mutated(text_input_modal(), ["blocks", 0, "label"], md("l")), "must be plain_text"),
    ("hint", _mutated(text_input_modal(), ["blocks", 0, "hint"], pt("h" * 2001)), "limit 2000"),
    ("no element", _mutated(text_input_modal(), ["blocks", 0, "element"], None), "element: is required"),
    ("optional", _mutated(text_input_modal(), ["blocks", 0, "optional"], "yes"), "must be a boolean"),
    ("input element", _mutated(text_input_modal(), ["blocks", 0, "element"], button()), "disallowed"),
    ("max_length", text_input_modal(max_length=3001), "in 1..3000"),
    ("min_length", text_input_modal(min_length=3001), "in 0..3000"),
    ("initial > max", text_input_modal(max_length=3, initial_value="abcd"), "longer than max_length"),
    ("placeholder", text_input_modal(placeholder=pt("p" * 151)), "limit 150"),
    (
        "dup input action",
        modal(
            input_block("a", {"type": "plain_text_input", "action_id": "x"}),
            input_block("b", {"type": "datepicker", "action_id": "x"}),
        ),
        "duplicate action_id",
    ),
    ("number", modal(input_block("n", {"type": "number_input", "action_id": "n"})), "is_decimal_allowed"),
    ("broadcast in view", modal(section("<!here>")), "unescaped broadcast mention"),
]


@pytest.mark.parametrize(("view", "expected"), [c[1:] for c in VIEW_CASES], ids=[c[0] for c in VIEW_CASES])
def test_view_limits(view: dict[str, Any], expected: str) -> None:
    problems = check_view(view)
    assert any(expected in p for p in problems), problems


def test_check_blocks_and_paths() -> None:
    problems = check_blocks([section(), {"type": "header", "text": md("x")}])
    assert problems
    assert all(p.startswith("blocks[1].text") for p in problems), problems
