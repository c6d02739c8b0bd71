"""Fonts for the PDF CPD record, so that whatever script a person writes in prints as itself.

- Noto Sans sets the text: Latin (every European language, Vietnamese), Greek and Cyrillic.
- Noto Sans CJK sets Chinese, Japanese and Korean. It ships with PostScript (CFF) outlines, which
  reportlab cannot embed, so the characters a record uses are cut out and their outlines turned
  into TrueType ones with fontTools.
- Noto Emoji (monochrome) and Noto Sans Symbols set what neither has: 🔬, ♻ ... They have no bold,
  so such a run in a heading is regular weight.
- A character that no font here has is written as its Unicode name in brackets, e.g.
  "[linear b syllable b008 a]", so nothing prints as a box.

Noto Sans and Noto Emoji/Symbols are variable fonts whose default is the regular weight, which is
what reportlab reads; the bold is made by cutting the characters in use out of Noto Sans and fixing
its weight axis at 700. Cutting takes a second or so, so faces are cut once per process for the
characters seen so far and cut again, under new names, only when a record brings new characters.
In every case reportlab embeds only the glyphs a PDF uses.
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from itertools import groupby
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from fontTools import subset
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont as OpenTypeFont
from fontTools.varLib import instancer
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportlabTTFont

# Always in the bold cut of Noto Sans, whatever the first record needs: Latin-1, Latin Extended-A, punctuation.
_BASE_RANGES = ((0x20, 0x17F), (0x2010, 0x2027), (0x2030, 0x203A), (0x20AC, 0x20AC), (0x2122, 0x2122))
# Shown by nothing (zero-width spaces and joiners, variation selectors): dropped before setting.
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufe0e\ufe0f]")
_MAX_ERROR = 1.0  # how far, in font units (1000 to the em), a TrueType curve may stray from the original
_BOLD = 700


class TTFont(ReportlabTTFont):  # type: ignore[misc]  # reportlab has no type hints
    """reportlab's TrueType font, with characters beyond U+FFFF (emoji) mapped back to text correctly.

    reportlab (5.1) writes such a character into the PDF's ToUnicode map as five hex digits, which
    readers take for a shorter one: 🔬 (U+1F52C) copies out as ὒ (U+1F52). PDF wants UTF-16 there.
    """

    def addObjects(self, doc: Any) -> None:
        super().addObjects(doc)
        for name, stream in doc.idToObject.items():
            if name.startswith("toUnicodeCMap:"):
                stream.content = _ASTRAL.sub(_as_utf16, stream.content)


_ASTRAL = re.compile(r"^(<[0-9A-F]+>) <([0-9A-F]{5,6})>$", re.MULTILINE)


def _as_utf16(match: re.Match[str]) -> str:
    return f"{match[1]} <{chr(int(match[2], 16)).encode('utf-16-be').hex().upper()}>"


def _package_file(package: str, name: str) -> Path:
    return Path(str(files(package).joinpath(name)))


_NOTO_SANS = _package_file("manimgx_fonts", "NotoSans[wght].ttf")
_NOTO_SANS_CJK = {
    "Regular": _package_file("noto_cjk_sans_jp_regular", "NotoSansCJKjp-Regular.otf"),
    "Bold": _package_file("noto_cjk_sans_jp_bold", "NotoSansCJKjp-Bold.otf"),
}
_SYMBOL_FONTS = {
    "NotoEmoji": _package_file("manimgx_fonts", "NotoEmoji[wght].ttf"),
    "NotoSansSymbols": _package_file("manimgx_fonts", "NotoSansSymbols[wght].ttf"),
}


@dataclass(frozen=True)
class Faces:
    """The registered font names a document is set in."""

    regular: str
    bold: str
    text_chars: frozenset[int]  # what `regular` and `bold` both set
    fallbacks: tuple[tuple[str, str, frozenset[int]], ...]  # regular and bold font names, what they set; in order


def bold_cut(variable: Path, chars: Iterable[int], *, ps_name: str) -> bytes:
    """The glyphs of `chars` from a variable TrueType font with a weight axis, at bold weight.

    reportlab takes two fonts with one PostScript name for one font, so each cut is given its own.
    """
    font = OpenTypeFont(str(variable))
    for tag in ("GSUB", "GPOS", "GDEF"):  # reportlab does no shaping; keeping them only costs time
        if tag in font:
            del font[tag]
    options = subset.Options()
    options.layout_features = []
    options.notdef_outline = True
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=list(chars))
    subsetter.subset(font)
    bold = instancer.instantiateVariableFont(font, {"wght": _BOLD})
    names = bold["name"]
    names.setName("Bold", 2, 3, 1, 0x409)
    names.setName(ps_name, 6, 3, 1, 0x409)
    names.removeNames(nameID=6, platformID=1)
    out = io.BytesIO()
    bold.save(out)
    return out.getvalue()


class TrueTypeCutter:
    """Cuts characters out of an OpenType font with PostScript (CFF) outlines into a small TrueType font.

    Outlines are converted once and kept, so a second, larger cut only converts what is new.
    """

    def __init__(self, source: Path, *, style: str) -> None:
        self._font: Any = OpenTypeFont(str(source), lazy=True)
        self.cmap: dict[int, str] = self._font.getBestCmap()
        self._style = style
        self._glyphs: dict[str, Any] = {}
        self._lock = threading.Lock()

    def cut(self, chars: Iterable[int], *, ps_name: str) -> bytes:
        """A TrueType font with the glyphs of those `chars` that the source has (and .notdef).

        reportlab takes two fonts with one PostScript name for one font, so each cut is given its own.
        """
        with self._lock:
            source = self._font
            mapping = {c: self.cmap[c] for c in chars if c in self.cmap}
            order = [".notdef", *sorted(set(mapping.values()) - {".notdef"}, key=source.getGlyphID)]
            outlines = source.getGlyphSet()
            for name in order:
                if name not in self._glyphs:
                    pen = TTGlyphPen(None)
                    # cubic to quadratic curves; TrueType winds outer contours the other way round
                    outlines[name].draw(Cu2QuPen(pen, _MAX_ERROR, reverse_direction=True))
                    self._glyphs[name] = pen.glyph()
            family = source["name"].getBestFamilyName()
            hhea, os2, hmtx = source["hhea"], source["OS/2"], source["hmtx"]
            builder = FontBuilder(source["head"].unitsPerEm, isTTF=True)
            builder.setupGlyphOrder(order)
            builder.setupCharacterMap(mapping)
            builder.setupGlyf({name: self._glyphs[name] for name in order})
            builder.setupHorizontalMetrics({name: hmtx[name] for name in order})
            builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent)
            builder.setupNameTable({"familyName": family, "styleName": self._style, "psName": ps_name})
            builder.setupOS2(
                sTypoAscender=os2.sTypoAscender,
                sTypoDescender=os2.sTypoDescender,
                sTypoLineGap=os2.sTypoLineGap,
                usWinAscent=os2.usWinAscent,
                usWinDescent=os2.usWinDescent,
                fsType=os2.fsType,
                usWeightClass=os2.usWeightClass,
            )
            builder.setupPost()
            out = io.BytesIO()
            builder.save(out)
            return out.getvalue()


class FontBook:
    """Registers, and grows when it must, the faces that records are set in. Safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._text: tuple[str, str, frozenset[int]] | None = None  # regular, bold, what they set
        self._text_cmap: frozenset[int] | None = None
        self._cjk: tuple[str, str, frozenset[int]] | None = None  # regular, bold, what they set
        self._cjk_cutters: dict[str, TrueTypeCutter] | None = None
        self._symbols: tuple[tuple[str, str, frozenset[int]], ...] = ()

    def faces_for(self, text: Iterable[str]) -> Faces:
        """Faces that set every character of `text` that any of the fonts has."""
        wanted = {ord(ch) for chunk in text for ch in clean(chunk)} - {ord("\n")}
        with self._lock:
            if self._text_cmap is None:
                self._text_cmap = frozenset(TTFont("NotoSans", str(_NOTO_SANS)).face.charToGlyph)
                self._symbols = tuple(self._register_as_is(name, path) for name, path in _SYMBOL_FONTS.items())
            latin = wanted & self._text_cmap
            if self._text is None or not latin <= self._text[2]:
                self._grow_text(latin)
            rest = wanted - self._text_cmap
            if rest:
                if self._cjk_cutters is None:
                    self._cjk_cutters = {w: TrueTypeCutter(path, style=w) for w, path in _NOTO_SANS_CJK.items()}
                cjk = rest & self._cjk_cutters["Regular"].cmap.keys()
                if cjk and (self._cjk is None or not cjk <= self._cjk[2]):
                    self._grow_cjk(cjk)
            assert self._text is not None
            regular, bold, covered = self._text
            fallbacks = ((self._cjk,) if self._cjk else ()) + self._symbols
            return Faces(regular, bold, covered, fallbacks)

    def _grow_text(self, chars: set[int]) -> None:
        assert self._text_cmap is not None
        base = {c for lo, hi in _BASE_RANGES for c in range(lo, hi + 1)} & self._text_cmap
        covered = frozenset(chars | base | (self._text[2] if self._text else set()))
        self._generation += 1
        regular, bold = f"NotoSans-{self._generation}", f"NotoSans-Bold-{self._generation}"
        pdfmetrics.registerFont(TTFont(regular, str(_NOTO_SANS)))
        pdfmetrics.registerFont(TTFont(bold, io.BytesIO(bold_cut(_NOTO_SANS, covered, ps_name=bold))))
        pdfmetrics.registerFontFamily(regular, normal=regular, bold=bold, italic=regular, boldItalic=bold)
        self._text = (regular, bold, covered)

    def _grow_cjk(self, chars: set[int]) -> None:
        assert self._cjk_cutters is not None
        covered = frozenset(chars | (self._cjk[2] if self._cjk else set()))
        self._generation += 1
        names = {w: f"NotoSansCJK-{w}-{self._generation}" for w in self._cjk_cutters}
        for weight, cutter in self._cjk_cutters.items():
            pdfmetrics.registerFont(TTFont(names[weight], io.BytesIO(cutter.cut(covered, ps_name=names[weight]))))
        regular, bold = names["Regular"], names["Bold"]
        pdfmetrics.registerFontFamily(regular, normal=regular, bold=bold, italic=regular, boldItalic=bold)
        self._cjk = (regular, bold, covered)

    @staticmethod
    def _register_as_is(name: str, path: Path) -> tuple[str, str, frozenset[int]]:
        font = TTFont(name, str(path))
        pdfmetrics.registerFont(font)
        pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)
        return name, name, frozenset(font.face.charToGlyph)


