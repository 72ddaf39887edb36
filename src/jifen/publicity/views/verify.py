"""The public verify page (``/verify/``): anyone, without logging in, pastes a proof
document and sees each entry checked against the root and the seal; a logged-in resident
opens ``/verify/?announcement=<id>`` to fetch and check the proof of their own entries,
and downloads it to keep or to check offline (docs/verification.md)."""

import json
from datetime import datetime
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.lib.errors import DomainError, NotFound
from jifen.people.models import Person
from jifen.points.models import Account, TransferKind
from jifen.publicity import selectors
from jifen.publicity.forms import VerifyForm
from jifen.publicity.models import Announcement
from jifen.web.views.errors import domain_error_page, resident_view

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


def _signed(fields: dict[str, Any], account: int | None) -> str:
    """The amount as the viewer's own change (+ in, − out) when it is theirs."""
    amount = fields.get("amount")
    if account is not None and isinstance(amount, int):
        if fields.get("credit_id") == account:
            return f"+{amount}"
        if fields.get("debit_id") == account:
            return f"-{amount}"
    return str(amount if amount is not None else "")


def _entry_rows(check: selectors.ProofCheck, account: int | None) -> list[dict[str, Any]]:
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


def _account_of(request: HttpRequest) -> int | None:
    if not request.user.is_authenticated:
        return None
    return Account.objects.filter(person=request.user).values_list("pk", flat=True).first()


def _my_months(person: Person) -> list[Announcement]:
    if person.community is None:
        return []
    return list(selectors.published(person.community)[:12])


def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST or None)
    document: Any = None
    announcement = None
    raw_id = request.GET.get("announcement", "")
    if request.method == "POST":
        if form.is_valid():
            document = form.cleaned_data["document"]
    elif raw_id:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            announcement = _announcement(raw_id)
            document = selectors.proof_for(request.user, announcement)
        except DomainError as exc:
            return domain_error_page(request, exc)
        form = VerifyForm(initial={"document": json.dumps(document, ensure_ascii=False, indent=2)})
    verdict = selectors.verdict(document) if document is not None else None
    user = request.user
    return render(
        request,
        "publicity/verify/verify.html",
        {
            "form": form,
            "verdict": verdict,
            "document": document if isinstance(document, dict) else None,
            "entries": _entry_rows(verdict.check, _account_of(request)) if verdict else [],
            "fetched": announcement,
            "download_url": reverse("publicity:proof_download", args=[announcement.pk])
            if announcement
            else "",
            "my_months": _my_months(user) if user.is_authenticated else [],
        },
        status=400 if form.is_bound and form.errors else 200,
    )


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
