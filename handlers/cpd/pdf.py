"""A small document builder over reportlab's platypus for the CPD record.

Text is collected first and laid out last, because the fonts are cut to the characters the whole
record uses (see `handlers.cpd.pdf_fonts`). `story()` gives the flowables, so a caller can put more
of its own (a chart, say) among them before `build(story)`. Every page carries the person's name
and "Page n of N".
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from handlers.cpd.pdf_fonts import BOOK, Faces, markup

_MARGIN = 18 * mm
_FOOTER_GAP = 8 * mm  # between the last line of text and the footer


class _Setter:
    """Styles and markup for one document, once its faces are known."""

    def __init__(self, faces: Faces) -> None:
        self.faces = faces
        base = getSampleStyleSheet()
        regular, bold = faces.regular, faces.bold
        body = {"fontName": regular, "fontSize": 9.5, "leading": 13}
        self.styles = {
            "h1": ParagraphStyle("h1", parent=base["Heading1"], fontName=bold, fontSize=17, leading=22),
            "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName=bold, fontSize=13, leading=17, spaceBefore=10),
            "body": ParagraphStyle("body", parent=base["BodyText"], **body),
            "bold": ParagraphStyle("bold", parent=base["BodyText"], **{**body, "fontName": bold}),
            "indent": ParagraphStyle("indent", parent=base["BodyText"], leftIndent=12, **body),
            "gap": ParagraphStyle("gap", parent=base["BodyText"], leftIndent=12, textColor=colors.darkred, **body),
            "entry": ParagraphStyle("entry", parent=base["BodyText"], fontName=bold, fontSize=10, spaceBefore=6),
            "cell": ParagraphStyle("cell", parent=base["BodyText"], **body),
            "number": ParagraphStyle("number", parent=base["BodyText"], alignment=TA_RIGHT, **body),
            "footer": ParagraphStyle("footer", fontName=regular, fontSize=8, leading=10, textColor=colors.dimgrey),
            "footer-right": ParagraphStyle(
                "footer-right", fontName=regular, fontSize=8, leading=10, textColor=colors.dimgrey, alignment=TA_RIGHT
            ),
        }

    def p(self, text: str, style: str) -> Any:
        chosen = self.styles[style]
        return Paragraph(markup(text, self.faces, bold=chosen.fontName == self.faces.bold), chosen)


_Block = Callable[[_Setter], list[Any]]


class CpdRecordPdf:
    """Collects headings, lines, tables and entries, then lays them out on numbered A4 pages."""

    def __init__(self, *, title: str, person: str) -> None:
        self.title = title
        self.person = person
        self._blocks: list[_Block] = []
        self._text: list[str] = [title, person, "Page 0123456789 of"]
        self._setter: _Setter | None = None

    def _add(self, texts: list[str], block: _Block) -> None:
        self._text.extend(texts)
        self._blocks.append(block)

    def heading(self, text: str) -> None:
        self._add([text], lambda s: [s.p(text, "h1")])

    def subheading(self, text: str) -> None:
        self._add([text], lambda s: [s.p(text, "h2")])

    def line(self, text: str, *, bold: bool = False, indent: bool = False) -> None:
        self._add([text], lambda s: [s.p(text, "bold" if bold else "indent" if indent else "body")])

    def gap(self, text: str) -> None:
        """Something missing from the record, set apart from the text around it."""
        self._add([text], lambda s: [s.p(text, "gap")])

    def table(self, rows: list[tuple[str, str, str]]) -> None:
        """A header row, then rows of a label and two numbers."""

        def block(s: _Setter) -> list[Any]:
            cells = [[s.p(label, "cell"), s.p(a, "number"), s.p(b, "number")] for label, a, b in rows]
            table = Table(cells, colWidths=[100 * mm, 30 * mm, 30 * mm], repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("FONTNAME", (0, 0), (-1, -1), s.faces.regular),
                    ]
                )
            )
            return [Spacer(1, 4), table]

        self._add([cell for row in rows for cell in row], block)

    def entry(self, *, heading: str, learned: str, benefit: str, tags: str, evidence: str, flagged: bool) -> None:
        """One activity: its heading, the two reflections, tags, evidence and whether it falls short."""
        learned_line = f"What I learned: {learned}"
        benefit_line = f"How it helps my practice and the people I support: {benefit}"
        tags_line = f"Tags: {tags}" if tags else ""
        evidence_line = f"Evidence: {evidence}" if evidence else ""
        gap_line = "Gap: this entry needs a fuller reflection." if flagged else ""

        def block(s: _Setter) -> list[Any]:
            parts = [s.p(heading, "entry"), s.p(learned_line, "indent"), s.p(benefit_line, "indent")]
            parts += [s.p(tags_line, "indent")] if tags_line else []
            parts += [s.p(evidence_line, "indent")] if evidence_line else []
            parts += [s.p(gap_line, "gap")] if gap_line else []
            return [KeepTogether(parts)]  # one entry on one page, unless it is longer than a page

        self._add([heading, learned_line, benefit_line, tags_line, evidence_line, gap_line], block)

    def declaration(self, statement: str) -> None:
        """The person's statement, with their name and lines to sign and date, kept on one page."""

        def block(s: _Setter) -> list[Any]:
            rows = [
                [s.p("Name", "body"), s.p(self.person, "body")],
                [s.p("Signature", "body"), ""],
                [s.p("Date", "body"), ""],
            ]
            table = Table(rows, colWidths=[30 * mm, 90 * mm], rowHeights=[None, 14 * mm, 14 * mm], hAlign="LEFT")
            table.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                        ("FONTNAME", (0, 0), (-1, -1), s.faces.regular),
                        ("LINEBELOW", (1, 1), (1, 2), 0.5, colors.black),
                        ("LEFTPADDING", (0, 0), (0, -1), 0),
                    ]
                )
            )
            return [KeepTogether([Spacer(1, 8), s.p("Declaration", "h2"), s.p(statement, "body"), Spacer(1, 6), table])]

        self._add(["Declaration", statement, "Name Signature Date"], block)

    def story(self) -> list[Any]:
        """The flowables of everything added so far, in order, set in fonts that have all its characters."""
        self._setter = _Setter(BOOK.faces_for(self._text))
        return [flowable for block in self._blocks for flowable in block(self._setter)]

    def build(self, story: list[Any] | None = None) -> bytes:
        """Lay the document (or `story`, from `story()` and added to) out and return the PDF bytes."""
        if story is None:
            story = self.story()
        assert self._setter is not None, "call story() first"
        out = io.BytesIO()
        doc = SimpleDocTemplate(
            out,
            pagesize=A4,
            title=self.title,
            author=self.person,
            creator="techcommit",
            initialFontName=self._setter.faces.regular,
            leftMargin=_MARGIN,
            rightMargin=_MARGIN,
            topMargin=16 * mm,
            bottomMargin=16 * mm + _FOOTER_GAP,
        )
        doc.build(story, canvasmaker=partial(_NumberedCanvas, footer=partial(self._footer, self._setter)))
        return out.getvalue()

    def _footer(self, setter: _Setter, canvas: Any, page: int, pages: int) -> None:
        """A rule, then the person's name and the record's title on the left and "Page n of N" on the right."""
        width, _ = A4
        y = 12 * mm
        canvas.saveState()
        canvas.setStrokeColor(colors.lightgrey)
        canvas.setLineWidth(0.5)
        canvas.line(_MARGIN, y + 11, width - _MARGIN, y + 11)
        canvas.restoreState()
        left = setter.p(self.title, "footer")
        right = setter.p(f"Page {page} of {pages}", "footer-right")
        usable = width - 2 * _MARGIN
        left.wrapOn(canvas, usable - 35 * mm, 20 * mm)
        left.drawOn(canvas, _MARGIN, y)
        right.wrapOn(canvas, 35 * mm, 20 * mm)
        right.drawOn(canvas, width - _MARGIN - 35 * mm, y)


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
    """Keeps each page until the end, so that every page's footer can say how many pages there are."""

    def __init__(self, *args: Any, footer: Callable[[Any, int, int], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            self._footer(self, number, len(self._held))
            super().showPage()
        super().save()
