"""The volunteer card's printed code (issue 12, §3): under its QR the card prints a code a
person can type — the volunteer number and eight characters of its signature, grouped —
and the organiser's typed entry takes it. The volunteer number alone is not enough, and
whoever types it is told what to type instead."""

import base64
import re
import zlib
from datetime import timedelta

from jifen.activities.card_pdf import card_pdf
from jifen.activities.cards import typed_code
from jifen.activities.models import Attendance, Method
from tests.activities.test_views import as_person, item, make_activity  # noqa: F401 - fixtures


def _pdf_text(data: bytes) -> str:
    """The page streams decoded (ReportLab writes them ASCII85, then deflated): enough to
    find text drawn in a standard font."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = match.group(1)
        if raw.rstrip().endswith(b"~>"):
            raw = base64.a85decode(raw.rstrip()[:-2], adobe=False, ignorechars=b" \t\n\r\x0b")
        try:
            out.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            out.append(raw.decode("latin-1"))
    return "\n".join(out)


def test_the_card_prints_the_code_to_type_under_its_qr(world):
    printed = typed_code(world.resident)
    assert f"({printed})" in _pdf_text(card_pdf(world.resident))


def _scan(client, activity, code):
    return client.post(
        f"/console/activities/{activity.pk}/scan/",
        {"code": code, "mode": "in"},
        HTTP_HX_REQUEST="true",
    ).content.decode()


def test_the_organiser_types_the_printed_code(world, item, as_person):  # noqa: F811
    activity = make_activity(world, item, starts_in=timedelta(minutes=-10))
    client = as_person(world.staff)
    page = _scan(client, activity, typed_code(world.resident).lower())
    assert world.resident.name in page
    attendance = Attendance.objects.get(person=world.resident)
    assert attendance.method == Method.CARD


def test_a_typed_volunteer_number_alone_is_refused_with_what_to_type(world, item, as_person):  # noqa: F811
    activity = make_activity(world, item, starts_in=timedelta(minutes=-10))
    client = as_person(world.staff)
    page = _scan(client, activity, world.resident.volunteer_no)
    assert "failed" in page
    assert "8" in page  # the number and the eight characters after it
    assert world.resident.name not in page
    assert not Attendance.objects.exists()
