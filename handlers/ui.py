"""Neutral view models: what a reply, a button or a form is, for any chat surface.

Text in `Text`, `Fields` and `Context` is markup: `*bold*`, `_italic_`, `` `code` ``,
`<url|label>` links and `<@USER>` mentions. Anything a person typed must pass through
`escape` (or `clip`) before it is put into markup, so it can never turn into a link or a
broadcast mention. `Header` texts, button labels and form titles are plain text written by
the bot, never user data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from typing import Literal


def escape(text: str) -> str:
    """Make typed text safe to place in markup (`&`, `<`, `>`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(markup: str) -> str:
    """The inverse of `escape`, for surfaces that show text rather than markup."""
    return markup.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# The tokens of our markup (Slack's mrkdwn), for surfaces that render it some other way.
LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")  # <url|label>
BARE_LINK = re.compile(r"<(https?://[^>|]+)>")  # <url>
MENTION = re.compile(r"<@([A-Za-z0-9-]+)(?:\|[^>]*)?>")  # <@U123> (Slack) or <@3f2a-…> (a Teams AAD id)
CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")  # <#C123> or <#C123|name>
BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")  # *bold*
ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")  # _italic_


def clip(text: str, limit: int) -> str:
    """Shorten typed text to `limit` characters (with an ellipsis) and escape it."""
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    if len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    return escape(text)


def plain(markup: str) -> str:
    """Markup as plain text (for places that show no formatting, like form errors)."""
    for mark in ("`", "*"):
        markup = markup.replace(mark, "")
    return unescape(markup)


def bold(markup: str) -> str:
    """Bold some markup."""
    return f"*{markup}*" if markup else markup


def mention(user_id: str) -> str:
    """Mention a person by id."""
    return f"<@{user_id}>"


def link(url: str, label: str) -> str:
    """A link with an escaped label."""
    return f"<{escape(url)}|{escape(label)}>"


# --- blocks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Confirm:
    """A 'are you sure?' dialog before a button acts."""

    title: str
    text: str
    yes: str = "Yes"
    no: str = "Cancel"


@dataclass(frozen=True)
class Button:
    label: str
    action: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None
    confirm: Confirm | None = None


@dataclass(frozen=True)
class Header:
    text: str


@dataclass(frozen=True)
class Text:
    text: str
    button: Button | None = None


@dataclass(frozen=True)
class Fields:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Context:
    text: str


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class Buttons:
    buttons: tuple[Button, ...]


Block = Header | Text | Fields | Context | Divider | Buttons


# --- form inputs ----------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class TextInput:
    id: str
    label: str
    initial: str = ""
    multiline: bool = False
    optional: bool = False
    max_length: int | None = None
    placeholder: str | None = None
    hint: str | None = None
    kind: Literal["text", "url"] = "text"


@dataclass(frozen=True)
class DateInput:
    id: str
    label: str
    initial: date | None = None
    optional: bool = False
    hint: str | None = None


@dataclass(frozen=True)
class SelectInput:
    id: str
    label: str
    options: tuple[Option, ...]
    initial: str | None = None
    optional: bool = False
    hint: str | None = None


@dataclass(frozen=True)
class TimeInput:
    id: str
    label: str
    initial: time | None = None
    optional: bool = False
    hint: str | None = None


@dataclass(frozen=True)
class ChannelInput:
    """A channel to post in (Slack shows a channel picker)."""

    id: str
    label: str
    optional: bool = False
    hint: str | None = None


Input = TextInput | DateInput | SelectInput | TimeInput | ChannelInput


# --- what handlers return -------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A message to the person who asked (ephemeral or in their DM)."""

    blocks: tuple[Block, ...]
    text: str
    replace: bool = False  # replace the message whose button was pressed
    republish: tuple[str, ...] = ()  # shared messages to redraw after this, e.g. "event:12" (see routes.SUBJECTS)


@dataclass(frozen=True)
class Form:
    """A form to fill in (a Slack modal). `state` comes back with the submission."""

    callback: str
    title: str
    submit: str
    items: tuple[Input | Block, ...]
    state: dict[str, str] = field(default_factory=dict)


WHOLE_FORM = ""  # the FormErrors key for a problem with the form as a whole (shown on its first input)


@dataclass(frozen=True)
class FormErrors:
    """The submission was refused: messages by input id (or WHOLE_FORM), shown on the fields.

    Messages may be written in markup like any reply; fields show plain text, so it is made plain here.
    """

    errors: dict[str, str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "errors", {key: plain(message) for key, message in self.errors.items()})


class File:
    """A file for the person. Its bytes may be made lazily (`render`), off the request's path."""

    def __init__(
        self,
        *,
        name: str,
        title: str,
        mimetype: str,
        content: bytes | None = None,
        render: Callable[[], bytes] | None = None,
    ) -> None:
        if (content is None) == (render is None):
            raise ValueError("give either the content or how to render it")
        self.name, self.title, self.mimetype = name, title, mimetype
        self._content, self._render = content, render

    @property
    def content(self) -> bytes:
        if self._content is None:
            assert self._render is not None
            self._content = self._render()
        return self._content


@dataclass(frozen=True)
class FileReply:
    """A file for the person's DM, and a reply to show where they asked."""

    file: File
    comment: str
    reply: Reply


@dataclass(frozen=True)
class Home:
    """A person's dashboard (Slack's App Home tab); returned by a click on it, it redraws it."""

    blocks: tuple[Block, ...]


Response = Reply | Form | FormErrors | FileReply | Home | None


# --- what comes back from the person --------------------------------------------------


@dataclass(frozen=True)
class Action:
    """A button press."""

    action: str
    value: str


@dataclass(frozen=True)
class Submission:
    """A submitted form: values by input id (None when left empty) and the form's state."""

    callback: str
    values: dict[str, str | None]
    state: dict[str, str]


def reply(*blocks: Block, text: str, replace: bool = False) -> Reply:
    """Build a reply from blocks and its plain-text fallback."""
    return Reply(blocks=tuple(blocks), text=text, replace=replace)


def notice(markup: str, *, replace: bool = False) -> Reply:
    """A one-paragraph reply."""
    return Reply(blocks=(Text(markup),), text=markup, replace=replace)
