"""The volunteer card (一卡通) as a printable PDF: one card on an A4 sheet, cut out and kept.

The QR code is drawn as vector squares (it prints sharp at any size); the text uses the
CJK font of ``jifen.lib.pdf``, embedded so the PDF shows Chinese on any machine.
"""

from io import BytesIO

from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from jifen.activities.cards import card_code, typed_code
from jifen.lib.pdf import cjk_font, draw_qr
from jifen.people.models import Person

RED = HexColor("#b71c1c")
INK = HexColor("#1a1a1a")
MUTED = HexColor("#5f6368")
# ISO/IEC 7810 ID-1, the size of a bank card: fits a wallet and a card holder.
CARD_W, CARD_H = 85.6 * mm, 54 * mm


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float) -> float:
    """The font size (at most ``size``) at which ``text`` fits in ``width``."""
    while size > 6 and canvas.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def card_pdf(person: Person) -> bytes:
    font = cjk_font()
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    title = _("Volunteer card")
    canvas.setTitle(f"{title} · {person.volunteer_no or ''}")
    canvas.setAuthor(_("Jifen"))
    page_w, page_h = A4
    x, y = 20 * mm, page_h - 20 * mm - CARD_H

    # The card: a red band with its name, the holder's details, the QR on the right.
    band = 11 * mm
    canvas.setFillColor(RED)
    canvas.rect(x, y + CARD_H - band, CARD_W, band, stroke=0, fill=1)
    # The line to cut along.
    canvas.setStrokeColor(MUTED)
    canvas.setDash(3, 2)
    canvas.rect(x, y, CARD_W, CARD_H, stroke=1, fill=0)
    canvas.setDash()
    canvas.setFillColor(white)
    canvas.setFont(font, 13)
    canvas.drawString(x + 4 * mm, y + CARD_H - band + 3.6 * mm, title)

    qr_size = 34 * mm
    qr_x = x + CARD_W - qr_size - 3 * mm
    draw_qr(canvas, card_code(person), qr_x, y + 6.5 * mm, qr_size)
    # Under the QR, the code to type where no camera reads it: the volunteer number and
    # the signature's characters (no 0/O, 1/I/L), in a monospaced face that tells them
    # apart. The number alone would not do.
    typed = typed_code(person)
    canvas.setFillColor(INK)
    size = _fit(canvas, typed, "Courier-Bold", 8.5, qr_size + 2 * mm)
    canvas.setFont("Courier-Bold", size)
    canvas.drawCentredString(qr_x + qr_size / 2, y + 3 * mm, typed)

    text_w = qr_x - x - 6 * mm
    canvas.setFillColor(INK)
    size = _fit(canvas, person.name, font, 18, text_w)
    canvas.setFont(font, size)
    canvas.drawString(x + 4 * mm, y + CARD_H - band - 9 * mm, person.name)
    canvas.setFillColor(MUTED)
    canvas.setFont(font, 7.5)
    canvas.drawString(x + 4 * mm, y + 21 * mm, _("Volunteer number"))
    canvas.setFillColor(INK)
    canvas.setFont(font, 12)
    canvas.drawString(x + 4 * mm, y + 16.5 * mm, person.volunteer_no or "—")
    community = person.community.name if person.community else "—"
    canvas.setFillColor(MUTED)
    canvas.setFont(font, 7.5)
    canvas.drawString(x + 4 * mm, y + 11 * mm, _("Community"))
    canvas.setFillColor(INK)
    canvas.setFont(font, _fit(canvas, community, font, 10, text_w))
    canvas.drawString(x + 4 * mm, y + 6.5 * mm, community)

    # How to use it, beside the card.
    notes = [
        _("Cut out the card along the dashed line and keep it with you."),
        _("At an activity, show the card: the organiser scans its code to check you in."),
        _(
            "Without a camera, the code under the QR is typed instead. Show the card only to "
            "the organiser or the merchant you pay: with its code they can take your points."
        ),
        _("The card is personal. If it is lost, ask the community office for a new one."),
    ]
    canvas.setFillColor(INK)
    canvas.setFont(font, 11)
    line_y = y - 12 * mm
    for note in notes:
        for line in simpleSplit(note, font, 11, page_w - 2 * x):
            canvas.drawString(x, line_y, line)
            line_y -= 6 * mm
        line_y -= 1.5 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
