"""Tests for the offline Adaptive Card checker used by the fake Bot Framework Connector."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from microsoft_teams.cards import (
    ActionSet,
    AdaptiveCard,
    Choice,
    ChoiceSetInput,
    DateInput,
    ExecuteAction,
    Fact,
    FactSet,
    SubmitAction,
    TextBlock,
    TextInput,
    TimeInput,
    ToggleInput,
)

from tests.support.adaptivecards import (
    ADAPTIVE_CARD,
    MAX_CARD_BYTES,
    check_attachments,
    check_card,
    markup_problems,
    schema,
)


def make(*body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.5", "body": list(body), **extra}


def text(value: str, **kw: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": value, "wrap": True, **kw}


def submit(data: Any = None, **kw: Any) -> dict[str, Any]:
    action = {"type": "Action.Submit", "title": "Send", **kw}
    if data is not None:
        action["data"] = data
    return action


def approval() -> dict[str, Any]:
    """A card using most of what the bot will send: facts, inputs, a show card, Submit and Execute."""
    return make(
        text("Approve CPD entry", weight="Bolder", size="Medium"),
        {"type": "FactSet", "facts": [{"title": "Hours", "value": "2"}, {"title": "Topic", "value": "Safety"}]},
        {"type": "Input.Text", "id": "comment", "label": "Comment", "isMultiline": True, "maxLength": 500},
        {
            "type": "Input.ChoiceSet",
            "id": "category",
            "style": "compact",
            "choices": [{"title": "Training", "value": "training"}, {"title": "Mentoring", "value": "mentoring"}],
        },
        {"type": "Input.Date", "id": "day"},
        {"type": "Input.Toggle", "id": "public", "title": "Share with my team"},
        {"type": "ColumnSet", "columns": [{"type": "Column", "width": "auto", "items": [text("left")]}]},
        actions=[
            submit({"verb": "approve", "entry": 7}, style="positive"),
            {"type": "Action.Execute", "title": "Refresh", "verb": "refresh", "data": {"entry": 7}},
            {
                "type": "Action.ShowCard",
                "title": "Reject…",
                "card": {
                    "type": "AdaptiveCard",
                    "body": [{"type": "Input.Text", "id": "reason", "label": "Why?"}],
                    "actions": [submit({"verb": "reject", "entry": 7})],
                },
            },
            {"type": "Action.OpenUrl", "title": "Guide", "url": "https://example.ac.uk/cpd"},
        ],
        msteams={"width": "Full"},
    )


def typed() -> dict[str, Any]:
    card = AdaptiveCard(
        version="1.5",
        body=[
            TextBlock(text="Book a room", weight="Bolder", size="Medium", wrap=True),
            FactSet(facts=[Fact(title="Building", value="B12")]),
            TextInput(id="subject", label="Subject", is_required=True),
            DateInput(id="day", label="Day"),
            TimeInput(id="start", label="Start", value="09:00"),
            ToggleInput(id="remind", title="Remind me"),
            ChoiceSetInput(id="room", choices=[Choice(title="Blue", value="blue")]),
            ActionSet(
                actions=[
                    SubmitAction(title="Book", data={"verb": "book"}),
                    ExecuteAction(title="Refresh", verb="refresh"),
                ]
            ),
        ],
    )
    return card.model_dump(mode="json", exclude_none=True)


def mention_card() -> dict[str, Any]:
    entity = {"type": "mention", "text": "<at>Alice</at>", "mentioned": {"id": "29:1abc", "name": "Alice"}}
    return make(text("Hello <at>Alice</at>"), msteams={"entities": [entity]})


# -- valid cards ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("card", [approval(), typed(), mention_card(), make(text("minimal"))])
def test_valid_cards_pass(card: dict[str, Any]) -> None:
    assert check_card(card) == []


def test_schema_is_the_official_one_patched_for_teams() -> None:
    loaded = schema()
    assert loaded["$schema"].startswith("http://json-schema.org/draft-06")
    assert loaded["definitions"]["AdaptiveCard"]["properties"]["msteams"] == {"type": "object"}
    assert loaded["definitions"]["AdaptiveCard"]["additionalProperties"] is False


def test_a_card_just_under_the_size_limit_passes() -> None:
    card = make(text(""))
    card["body"][0]["text"] = "x" * (MAX_CARD_BYTES - len(str(card)) - 20)
    assert check_card(card) == []


# -- the official schema, explained ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        (make({"type": "Input.Txt", "id": "x"}), "body/0: unknown or misplaced element/action type 'Input.Txt'"),
        (make({"type": "TextBlock"}), "body/0: 'text' is a required property"),
        (make(text("x", size="Huge")), "body/0/size: 'Huge' is not one of"),
        (make(text("x", wrapp=True)), "body/0: Additional properties are not allowed ('wrapp' was unexpected)"),
        (make({"text": "x"}), "body/0: element or action has no 'type'"),
        (make(submit({"verb": "x"})), "body/0: unknown or misplaced element/action type 'Action.Submit'"),
        (make(actions=[submit({"verb": "x"}, style="danger")]), "actions/0/style: 'danger' is not one of"),
        (make({"type": "Input.ChoiceSet", "id": "c", "choices": [{"title": "A"}]}), "choices/0: 'value' is a required"),
        (make({"type": "Container", "items": [text("x", colour="red")]}), "body/0/items/0: Additional properties"),
        (make(text("x"), msteam={"width": "Full"}), "<card>: Additional properties are not allowed ('msteam'"),
        (make(text("x"), body="nope"), "body: 'nope' is not of type 'array'"),
    ],
)
def test_schema_errors_are_readable(card: dict[str, Any], expected: str) -> None:
    problems = check_card(card)
    assert any(p.startswith(expected) or expected in p for p in problems), problems


def test_not_a_card_at_all() -> None:
    assert check_card([]) == ["<card>: an Adaptive Card must be a JSON object, got list"]  # type: ignore[arg-type]
    assert check_card({"type": "HeroCard"}) == ["<card>: 'type' must be 'AdaptiveCard', got 'HeroCard'"]


# -- our own rules ------------------------------------------------------------------------------------------


def test_version_is_required() -> None:
    card = make(text("x"))
    del card["version"]
    assert check_card(card) == ["<card>: top-level 'version' is required (e.g. \"1.5\")"]


def test_nested_show_card_needs_no_version() -> None:
    assert "version" not in approval()["actions"][2]["card"]
    assert check_card(approval()) == []


def test_size_limit() -> None:
    problems = check_card(make(text("é" * (MAX_CARD_BYTES // 2))))
    assert len(problems) == 1
    assert problems[0].startswith("<card>: card is")
    assert "limit is 28672" in problems[0]


def test_inputs_need_an_id() -> None:
    problems = check_card(make({"type": "Input.Number", "label": "Hours"}))
    assert "body/0: Input.Number has no 'id', so its value would never reach the bot" in problems


def test_input_ids_are_unique_across_show_cards() -> None:
    card = approval()
    card["actions"][2]["card"]["body"][0]["id"] = "comment"
    assert check_card(card) == ["actions/2/card/body/0: duplicate id 'comment' (also at body/2)"]


def test_element_ids_are_unique_too() -> None:
    card = make(text("a", id="same"), {"type": "Input.Text", "id": "same"})
    assert check_card(card) == ["body/1: duplicate id 'same' (also at body/0)"]


@pytest.mark.parametrize("data", ["approve", None, ["approve"]])
def test_submit_data_must_be_an_object(data: Any) -> None:
    card = make(text("x"), actions=[submit(data)])
    problems = [p for p in check_card(card) if "Action.Submit 'data'" in p]
    assert problems == [f"actions/0: Action.Submit 'data' must be an object (with a verb), got {data!r}"]


def test_select_action_submit_is_checked() -> None:
    card = make({"type": "Container", "items": [text("x")], "selectAction": submit("go")})
    assert any(p.startswith("body/0/selectAction: Action.Submit 'data'") for p in check_card(card))


SLACK_MARKUP = ["<!channel>", "<!here>", "<!everyone>", "<!here|here>", "<@U012AB3CD>", "<@W1|bob>"]


@pytest.mark.parametrize("markup", SLACK_MARKUP)
@pytest.mark.parametrize(
    "place",
    [
        lambda m: make(text(f"Ping {m}")),
        lambda m: make({"type": "FactSet", "facts": [{"title": "Who", "value": m}]}),
        lambda m: make({"type": "Input.ChoiceSet", "id": "c", "choices": [{"title": m, "value": "v"}]}),
        lambda m: make(text("x"), actions=[submit({"verb": "x"}, title=m)]),
        lambda m: make(text("x"), fallbackText=m),
    ],
)
def test_slack_markup_anywhere_is_a_leak(markup: str, place: Any) -> None:
    problems = check_card(place(markup))
    assert len(problems) == 1, problems
    assert f"Slack markup {markup!r} leaked into Teams text" in problems[0]


def test_raw_at_markup_from_user_text_is_refused() -> None:
    problems = check_card(make(text("hi <at>Alice</at>")))
    assert problems == ["body/0/text: raw '<at>Alice</at>' markup without a matching mention entity"]
    unclosed = check_card(make(text("a <at x='1'>b")))
    assert unclosed == ["body/0/text: raw '<at' markup without a matching mention entity"]


def test_at_markup_must_match_a_declared_mention() -> None:
    card = mention_card()
    card["body"].append(text("and <at>Bob</at>"))
    assert check_card(card) == ["body/1/text: raw '<at>Bob</at>' markup without a matching mention entity"]


def test_harmless_angle_brackets_and_emails_pass() -> None:
    assert check_card(make(text("a < b > c, <attachment>, <@channel>, mail@<example>, <!-- x -->"))) == []


def test_rules_do_not_mutate_the_card() -> None:
    card = approval()
    before = copy.deepcopy(card)
    check_card(card)
    assert card == before


# -- helpers used by the fake connector ----------------------------------------------------------------------


def test_check_attachments_checks_only_adaptive_cards() -> None:
    bad = make({"type": "TextBlock"})
    html = {"contentType": "text/html", "content": "<at>x</at>"}
    attachments = [html, {"contentType": ADAPTIVE_CARD, "content": bad}]
    assert check_attachments(attachments) == ["attachments/1/content: body/0: 'text' is a required property"]
    assert check_attachments(None) == []
    assert check_attachments("x") == ["attachments: must be a list"]


def test_markup_problems_accepts_declared_mentions() -> None:
    assert markup_problems("text", "hi <at>A</at>", {"<at>A</at>"}) == []
    assert markup_problems("text", "<!here>") == ["text: Slack markup '<!here>' leaked into Teams text"]
