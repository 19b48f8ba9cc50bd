"""Printable letters: one PDF per batch, one A4 page per member, standard or large print.

reportlab lays the page out; the QR code is drawn as vector squares from segno's matrix, so it
prints sharp at any size. The typed link is the personal link with its token in groups of
five (dashes are ignored when the link is opened, and misread letters are mapped back), so a
resident without a phone camera can type it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

import segno
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib.colors import black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from surveys.services.messages import Content, _long_date


@dataclass(frozen=True)
class Letter:
    """One member's page: their postal address and what the letter says."""

    name: str
    address_lines: tuple[str, ...]
    content: Content
    typed_link: str | None  # "example.gov.uk/s/ABCDE-..." or None (thank-you, started)
    qr_url: str | None


def typed_link(public_url: str, token: str) -> str:
    """The personal link as a person types it: no scheme, the token in groups of five."""
    host = public_url.split("://", 1)[-1].rstrip("/")
    groups = "-".join(token[i : i + 5] for i in range(0, len(token), 5))
    return f"{host}/s/{groups}"


def qr_drawing(url: str, size: float) -> Drawing:
    """The QR code for `url` as vector squares, `size` points wide (error correction M)."""
    code = segno.make(url, error="m", micro=False)
    matrix = code.matrix
    border = 4
    modules = len(matrix) + 2 * border
    cell = size / modules
    drawing = Drawing(size, size)
    drawing.add(Rect(0, 0, size, size, fillColor=white, strokeColor=None))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                drawing.add(
                    Rect(
                        (x + border) * cell,
                        size - (y + border + 1) * cell,
                        cell,
                        cell,
                        fillColor=black,
                        strokeColor=None,
                    )
                )
    return drawing


@dataclass(frozen=True)
class _Styles:
    body: ParagraphStyle
    heading: ParagraphStyle
    small: ParagraphStyle
    link: ParagraphStyle
    qr_size: float


def _styles(large_print: bool) -> _Styles:
    # Large print: 16 pt body, the RNIB's minimum for large print, and still one page a member.
    size = 16 if large_print else 12
    body = ParagraphStyle(
        "body", fontName="Helvetica", fontSize=size, leading=size * 1.3, spaceAfter=size * 0.5
    )
    return _Styles(
        body=body,
        heading=ParagraphStyle(
            "heading",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=size * 1.4,
            leading=size * 1.7,
            spaceAfter=size * 0.6,
        ),
        small=ParagraphStyle("small", parent=body, fontSize=size if large_print else size - 1),
        link=ParagraphStyle(
            "link", parent=body, fontName="Courier-Bold", fontSize=size, leading=size * 1.6
        ),
        qr_size=(36 if large_print else 32) * mm,
    )


def _typed_link(link: str, s: _Styles, width: float) -> Paragraph:
    """The typed link on one line when it fits; otherwise broken after `/s/`, never inside the
    token, so nobody has to guess where a wrapped line continues."""
    if stringWidth(link, s.link.fontName, s.link.fontSize) <= width:
        return Paragraph(escape(link), s.link)
    host, _, token = link.partition("/s/")
    return Paragraph(f"{escape(host)}/s/<br/>{escape(token)}", s.link)


def _page(letter: Letter, s: _Styles, today: dt.date, width: float) -> list[Flowable]:
    c = letter.content
    say = c.say
    flow: list[Flowable] = [
        Paragraph(f"<b>{escape(c.council)}</b>", s.body),
        Spacer(1, 2 * mm),
        Paragraph("<br/>".join(escape(x) for x in (letter.name, *letter.address_lines)), s.body),
        Paragraph(escape(_long_date(today, c.lang)), s.body),
        Paragraph(escape(say(f"heading.{c.kind}")), s.heading),
        Paragraph(escape(say("greeting")), s.body),
    ]
    if c.kind == "thank_you":
        flow.append(Paragraph(escape(say("thanks")), s.body))
    else:
        if c.kind == "reminder":
            flow.append(Paragraph(escape(say("reminder")), s.body))
        flow += [Paragraph(escape(say("why")), s.body), Paragraph(escape(say("time")), s.body)]
        if letter.typed_link and letter.qr_url:
            table = Table(
                [
                    [
                        Paragraph(escape(say("letter_link")), s.body),
                        qr_drawing(letter.qr_url, s.qr_size),
                    ]
                ],
                colWidths=[None, s.qr_size + 4 * mm],
            )
            table.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("LEFTPADDING", (0, 0), (0, 0), 0),
                    ]
                )
            )
            flow.append(KeepTogether([table, _typed_link(letter.typed_link, s, width)]))
        else:
            flow.append(Paragraph(escape(say("reminder_started")), s.body))
    flow += [
        Paragraph(escape(say("help")), s.body),
        Paragraph(escape(say("sign_off")), s.body),
        Paragraph(escape(say("unsubscribe_letter")), s.small),
    ]
    return flow


def render_batch(letters: list[Letter], *, large_print: bool, title: str) -> bytes:
    """One PDF, one page per letter, in the order given."""
    styles = _styles(large_print)
    buffer = io.BytesIO()
    margin = 18 * mm if large_print else 25 * mm
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=15 * mm,
        bottomMargin=12 * mm,
        title=title,
        author=letters[0].content.council if letters else "",
        lang="en-GB",
    )
    today = dt.date.today()
    story: list[Flowable] = []
    for i, letter in enumerate(letters):
        if i:
            story.append(PageBreak())
        story += _page(letter, styles, today, doc.width)
    doc.build(story)
    return buffer.getvalue()
