"""The verify pages (核验), made for a person, not a programmer (docs/verification.md):

- ``/verify/``: anyone uploads a proof file (or, below a fold, pastes its text) and sees
  each entry checked against the root and the seal published here; a logged-in resident
  finds "核验我的积分" and their sealed months.
- ``/verify/mine/``: 核验我的积分 in one click — every sealed month of the resident's
  entries checked on the server with the very code a downloaded proof goes through
  (``self_check``), in plain words: which months, how many entries, which seals.
- ``/verify/announcements/<id>/``: where the QR printed on the paper 公示 leads: what
  anyone can check of that month, and the resident's own entries once logged in.
- ``/verify/method/``: the technical description (docs/verification.md) as served text.
- ``/verify/?announcement=<id>`` and ``/verify/proof/<id>.json``: a resident's proof of
  one month, checked and to download.
"""

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.lib.errors import DomainError, NotFound
from jifen.people.models import Person
from jifen.points.models import Account, TransferKind
from jifen.publicity import seal, selectors, self_check
from jifen.publicity.forms import ProofFileForm, VerifyForm
from jifen.publicity.models import Announcement
from jifen.web.views.errors import domain_error_page, person_of, resident_view

KINDS = dict(TransferKind.choices)


def _announcement(raw: str) -> Announcement:
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound(_("There is no such announcement."))
    return selectors.get_published(int(raw))


def _when(value: Any) -> datetime | None:
    """The entry's UTC time, in the deployment's zone for reading."""
    try:
        moment = datetime.strptime(f"{value}+0000", "%Y-%m-%dT%H:%M:%S.%fZ%z")
    except ValueError:
        return None
    return timezone.localtime(moment)


def _signed(fields: dict[str, Any], account: tuple[int, str] | None) -> str:
    """The amount as the viewer's own change (+ in, − out) when it is theirs: the entry
    names the account by its id (v1) or by its label (v2, ``seal.account_label``)."""
    amount = fields.get("amount")
    if account is not None and isinstance(amount, int):
        if fields.get("credit_id") == account[0] or fields.get("credit") == account[1]:
            return f"+{amount}"
        if fields.get("debit_id") == account[0] or fields.get("debit") == account[1]:
            return f"-{amount}"
    return str(amount if amount is not None else "")


def _entry_rows(
    check: selectors.ProofCheck, account: tuple[int, str] | None
) -> list[dict[str, Any]]:
    return [
        {
            "transfer": entry.transfer,
            "ok": entry.ok,
            "when": _when(entry.fields.get("created_at")),
            "kind": KINDS.get(str(entry.fields.get("kind")), str(entry.fields.get("kind") or "")),
            "amount": _signed(entry.fields, account),
            "memo": entry.fields.get("memo") or "",
        }
        for entry in check.entries
    ]


def _account_of(request: HttpRequest) -> tuple[int, str] | None:
    """The viewer's account: its id and how a v2 entry names it."""
    if not request.user.is_authenticated:
        return None
    found = (
        Account.objects.filter(person=request.user)
        .values_list("pk", "kind", "person__volunteer_no")
        .first()
    )
    if found is None:
        return None
    return found[0], seal.account_label(found[1], found[0], found[2])


def _my_months(person: Person) -> list[Announcement]:
    if person.community is None:
        return []
    return list(selectors.published(person.community)[:12])


def _checked_form(request: HttpRequest) -> tuple[forms.Form, forms.Form, Any]:
    """The upload form and the paste form, one of them bound to what was sent, and the
    proof document read from it (None when there is none or it cannot be read)."""
    if "document" in request.POST:  # the text, pasted under the fold
        pasted = VerifyForm(request.POST)
        document = pasted.cleaned_data["document"] if pasted.is_valid() else None
        return ProofFileForm(), pasted, document
    upload = ProofFileForm(request.POST, request.FILES)
    document = upload.cleaned_data["proof"] if upload.is_valid() else None
    return upload, VerifyForm(), document


