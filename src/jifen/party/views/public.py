"""The public check of a sealed statement (no login): its published lines — volunteer
numbers and masked names — and the seal recomputed from them, beside the seal stored; a
seal copied from a PDF (or carried by its QR code) is compared with both."""

import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jifen.party import sealing, selectors, services

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def statement_check(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.public_statement(pk)
    if found is None:
        raise Http404
    matches, root_hex, seal = services.check_published(found)
    # A seal rewritten together with its lines recomputes, but is not the witnessed one.
    witnessed = services.seal_witnessed(found)
    given = request.GET.get("seal", "").strip().lower()[:64]
    held = None
    if given:
        held = (
            bool(HEX64.match(given)) and given == found.seal and matches and witnessed is not False
        )
    lines = [sealing.public(line) for line in found.lines]
    return render(
        request,
        "party/public_statement.html",
        {
            "statement": found,
            "members": [line for line in lines if line["kind"] == "member"],
            "unit_line": lines[-1] if lines else None,
            "matches": matches,
            "recomputed_root": root_hex,
            "recomputed_seal": seal,
            "given": given,
            "held": held,
            "version": sealing.VERSION,
            "witnessed": witnessed,
        },
    )
