"""Console pages of checkpoints (desktop), for county and town administrators: the
regions whose checkpoint they sign, a region's key (create once, rotate), and the
monthly signed copy (type the passphrase → download the signed file).

The passphrase is read from the form, handed to the service and forgotten: never
stored, never logged (``sensitive_post_parameters`` keeps it out of error reports).
"""

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from jifen.lib.errors import DomainError
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import Region
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of
from jifen.witness import selectors, services
from jifen.witness.forms import KeyForm, SignForm
from jifen.witness.models import WITNESS_LEVELS


def _regions(actor: Person) -> list[Region]:
    return list(
        Region.objects.filter(
            authz.regions_q(actor, authz.SIGN_CHECKPOINTS), level__in=WITNESS_LEVELS
        ).order_by("path")[:500]
    )


def _region(actor: Person, code: str) -> Region:
    region = selectors.checkpoint_region(code)
    if region is None or not authz.can(actor, authz.SIGN_CHECKPOINTS, region):
        raise Http404
    return region


@console_view
def index(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.SIGN_CHECKPOINTS)
    rows = []
    for region in _regions(actor):
        log = selectors.log_of(region)
        rows.append(
            {
                "region": region,
                "size": log.size if log else 0,
                "short": selectors.short_hash(log.head) if log else "",
                "key": services.current_key(region),
                "last": next(iter(selectors.signatures(region, 1)), None),
            }
        )
    return render(request, "witness/console/index.html", {"rows": rows})


def _region_context(region: Region, key_form: KeyForm, sign_form: SignForm) -> dict[str, object]:
    log = selectors.log_of(region)
    return {
        "region": region,
        "size": log.size if log else 0,
        "short": selectors.short_hash(log.head) if log else "",
        "key": services.current_key(region),
        "keys": selectors.public_keys(region),
        "signatures": selectors.signatures(region),
        "key_form": key_form,
        "sign_form": sign_form,
    }


@console_view
def region_page(request: HttpRequest, code: str) -> HttpResponse:
    region = _region(person_of(request), code)
    has_key = services.current_key(region) is not None
    return render(
        request,
        "witness/console/region.html",
        _region_context(region, KeyForm(has_key=has_key), SignForm()),
    )


@sensitive_post_parameters("passphrase", "confirm")
@never_cache
@console_view
def create_key(request: HttpRequest, code: str) -> HttpResponse:
    actor = person_of(request)
    region = _region(actor, code)
    if request.method != "POST":
        return redirect("witness:console_region", code=region.code)
    has_key = services.current_key(region) is not None
    form = KeyForm(request.POST, has_key=has_key)
    if form.is_valid():
        try:
            key = services.create_key(
                actor=actor,
                region=region,
                passphrase=form.cleaned_data["passphrase"],
                replace=bool(form.cleaned_data.get("replace")),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("The signing key %(fingerprint)s is ready. Keep the passphrase safe.")
                % {"fingerprint": key.fingerprint[:16]},
            )
            return redirect("witness:console_region", code=region.code)
    return render(
        request,
        "witness/console/region.html",
        _region_context(region, form, SignForm()),
        status=400,
    )


@sensitive_post_parameters("passphrase")
@never_cache
@console_view
def sign(request: HttpRequest, code: str) -> HttpResponse:
    actor = person_of(request)
    region = _region(actor, code)
    if request.method != "POST":
        return redirect("witness:console_region", code=region.code)
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            signed = services.sign(
                actor=actor, region=region, passphrase=form.cleaned_data["passphrase"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            body = json.dumps(signed, ensure_ascii=False, indent=1)
            response = HttpResponse(body, content_type="application/json; charset=utf-8")
            name = f"checkpoint-{region.code}-{timezone.localdate().isoformat()}.json"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            response["Cache-Control"] = "no-store"
            return response
    has_key = services.current_key(region) is not None
    return render(
        request,
        "witness/console/region.html",
        _region_context(region, KeyForm(has_key=has_key), form),
        status=400,
    )
