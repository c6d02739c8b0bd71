"""The PDF CPD record (the audit pack) as an assessor gets it: any script, numbered pages, a declaration."""

from __future__ import annotations

import io
import re
from typing import Any

from fontTools.ttLib import TTFont
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from bot.dispatch import Dispatcher, Who
from handlers import ui
from handlers.cpd.pdf_fonts import BOOK, markup
from handlers.ids import InputId
from tests.conftest import ALICE
from tests.support.dispatcher import add

HANAKO = Who(ALICE, "山田 花子")
WORLD = (
    ("2026-10-05", "日本語の研修", "電子顕微鏡の使い方を学びました", "研究室の学生が安全に実験できる"),
    ("2026-10-12", "Ångström-mätning i renrum", "Åsa och Örjan visade kalibreringen", "Snabbare mätningar"),
    ("2026-10-19", "Μικροσκοπία ηλεκτρονίων", "Έμαθα για την προετοιμασία δειγμάτων", "Καλύτερες εικόνες"),
    ("2026-10-26", "🔬 Microscopy refresher", "Техника безопасности; Łódź; 한국어; 中文", "Safer labs 🧪"),
)


def log(bot: Dispatcher, who: Who, day: str, title: str, reflection: str, benefit: str) -> None:
    """Log an activity through the form, reflections and all."""
    form = bot.command(who, "cpd", "add")
    assert isinstance(form, ui.Form)
    values = {
        InputId.CPD_DATE: day,
        InputId.CPD_DURATION: "1h30m",
        InputId.CPD_TYPE: "formal",
        InputId.CPD_TITLE: title,
        InputId.CPD_REFLECTION: reflection,
        InputId.CPD_BENEFIT: benefit,
    }
    bot.submit(who, ui.Submission(form.callback, values, form.state))


def audit_pack(bot: Dispatcher, who: Who) -> bytes:
    result = bot.command(who, "cpd", "export pdf 12m")
    assert isinstance(result, ui.FileReply)
    return result.file.content


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def fonts_of(pdf: bytes) -> dict[str, Any]:
    """Every font the pages use, by name."""
    found = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            found[str(font["/BaseFont"])] = font
    return found


def drawn_characters(font: Any) -> dict[str, bool]:
    """For each character the font's ToUnicode map names: whether the embedded font has a real glyph for it."""
    embedded = TTFont(io.BytesIO(font["/FontDescriptor"]["/FontFile2"].get_data()))
    cmap = embedded["cmap"].tables[0].cmap
    table = font["/ToUnicode"].get_data().decode().split("beginbfchar")[1]
    drawn = {}
    for code, utf16 in re.findall(r"^<([0-9A-F]+)> <([0-9A-F]+)>$", table, re.MULTILINE):
        char = bytes.fromhex(utf16).decode("utf-16-be")
        if char not in ("\x00", "\x7f"):  # reportlab's own fillers of every subset
            drawn[char] = cmap.get(int(code, 16), ".notdef") != ".notdef"
    return drawn


def test_japanese_swedish_greek_and_emoji_come_out_as_text(bot: Dispatcher) -> None:
    for row in WORLD:
        log(bot, HANAKO, *row)
    add(bot, HANAKO, "1h Linear B 𐀀 reading date:2026-10-27 type:self")
    text = "\n".join(page_texts(audit_pack(bot, HANAKO)))
    for _, title, reflection, benefit in WORLD:
        for expected in (title, reflection, benefit):
            assert expected in text
    assert "山田 花子" in text
    assert "Linear B [linear b syllable b008 a] reading" in text  # what no font has is named, not boxed


def test_fonts_are_embedded_and_every_character_has_a_glyph(bot: Dispatcher) -> None:
    for row in WORLD:
        log(bot, HANAKO, *row)
    fonts = fonts_of(audit_pack(bot, HANAKO))
    embedded = [name for name, font in fonts.items() if "/FontFile2" in font.get("/FontDescriptor", {})]
    assert sorted(embedded) == sorted(fonts)
    drawn: dict[str, bool] = {}
    for font in fonts.values():
        for char, has_glyph in drawn_characters(font).items():
            drawn[char] = drawn.get(char, False) or has_glyph
    written = {ch for row in WORLD for ch in "".join(row[1:]) if not ch.isspace()} | set("山田花子")
    assert written <= drawn.keys(), "".join(sorted(written - drawn.keys()))
    assert [char for char, has_glyph in drawn.items() if not has_glyph] == []


def test_a_later_record_with_characters_not_seen_before_gets_their_glyphs_too(bot: Dispatcher) -> None:
    log(bot, HANAKO, *WORLD[0])
    audit_pack(bot, HANAKO)  # the faces are cut for this record first ...
    log(bot, HANAKO, "2026-10-30", "Ґрунт і 鬱金香 ᾯ", "Новий курс", "憂鬱")  # ... and have to grow for this one
    pdf = audit_pack(bot, HANAKO)
    assert "Ґрунт і 鬱金香 ᾯ" in "\n".join(page_texts(pdf))
    drawn = {char: ok for font in fonts_of(pdf).values() for char, ok in drawn_characters(font).items()}
    assert all(drawn.get(char) for char in "Ґрунт鬱金香ᾯНовийкрс憂")


def test_every_page_has_its_number_and_the_persons_name(bot: Dispatcher) -> None:
    for n in range(14):
        log(bot, HANAKO, f"2026-09-{n + 1:02d}", f"Workshop {n}", "A long reflection on what I learned. " * 12, "Users")
    pages = page_texts(audit_pack(bot, HANAKO))
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "山田 花子" in text


def test_the_record_ends_with_a_declaration_to_sign(bot: Dispatcher) -> None:
    log(bot, HANAKO, *WORLD[0])
    last = page_texts(audit_pack(bot, HANAKO))[-1]
    assert "Declaration" in last
    assert "I confirm this is an accurate record of my CPD for the last 12 months" in last
    assert last.index("Signature") < last.index("Date", last.index("Signature"))


def test_no_chat_commands_or_markup_for_the_assessor(bot: Dispatcher) -> None:
    add(bot, HANAKO, "1h Reading without a reflection date:2026-10-01 type:self #safety")
    text = "\n".join(page_texts(audit_pack(bot, HANAKO)))
    assert "Gap:" in text
    assert "No reflection is recorded for entry" in text
    for chat in ("/cpd", "`", "*", "#"):
        assert chat not in text


def test_an_empty_record_still_has_the_gaps_in_plain_words(bot: Dispatcher) -> None:
    text = "\n".join(page_texts(audit_pack(bot, HANAKO)))
    assert "No CPD activities are recorded in this period." in text
    assert "/cpd" not in text


# Latin, markup's own characters, line breaks and invisibles, and one of each other kind of font
ANY_TEXT = st.text(st.one_of(st.characters(max_codepoint=0x24F), st.sampled_from("日本🔬𐀀\u200d\ufe0f\t\n<>&")))


@settings(max_examples=60, deadline=None)
@given(ANY_TEXT)
def test_any_text_makes_a_paragraph(text: str) -> None:
    faces = BOOK.faces_for([text])
    Paragraph(markup(text, faces), ParagraphStyle("any", fontName=faces.regular)).wrap(400, 800)
