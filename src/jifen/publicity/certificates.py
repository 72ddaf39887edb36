"""志愿服务记录证明: a volunteer's certificate of service, issued by the community's staff.

What it certifies is the volunteer's approved service in a period (claims approved by
the review group, by service date; organisation points are the organisation's): its
verified service hours (``activities.hours.verified_hours``, the count the annual
selection reads too), and every service grouped by item with its times and hours. It is copied
into the certificate when issued, with the person's name, masked ID number and volunteer
number, the issuing organisation (the community's name, or the text set for it), and
the responsible person and handler whom staff name. The record never changes: its
``content_hash`` covers every field it certifies, and the public page the printed QR
code opens (``/certificates/<number>/``, no login) says "valid" only while the record
still matches it and nobody revoked it. Numbers are ``JF-<year>-<community code>-<6
random characters>``: unique, and not to be guessed from a neighbour's.
"""

import hashlib
import json
import secrets
from collections import defaultdict
from datetime import UTC, date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.activities.hours import verified_claims, verified_hours
from jifen.audit.services import record
from jifen.lib.errors import Conflict, InvalidInput, NotFound
from jifen.people import authz
from jifen.people.models import Person
from jifen.points.models import RuleVersion
from jifen.publicity.models import Certificate
from jifen.publicity.selection import ZERO, hours_text, setting
from jifen.regions.models import Level, Region

VERSION = "jifen-certificate-v1"
# No 0/O, 1/I/L: a number read out over the phone or typed from paper stays right.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM_LENGTH = 6
NAME_MAX = 50
REASON_MAX = 200


def new_number(community: Region, year: int) -> str:
    tail = "".join(secrets.choice(ALPHABET) for _i in range(RANDOM_LENGTH))
    return f"JF-{year}-{community.code}-{tail}"


def issuer_of(community: Region) -> str:
    return setting(community, "certificate_issuer") or community.name


def service_in(person: Person, start: date, end: date) -> tuple[Decimal, list[dict[str, Any]]]:
    """The person's approved service dated in the period: the verified hours, and each
    item served (by its name in the latest version served) with times and hours, the
    item with most hours first."""
    claims = verified_claims().filter(person=person, occurred_on__gte=start, occurred_on__lte=end)
    rows = (
        claims.values_list("rule_version__item")
        .annotate(times=Count("pk"), latest=Max("rule_version"))
        .order_by()
    )
    hours = verified_hours(claims, "rule_version__item")
    items: dict[int, dict[str, Any]] = defaultdict(lambda: {"times": 0, "hours": None})
    latest: dict[int, int] = {}
    for item_id, times, version_id in rows:
        entry = items[item_id]
        entry["times"] += times
        entry["hours"] = hours.get((item_id,))
        latest[item_id] = max(latest.get(item_id, 0), version_id)
    names = dict(RuleVersion.objects.filter(pk__in=latest.values()).values_list("pk", "name"))
    services = [
        {
            "item": names[latest[item_id]],
            "times": entry["times"],
            "hours": hours_text(entry["hours"]) if entry["hours"] is not None else None,
        }
        for item_id, entry in items.items()
    ]
    services.sort(key=lambda s: (-Decimal(s["hours"] or 0), -s["times"], s["item"]))
    total = sum((Decimal(s["hours"]) for s in services if s["hours"] is not None), ZERO)
    return total, services


def content_of(certificate: Certificate) -> dict[str, Any]:
    """Everything the certificate certifies, as plain values in a fixed shape."""
    issued_at = certificate.issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {
        "version": VERSION,
        "number": certificate.number,
        "person": certificate.person_id,
        "community": certificate.community_id,
        "name": certificate.name,
        "id_number_masked": certificate.id_number_masked,
        "volunteer_no": certificate.volunteer_no,
        "period_start": certificate.period_start.isoformat(),
        "period_end": certificate.period_end.isoformat(),
        "hours": hours_text(certificate.hours),
        "services": certificate.services,
        "issuer": certificate.issuer,
        "responsible": certificate.responsible,
        "handler": certificate.handler,
        "issued_by": certificate.issued_by_id,
        "issued_at": issued_at,
    }


def hash_of(certificate: Certificate) -> str:
    text = json.dumps(
        content_of(certificate), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode()).hexdigest()


def is_intact(certificate: Certificate) -> bool:
    """The stored record is still what was issued."""
    return secrets.compare_digest(hash_of(certificate), certificate.content_hash)


def _clean_name(value: str, field: str) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise InvalidInput(_("Please give the name."), field=field)
    if len(text) > NAME_MAX:
        raise InvalidInput(
            _("Please keep it under %(n)s characters."), field=field, params={"n": NAME_MAX}
        )
    return text


