"""Hostile command text for fuzzing: control and bidirectional characters, mrkdwn, mentions, SQL, HTML.

`hostile_text` mixes these, escaped as Slack escapes typed text and not, joined by every kind of
separator a command could contain; `to_length` pads a prefix to an exact length.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.bot.conftest import slack_escaped

CONTROL_CHARS = (
    "".join(chr(c) for c in range(0x20))
    + "\x7f\x85\xa0\xad"
    + "\u2028\u2029"  # line and paragraph separators
    + "\u200b\u200c\u200d\u2060\ufeff"  # zero-width characters
    + "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"  # bidirectional overrides
    + "\ufffc\ufffd\U000e0001\U000f0000"
)

# Slack's markup as Slack itself sends it in command text: real mentions, channels and links.
SLACK_MARKUP = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!channel|@channel>",
    "<!here|here>",
    "<!subteam^S0123|@techs>",
    "<!date^1392734382^{date_num}|Feb 18>",
    "<@U123|x>",
    "<@U123>",
    "<@U0OWNER1|alice>",
    "<@U1|alice>",
    "<@UADMIN|admin>",
    "<@W0ENTERPRISE|w>",
    "<#C1|general>",
    "<#C0TECHNET>",
    "<https://evil.example|click>",
    "<https://evil.example>",
    "<mailto:a@evil.example|a@evil.example>",
)

# What a person might type; Slack escapes `&`, `<` and `>` in it before sending.
TYPED = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123|x>",
    "<#C1|general>",
    "<https://evil.example|click>",
    "@channel",
    "@here",
    "*bold*",
    "_italic_",
    "~strike~",
    "`code`",
    "```block```",
    "> quote",
    "'; DROP TABLE cpd_entry; --",
    '" OR 1=1 --',
    "1; DELETE FROM event",
    "<script>alert(1)</script>",
    "&amp;",
    "&lt;!channel&gt;",
    "&",
    "<",
    ">",
    "%s %d {0} {} %(x)s",
    "\\",
    "\\x00",
    "'",
    '"',
    "|",
    ":",
    "#",
    "##",
    "#tag",
    "#visibility",
    "#<!channel>",
    "type:",
    "type:formal",
    "type:<!here>",
    "date:",
    "date:2026-11-20",
    "date:2999-01-01",
    "date:0000-00-00",
    "1h",
    "0h",
    "90m",
    "9999h",
    "1.5h",
    "A",
    "Z",
    "Y1-01",
    "A1",
    "A4",
    "RSciTech",
    "ceng",
    "registered",
    "done",
    "on-track",
    "csv",
    "pdf",
    "12m",
    "all",
    "2026",
    "2026Q1",
    "2026Q9",
    "0",
    "-1",
    "#1",
    "99999999999999999999",
    "1e308",
    "NaN",
    "U123",
    "🚀",
    "\U0001f469\u200d\U0001f52c",
    "e\u0301",
    "ﷺ",
    "𒐫",
    "\u202eevil\u202c",
)

COMMAND_SEPARATORS = (" ", "", "  ", "\n", "\t", "\u00a0", "\u3000", "\u2028", "\x00", "\u200b")

piece = st.one_of(
    st.text(max_size=40).map(slack_escaped),  # arbitrary unicode, as typed
    st.text(alphabet=CONTROL_CHARS, min_size=1, max_size=6),
    st.sampled_from(TYPED).map(slack_escaped),
    st.sampled_from(SLACK_MARKUP),
    st.sampled_from(TYPED + SLACK_MARKUP),  # unescaped, as a client that does not escape would send
)
hostile_text = st.one_of(
    st.lists(st.tuples(piece, st.sampled_from(COMMAND_SEPARATORS)), max_size=6).map(
        lambda parts: "".join(p + s for p, s in parts)
    ),
    st.text(),
)


def to_length(prefix: str, filler: str, length: int) -> str:
    """`prefix` followed by `filler` repeated to make exactly `length` characters."""
    filler = filler or "x"
    room = length - len(prefix)
    return prefix + (filler * (room // len(filler) + 1))[:room]


longs = st.sampled_from([False, False, False, True])  # a quarter of the examples are 4,000 characters


def build(prefix: str, hostile: str, suffix: str, long: bool, ids: dict[str, Any]) -> str:
    """A command text: the prefix (with ids filled in), the hostile part and a suffix; 4,000 characters if long."""
    start = prefix.format(**ids)
    return to_length(start, hostile + suffix, 4000) if long else start + hostile + suffix
