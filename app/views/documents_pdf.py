"""The printed agreement and termination letter as an A4 PDF (reportlab): Chinese in the CID font STSong-Light that
every PDF reader ships (Adobe-GB1), so no font file is bundled or fetched; the QR code is drawn from segno's matrix,
the same code the HTML page shows."""
from __future__ import annotations

import io
import re
from typing import Any
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.views.documents_sheet import Sheet

FONT = "STSong-Light"
WIDTH = A4[0] - 30 * mm  # 15 mm margins


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    base = ParagraphStyle("gems", fontName=font, fontSize=9.5, leading=12.5, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=20, alignment=1, spaceAfter=1.5 * mm),
        "meta": ParagraphStyle("meta", parent=base, fontSize=8.5, alignment=1, spaceAfter=2 * mm),
        "cell": base,
        "label": ParagraphStyle("label", parent=base, fontSize=8.5),
        "section": ParagraphStyle("section", parent=base, alignment=1),
        "text": ParagraphStyle("text", parent=base, spaceBefore=1 * mm, firstLineIndent=19),
        "warning": ParagraphStyle("warning", parent=base, fontSize=11, textColor=colors.red, alignment=1),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11),
        "code": ParagraphStyle("code", parent=base, fontSize=12, leading=16),
    }


class QrCode(Flowable):
    """A segno QR code drawn as dark modules (no image, no font)."""

    def __init__(self, qr: Any, size: float) -> None:
        super().__init__()
        self.rows = [list(row) for row in qr.matrix_iter(scale=1, border=2)]
        self.size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        module = self.size / len(self.rows)
        self.canv.setFillColor(colors.black)
        for y, row in enumerate(self.rows):
            for x, dark in enumerate(row):
                if dark:
                    self.canv.rect(x * module, self.size - (y + 1) * module, module, module, stroke=0, fill=1)


ASCII_RUN = re.compile(r"([\x21-\x7e]+(?: [\x21-\x7e]+)*)")


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """Chinese in the CID font, runs of Latin letters and digits in Helvetica (STSong-Light's are proportional and
    readers that substitute the font space them oddly); the text is escaped, never read as markup."""
    runs = ASCII_RUN.split(text or "")
    marked = "".join(f'<font name="Helvetica">{escape(run)}</font>' if i % 2 else escape(run)
                     for i, run in enumerate(runs) if run)
    return Paragraph(marked.replace("\n", "<br/>"), style)


def _section(section: Any, st: dict[str, ParagraphStyle]) -> Table:
    """A ruled table: the section's title across, then label/value pairs two to a line, then the long text."""
    data: list[list[Any]] = [[_p(section.title, st["section"]), "", "", ""]]
    spans = [("SPAN", (0, 0), (-1, 0))]
    rows = list(section.rows)
    for i in range(0, len(rows), 2):
        pair = rows[i:i + 2] + ([("", "")] if len(rows[i:i + 2]) == 1 else [])
        data.append([_p(pair[0][0], st["label"]), _p(pair[0][1], st["cell"]),
                     _p(pair[1][0], st["label"]), _p(pair[1][1], st["cell"])])
    if section.text:
        data.append([_p(section.text[0], st["label"]), _p(section.text[1], st["cell"]), "", ""])
        spans.append(("SPAN", (1, len(data) - 1), (-1, len(data) - 1)))
    table = Table(data, colWidths=[0.17 * WIDTH, 0.33 * WIDTH, 0.17 * WIDTH, 0.33 * WIDTH])
    pairs_end = len(data) - (2 if section.text else 1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dddddd")),
        ("BACKGROUND", (0, 1), (0, -1), colors.HexColor("#f2f2f2")),
        ("BACKGROUND", (2, 1), (2, pairs_end), colors.HexColor("#f2f2f2")), *spans]))
    return table


def _footer(sheet: Sheet, st: dict[str, ParagraphStyle]) -> Table:
    """The verification block: the code, the address, the sealed hash, and the QR code beside them."""
    lines = [_p(_("Verification code") + "：" + sheet.grouped_code, st["code"]),
             _p(_("Verify at") + "：" + sheet.typed_url, st["small"]),
             _p(_("Content hash (SHA-256)") + "：" + sheet.digest, st["small"]),
             _p(sheet.statements[-1] if sheet.statements else "", st["small"])]
    table = Table([[lines, QrCode(sheet.qr(), 28 * mm)]], colWidths=[WIDTH - 32 * mm, 32 * mm])
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _signatures(sheet: Sheet, st: dict[str, ParagraphStyle]) -> Table:
    cells = [[_p(label + "：", st["cell"]) for label in sheet.signatures],
             [_p(_("Date") + "：______年____月____日", st["cell"]) for _label in sheet.signatures]]
    table = Table(cells, colWidths=[WIDTH / len(sheet.signatures)] * len(sheet.signatures))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 1), (-1, 1), 9 * mm)]))
    return table


def render(sheet: Sheet) -> bytes:
    """The sheet as PDF bytes."""
    st = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title=f"{sheet.title} {sheet.number}", author="GEMS",
                            subject=sheet.grouped_code, creator="GEMS")
    meta = "　".join(part for part in (
        _("Agreement number") + "：" + (sheet.number or "—"), _("Verification code") + "：" + sheet.grouped_code,
        _("State") + "：" + sheet.state) if part)
    story: list[Any] = [_p(sheet.title, st["title"]), _p(meta, st["meta"])]
    if sheet.warning:
        story += [_p(sheet.warning, st["warning"]), Spacer(1, 2 * mm)]
    for section in sheet.sections:
        story += [_section(section, st), Spacer(1, 1.8 * mm)]
    story += [_p(text, st["text"]) for text in sheet.statements[:-1]]
    story += [Spacer(1, 3 * mm), _signatures(sheet, st), Spacer(1, 4 * mm), KeepTogether(_footer(sheet, st))]
    doc.build(story)
    return buffer.getvalue()


__all__ = ["render"]