def _clean_period(start: date, end: date) -> None:
    if start > end:
        raise InvalidInput(_("The start date is after the end date."), field="end")
    if end > timezone.localdate():
        raise InvalidInput(
            _("A certificate covers service already done: the period cannot end after today."),
            field="end",
        )


@transaction.atomic
def issue_certificate(
    *, actor: Person, person: Person, start: date, end: date, responsible: str, handler: str
) -> Certificate:
    """Staff of the person's home community issue a certificate of their approved service
    in the period. Refused when there is none (``no_service``)."""
    community = person.community
    if community is None or community.level != Level.COMMUNITY:
        raise InvalidInput(_("Only a resident of a community can be given a certificate."))
    authz.require(actor, authz.ISSUE_CERTIFICATES, community)
    _clean_period(start, end)
    responsible = _clean_name(responsible, "responsible")
    handler = _clean_name(handler, "handler")
    hours, services = service_in(person, start, end)
    if not services:
        raise Conflict(
            _("%(name)s has no approved service from %(start)s to %(end)s."),
            code="no_service",
            params={"name": person.name, "start": start.isoformat(), "end": end.isoformat()},
        )
    now = timezone.now().replace(microsecond=0)
    certificate = Certificate(
        person=person,
        community=community,
        name=person.name,
        id_number_masked=person.id_number_masked,
        volunteer_no=person.volunteer_no or "",
        period_start=start,
        period_end=end,
        hours=hours,
        services=services,
        issuer=issuer_of(community),
        responsible=responsible,
        handler=handler,
        issued_by=actor,
        issued_at=now,
    )
    year = timezone.localtime(now).year
    for _attempt in range(5):
        certificate.number = new_number(community, year)
        certificate.content_hash = hash_of(certificate)
        try:
            with transaction.atomic():
                certificate.save()
            break
        except IntegrityError:  # the one number in a billion already given: draw again
            certificate.pk = None
            continue
    else:  # pragma: no cover - five collisions in a row
        raise Conflict(_("Please try again."), code="number_taken")
    record(
        actor=actor,
        action="publicity.certificate.issue",
        target=certificate,
        region=community,
        after={
            "number": certificate.number,
            "volunteer": certificate.volunteer_no,
            "period": [start.isoformat(), end.isoformat()],
            "hours": hours_text(hours),
            "content_hash": certificate.content_hash,
        },
    )
    return certificate


@transaction.atomic
def revoke_certificate(
    *, actor: Person, certificate: Certificate | int, reason: str
) -> Certificate:
    """Withdraw a certificate, saying why; its public page then says it is revoked."""
    pk = certificate.pk if isinstance(certificate, Certificate) else certificate
    locked = Certificate.objects.select_for_update(of=("self",)).filter(pk=pk).first()
    if locked is None:
        raise NotFound(_("There is no such certificate."))
    authz.require(actor, authz.ISSUE_CERTIFICATES, locked.community)
    if locked.is_revoked:
        raise Conflict(_("This certificate is already revoked."), code="already_revoked")
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise InvalidInput(_("Please say why it is revoked."), field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            _("Please keep it under %(n)s characters."), field="reason", params={"n": REASON_MAX}
        )
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.revoke_reason = reason
    # Only these three fields: what the certificate certifies stays as issued.
    locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    record(
        actor=actor,
        action="publicity.certificate.revoke",
        target=locked,
        region=locked.community,
        before={"number": locked.number, "status": "valid"},
        after={"status": "revoked", "reason": reason},
    )
    return locked


# --- Reads -------------------------------------------------------------------------------------


def get_public(number: str) -> Certificate:
    """Anyone holding the number (the QR code) may confirm the certificate."""
    found = Certificate.objects.select_related("community").filter(number=str(number)[:40]).first()
    if found is None:
        raise NotFound(_("There is no certificate with this number."))
    return found


def get_for(viewer: Person, number: str) -> Certificate:
    """The certificate, for the volunteer it was issued to and the staff of its community."""
    found = get_public(number)
    if found.person_id != viewer.pk and not authz.can(
        viewer, authz.ISSUE_CERTIFICATES, found.community
    ):
        raise NotFound(_("There is no certificate with this number."))
    return found


def certificates_of(person: Person) -> QuerySet[Certificate]:
    return Certificate.objects.filter(person=person).order_by("-issued_at", "-pk")


def visible_certificates(viewer: Person, query: str = "") -> QuerySet[Certificate]:
    """Certificates of the communities where the viewer issues them, newest first."""
    found = Certificate.objects.filter(
        authz.regions_q(viewer, authz.ISSUE_CERTIFICATES, "community")
    ).select_related("community")
    query = query.strip()
    if query:
        found = found.filter(
            Q(number__iexact=query) | Q(volunteer_no=query) | Q(name__contains=query)
        )
    return found.order_by("-issued_at", "-pk")
