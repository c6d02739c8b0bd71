"""A small document builder over reportlab's platypus for the CPD record."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

_FONTS_READY = False


def _register_fonts() -> None:
    """Use Bitstream Vera (shipped with reportlab): it covers far more than Latin-1."""
    global _FONTS_READY
    if _FONTS_READY:
        return
    pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))
    pdfmetrics.registerFont(TTFont("Vera-Bold", "VeraBd.ttf"))
    pdfmetrics.registerFont(TTFont("Vera-Italic", "VeraIt.ttf"))
    pdfmetrics.registerFont(TTFont("Vera-BoldItalic", "VeraBI.ttf"))
    pdfmetrics.registerFontFamily(
        "Vera", normal="Vera", bold="Vera-Bold", italic="Vera-Italic", boldItalic="Vera-BoldItalic"
    )
    _FONTS_READY = True


class CpdRecordPdf:
    """Collects paragraphs and tables, then lays them out on A4 pages."""

    def __init__(self, *, title: str) -> None:
        _register_fonts()
        base = getSampleStyleSheet()
        self.title = title
        self.styles = {
            "h1": ParagraphStyle("h1", parent=base["Heading1"], fontName="Vera-Bold"),
            "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName="Vera-Bold", spaceBefore=10),
            "body": ParagraphStyle("body", parent=base["BodyText"], fontName="Vera", fontSize=9.5, leading=12.5),
            "indent": ParagraphStyle(
                "indent", parent=base["BodyText"], fontName="Vera", fontSize=9.5, leading=12.5, leftIndent=12
            ),
            "entry": ParagraphStyle("entry", parent=base["BodyText"], fontName="Vera-Bold", fontSize=10, spaceBefore=6),
        }
        self.flow: list[object] = []

    def _p(self, text: str, style: str) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), self.styles[style])

    def heading(self, text: str) -> None:
        self.flow.append(self._p(text, "h1"))

    def subheading(self, text: str) -> None:
        self.flow.append(self._p(text, "h2"))

    def line(self, text: str, *, bold: bool = False, indent: bool = False) -> None:
        para = self._p(text, "indent" if indent else "body")
        if bold:
            para = Paragraph(f"<b>{escape(text)}</b>", self.styles["body"])
        self.flow.append(para)

    def table(self, rows: list[tuple[str, str, str]]) -> None:
        table = Table([[self._p(cell, "body") for cell in row] for row in rows], colWidths=[90 * mm, 30 * mm, 30 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ]
            )
        )
        self.flow.extend([Spacer(1, 4), table])

    def entry(self, *, heading: str, learned: str, benefit: str, tags: str, evidence: str, flagged: bool) -> None:
        parts = [
            self._p(heading, "entry"),
            self._p(f"What I learned: {learned}", "indent"),
            self._p(f"How it helps my practice and the people I support: {benefit}", "indent"),
        ]
        if tags:
            parts.append(self._p(f"Tags: {tags}", "indent"))
        if evidence:
            parts.append(self._p(f"Evidence: {evidence}", "indent"))
        if flagged:
            parts.append(Paragraph("<i>Gap: this entry needs a fuller reflection.</i>", self.styles["indent"]))
        self.flow.append(KeepTogether(parts[:3]))
        self.flow.extend(parts[3:])

    def build(self) -> bytes:
        """Lay the document out and return the PDF bytes."""
        out = io.BytesIO()
        doc = SimpleDocTemplate(
            out,
            pagesize=A4,
            title=self.title,
            author="techcommit",
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=16 * mm,
            bottomMargin=16 * mm,
        )
        doc.build(self.flow)
        return out.getvalue()