def verify(request: HttpRequest) -> HttpResponse:
    file_form: forms.Form = ProofFileForm()
    form: forms.Form = VerifyForm()
    document: Any = None
    announcement = None
    raw_id = request.GET.get("announcement", "")
    if request.method == "POST":
        file_form, form, document = _checked_form(request)
    elif raw_id:
        if not request.user.is_authenticated:
            # From a public 公示 page: what anyone can check of that month, with a way to
            # log in for one's own entries. Anything else asks for a login, as before.
            readable = raw_id.isdigit() and len(raw_id) <= 18
            found = selectors.published().filter(pk=int(raw_id)).first() if readable else None
            if found is not None:
                return redirect("publicity:verify_announcement", found.pk)
            return redirect_to_login(request.get_full_path())
        try:
            announcement = _announcement(raw_id)
            document = selectors.proof_for(request.user, announcement)
        except DomainError as exc:
            return domain_error_page(request, exc)
        form = VerifyForm(initial={"document": json.dumps(document, ensure_ascii=False, indent=2)})
    verdict = selectors.verdict(document) if document is not None else None
    user = request.user
    refused = (file_form.is_bound and bool(file_form.errors)) or (
        form.is_bound and bool(form.errors)
    )
    return render(
        request,
        "publicity/verify/verify.html",
        {
            "form": form,
            "file_form": file_form,
            "pasted": form.is_bound,
            "verdict": verdict,
            "document": document if isinstance(document, dict) else None,
            "entries": _entry_rows(verdict.check, _account_of(request)) if verdict else [],
            "fetched": announcement,
            "download_url": reverse("publicity:proof_download", args=[announcement.pk])
            if announcement
            else "",
            "my_months": _my_months(user) if user.is_authenticated else [],
        },
        status=400 if refused else 200,
    )


@resident_view
def verify_mine(request: HttpRequest) -> HttpResponse:
    """核验我的积分: every sealed month of the resident's own entries, checked on the server."""
    person = person_of(request)
    return render(
        request,
        "publicity/verify/mine.html",
        {"check": self_check.check_mine(person), "person": person},
    )


def verify_announcement(request: HttpRequest, announcement_id: int) -> HttpResponse:
    """The page the QR code on the paper 公示 opens: what anyone can check of that month
    (the seal follows from its lines, the chain to the month before), a proof file to
    upload, and — logged in — the reader's own entries of that month checked."""
    try:
        announcement = selectors.get_published(announcement_id)
    except DomainError as exc:
        return domain_error_page(request, exc)
    mine = None
    if request.user.is_authenticated:
        try:
            mine = self_check.check_month(person_of(request), announcement)
        except ValueError:  # its stored leaves cannot be read: say so, never crash
            mine = self_check.unreadable_month(announcement)
    return render(
        request,
        "publicity/verify/announcement.html",
        {
            "facts": self_check.seal_facts(announcement),
            "announcement": announcement,
            "mine": mine,
            "file_form": ProofFileForm(),
        },
    )


# docs/verification.md, shipped inside the package (a link beside the templates, which an
# installed package holds as the file itself): /verify/method/ works wherever Jifen is
# installed, not only from a source checkout.
METHOD_DOC = Path(__file__).resolve().parents[1] / "templates/publicity/verify/verification.md"


def verify_method(request: HttpRequest) -> HttpResponse:
    """The technical description of the seal and the proof, as published with Jifen."""
    try:
        text = METHOD_DOC.read_text(encoding="utf-8")
    except OSError:  # an installation without the docs folder
        raise Http404 from None
    if request.GET.get("format") == "md":
        response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="verification.md"'
        return response
    return render(request, "publicity/verify/method.html", {"text": text})


@resident_view
def proof_download(request: HttpRequest, announcement_id: int) -> HttpResponse:
    """The caller's proof of one sealed month, as a JSON file to keep or check offline."""
    announcement = selectors.get_published(announcement_id)
    person: Person = request.user  # type: ignore[assignment]
    document = selectors.proof_for(person, announcement)
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    name = f"jifen-proof-{announcement.community.code}-{announcement.month}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