BOOK = FontBook()


def clean(text: str) -> str:
    """Text as it will be set: tabs as spaces, invisible joiners and selectors and other controls dropped."""
    text = _INVISIBLE.sub("", text)
    if text.isprintable():  # the usual case, and quick
        return text
    return "".join(
        " " if ch == "\t" else ch
        for ch in text
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf")
    )


_TEXT, _NONE = "", "?"


def markup(text: str, faces: Faces, *, bold: bool = False) -> str:
    """Paragraph markup for plain `text`: escaped, line breaks kept, each run in a font that has it."""
    text = clean(text)
    if faces.text_chars.issuperset(map(ord, text.replace("\n", ""))):  # the usual case, and quick
        return escape(text).replace("\n", "<br/>")
    out: list[str] = []
    for font, run in groupby(text, key=lambda ch: _font_of(ch, faces, bold=bold)):
        chars = "".join(run)
        if font == _TEXT:
            out.append(escape(chars).replace("\n", "<br/>"))
        elif font == _NONE:
            out.append(escape("".join(f"[{unicodedata.name(ch, f'U+{ord(ch):04X}').lower()}]" for ch in chars)))
        else:
            out.append(f'<font face="{font}">{escape(chars)}</font>')
    return "".join(out)


def _font_of(ch: str, faces: Faces, *, bold: bool) -> str:
    """Which font sets `ch`: the text faces (`_TEXT`), a fallback (its name) or none (`_NONE`)."""
    code = ord(ch)
    if ch == "\n" or code in faces.text_chars:
        return _TEXT
    return next((b if bold else r for r, b, chars in faces.fallbacks if code in chars), _NONE)
