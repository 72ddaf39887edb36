"""Writes of 在职党员回家报到: one transaction each, checked here.

- A party member (any resident) files a report home to their own community, naming their
  employer; staff with ``MANAGE_PARTY`` over the community correct the employer or end
  the report; the member may end their own. The person's fields follow in the same
  transaction (``_keep_person_in_step``), so the annual report per employer reads them.
- ``mark_services`` (the clock, and every page that shows marked service) marks a
  reporting member's service in their community's 回家日 window: a claim of their own
  or an activity's attendance. In working hours of an official working day (调休 aware,
  ``lib.workdays``) it waits for staff approval; otherwise it counts at once.
- ``statement`` seals an employer's quarter on the first request after it ended, chained
  to the unit's previous statement and witnessed in the logs above the unit's region.
  A sealed statement is never written again.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.activities.hours import verified_hours
from jifen.activities.models import Attendance
from jifen.audit.services import record
from jifen.claims.models import Claim
from jifen.claims.models import Source as ClaimSource
from jifen.claims.models import Status as ClaimStatus
from jifen.lib import notify, workdays
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.lib.masking import mask_name
from jifen.lib.text import clean_field
from jifen.notices import services as notices
from jifen.notices.texts import say
from jifen.party import sealing
from jifen.party.models import (
    COUNTS,
    DAYS_DEFAULT,
    DAYS_MAX,
    DAYS_MIN,
    NOTE_MAX,
    REPORT_STEPS,
    SERVICE_STEPS,
    HomeDays,
    Report,
    ReportEvent,
    ReportStatus,
    Service,
    ServiceEvent,
    ServiceKind,
    Statement,
)
from jifen.people import authz
from jifen.people.models import Organization, OrganizationMember, Person
from jifen.people.services import snapshot
from jifen.publicity.seal import pack_leaves, unpack_leaves
from jifen.regions.models import Level, Region
from jifen.witness.selectors import witnessed
from jifen.witness.services import witness, witnesses_of

# Office hours of an official working day: service that overlaps them needs approval.
WORK_START, WORK_END = time(8, 30), time(17, 30)
# The clock looks this far back for service not yet marked: claims are declared up to 90
# days late (the default policy), and a quarter is as long.
SWEEP_DAYS = 100
QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
STATEMENT_KIND = "statement"
# A quarter is sealed after it ends; one that ended more than two years ago is not sealed
# any more (no unit fills the county's log with empty quarters of long ago).
BACKFILL_DAYS = 731


# --- The window (积分周 · 回家日) -------------------------------------------------------------


def home_days(community: Region, day: date | None = None) -> int:
    """The community's window in ``day``'s month (default: this month's)."""
    return _days_on(_home_days_row(community), day)


def _home_days_row(community: Region) -> Any:
    return HomeDays.objects.filter(community=community).values("days", "since", "before").first()


def _days_on(row: dict[str, Any] | None, day: date | None) -> int:
    if row is None:
        return DAYS_DEFAULT
    if day is not None and row["since"] is not None and day < row["since"]:
        return int(row["before"])
    return int(row["days"])


def window(days: int, day: date) -> tuple[date, date]:
    """The window of ``day``'s month: its last ``days`` days."""
    first_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    last = first_next - timedelta(days=1)
    return last - timedelta(days=days - 1), last


def in_window(days: int, day: date) -> bool:
    start, end = window(days, day)
    return start <= day <= end


@transaction.atomic
def set_home_days(*, actor: Person, community: Region, days: Any) -> HomeDays:
    authz.require(actor, authz.MANAGE_PARTY, community)
    if community.level != Level.COMMUNITY:
        raise InvalidInput(_("Choose a community."), field="community")
    if isinstance(days, bool) or not isinstance(days, int) or not DAYS_MIN <= days <= DAYS_MAX:
        raise InvalidInput(
            _("The window is %(min)s to %(max)s days at the end of each month."),
            field="days",
            params={"min": DAYS_MIN, "max": DAYS_MAX},
        )
    row = HomeDays.objects.select_for_update().filter(community=community).first()
    before = row.days if row is not None else DAYS_DEFAULT
    # From this month on: the months before keep the window they had.
    month = timezone.localdate().replace(day=1)
    if row is None:
        row = HomeDays.objects.create(
            community=community, days=days, since=month, before=DAYS_DEFAULT, updated_by=actor
        )
    else:
        if row.since != month:
            row.before, row.since = row.days, month
        row.days, row.updated_by = days, actor
        row.save(update_fields=["days", "since", "before", "updated_by", "updated_at"])
    record(
        actor=actor,
        action="party.home_days",
        target=row,
        region=community,
        before={"days": before},
        after={"days": days},
    )
    return row


# --- 报到单 ---------------------------------------------------------------------------------


def _keep_person_in_step(actor: Person | None, person: Person, employer: str | None) -> None:
    """The person's own fields follow their active report (``employer`` None: no report
    runs any more). Written with the audit row people's edits write, so a person's history
    shows it where staff look for it."""
    before = snapshot(person)
    person.is_party_member = True
    person.is_reporting_party_member = employer is not None
    person.employer = (employer or "")[:100]
    person.save(update_fields=["is_party_member", "is_reporting_party_member", "employer"])
    record(
        actor=actor,
        action="person.edit",
        target=person,
        region=person.community,
        before=before,
        after=snapshot(person),
    )


def _locked_report(report: Report | int) -> Report:
    pk = report.pk if isinstance(report, Report) else report
    try:
        return (
            Report.objects.select_for_update(of=("self",))
            .select_related("community", "employer", "person")
            .get(pk=pk)
        )
    except (Report.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such report.")) from None


def _require_step(report: Report, step: str) -> None:
    if report.status not in REPORT_STEPS[step].sources:
        raise Conflict(
            _("This report is %(status)s, so this cannot be done."),
            code="invalid_transition",
            params={"status": report.get_status_display()},
        )


def _report_step(
    report: Report, step: str, actor: Person | None, *, note: str = "", before: dict[str, Any]
) -> ReportEvent:
    from_status = "" if step == "file" else before.get("status", "")
    report.status = REPORT_STEPS[step].target
    if step != "file":
        report.save()
    event = ReportEvent.objects.create(
        report=report,
        step=step,
        from_status=from_status,
        to_status=report.status,
        employer=report.employer,
        actor=actor,
        note=note[:NOTE_MAX],
    )
    record(
        actor=actor,
        action=f"party.report_{step}",
        target=report,
        region=report.community,
        before=before or None,
        after={"status": report.status, "employer": report.employer_id, "note": note},
    )
    return event


@transaction.atomic
def file_report(*, actor: Person, community: Region, employer: Organization) -> Report:
    """报到单: the caller reports home to ``community`` (their own home community)."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied()
    if community.level != Level.COMMUNITY:
        raise InvalidInput(_("Choose a community."), field="community")
    if actor.community_id != community.pk:
        raise InvalidInput(
            _("Party members report home to the community they live in."), field="community"
        )
    # Lock the person: two reports sent at once are taken one after the other.
    person = Person.objects.select_for_update().get(pk=actor.pk)
    if Report.objects.filter(person=person, status=ReportStatus.ACTIVE).exists():
        raise Conflict(
            _("You are already reporting home. Ask the community's staff to change it."),
            code="already_reporting",
        )
    try:
        with transaction.atomic():
            report = Report.objects.create(
                person=person,
                community=community,
                employer=employer,
                started_on=timezone.localdate(),
            )
    except IntegrityError:
        raise Conflict(
            _("You are already reporting home. Ask the community's staff to change it."),
            code="already_reporting",
        ) from None
    _report_step(report, "file", actor, before={})
    _keep_person_in_step(actor, person, employer.name)
    actor.is_party_member = person.is_party_member
    actor.is_reporting_party_member = person.is_reporting_party_member
    actor.employer = person.employer
    return report


@transaction.atomic
def correct_report(
    *, actor: Person, report: Report | int, employer: Organization, note: str = ""
) -> Report:
    """Staff: the member works elsewhere than the report says."""
    found = _locked_report(report)
    authz.require(actor, authz.MANAGE_PARTY, found.community)
    _require_step(found, "correct")
    note = clean_field(note, "note", NOTE_MAX, required=False)
    before = {"status": found.status, "employer": found.employer_id}
    if employer.pk == found.employer_id:
        raise InvalidInput(_("The report already names this employer."), field="employer")
    found.employer = employer
    _report_step(found, "correct", actor, note=note, before=before)
    _keep_person_in_step(actor, found.person, employer.name)
    return found


@transaction.atomic
def end_report(*, actor: Person, report: Report | int, reason: str = "") -> Report:
    """Staff over the community, or the member themselves, end a running report."""
    found = _locked_report(report)
    if found.person_id != actor.pk:
        authz.require(actor, authz.MANAGE_PARTY, found.community)
    _require_step(found, "end")
    reason = clean_field(reason, "reason", NOTE_MAX, required=False)
    before = {"status": found.status, "employer": found.employer_id}
    found.ended_on = timezone.localdate()
    found.end_reason = reason
    _report_step(found, "end", actor, note=reason, before=before)
    _keep_person_in_step(actor, found.person, None)
    return found


# --- Marking service in the window -----------------------------------------------------------


def _local(at: datetime) -> datetime:
    return timezone.localtime(at)


def _overlaps_office(starts: datetime, ends: datetime) -> bool:
    day = _local(starts).date()
    zone = timezone.get_current_timezone()
    office_start = datetime.combine(day, WORK_START, tzinfo=zone)
    office_end = datetime.combine(day, WORK_END, tzinfo=zone)
    return starts < office_end and ends > office_start


def _candidates(report: Report, start: date, end: date) -> Iterable[dict[str, Any]]:
    """The report's service between two days not yet marked, as fields of ``Service``."""
    claims = (
        Claim.objects.filter(
            person_id=report.person_id,
            organization__isnull=True,
            community_id=report.community_id,
            occurred_on__range=(start, end),
            status__in=[ClaimStatus.PENDING, ClaimStatus.APPROVED],
        )
        .exclude(source=ClaimSource.ACTIVITY)  # its attendance stands for it
        .exclude(pk__in=Service.objects.filter(claim__isnull=False).values("claim_id"))
    )
    for claim in claims.only("pk", "occurred_on"):
        yield {
            "kind": ServiceKind.CLAIM,
            "claim": claim,
            "day": claim.occurred_on,
            "starts_at": None,
            "ends_at": None,
        }
    zone = timezone.get_current_timezone()
    attendances = (
        Attendance.objects.filter(
            person_id=report.person_id,
            activity__region__path__startswith=report.community.path,
            checkin_at__gte=datetime.combine(start, time(0), tzinfo=zone),
            checkin_at__lt=datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone),
        )
        .exclude(pk__in=Service.objects.filter(attendance__isnull=False).values("attendance_id"))
        .select_related("activity")
    )
    for attendance in attendances:
        yield {
            "kind": ServiceKind.ATTENDANCE,
            "attendance": attendance,
            "day": _local(attendance.checkin_at).date(),
            "starts_at": attendance.checkin_at,
            "ends_at": attendance.checkout_at or attendance.activity.ends_at,
        }


def _working_hours(fields: dict[str, Any], corrections: dict[date, bool]) -> bool:
    """Does the service fall in office hours of an official working day? A declared claim
    carries its day only: on a working day it may have been in office hours, so staff look."""
    if not workdays.is_working_day(fields["day"], corrections):
        return False
    if fields["starts_at"] is None:
        return True
    return _overlaps_office(fields["starts_at"], fields["ends_at"])


def _mark_report(report: Report, start: date, end: date, today: date) -> int:
    first = max(start, report.started_on)
    last = min(end, report.ended_on or today, today)
    if first > last:
        return 0
    row = _home_days_row(report.community)
    corrections = workdays.overrides(first, last)
    marked = 0
    for fields in _candidates(report, first, last):
        if not in_window(_days_on(row, fields["day"]), fields["day"]):
            continue
        pending = _working_hours(fields, corrections)
        step = "mark_pending" if pending else "mark_counted"
        try:
            with transaction.atomic():
                service = Service.objects.create(
                    report=report,
                    person_id=report.person_id,
                    community_id=report.community_id,
                    employer_id=report.employer_id,
                    working_hours=pending,
                    status=SERVICE_STEPS[step].target,
                    **fields,
                )
                ServiceEvent.objects.create(
                    service=service, step=step, to_status=service.status, actor=None
                )
        except IntegrityError:  # marked meanwhile by another sweep
            continue
        record(
            actor=None,
            action=f"party.service_{step}",
            target=service,
            region=report.community,
            after={"status": service.status, "kind": service.kind, "day": str(service.day)},
        )
        marked += 1
    return marked


def mark_services(
    *,
    person: Person | None = None,
    community: Region | None = None,
    employer: Organization | None = None,
    start: date | None = None,
    end: date | None = None,
) -> int:
    """Mark the service in the window of the reports that ran between ``start`` (default
    ``SWEEP_DAYS`` ago) and ``end`` (default today): idempotent, safe on two nodes (a
    service is marked once: its claim or attendance is unique). The clock calls it daily
    (``jifen tick``); pages call it for the one person or unit they show."""
    today = timezone.localdate()
    end = min(end or today, today)
    start = start or (today - timedelta(days=SWEEP_DAYS))
    reports = Report.objects.filter(started_on__lte=end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=start)
    )
    if person is not None:
        reports = reports.filter(person=person)
    if community is not None:
        reports = reports.filter(community__path__startswith=community.path)
    if employer is not None:
        reports = reports.filter(employer=employer)
    marked = 0
    for report in reports.select_related("community").order_by("pk").iterator(chunk_size=200):
        with transaction.atomic():
            marked += _mark_report(report, start, end, today)
    return marked


def _locked_service(service: Service | int) -> Service:
    pk = service.pk if isinstance(service, Service) else service
    try:
        return (
            Service.objects.select_for_update(of=("self",))
            .select_related("community", "person")
            .get(pk=pk)
        )
    except (Service.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such service.")) from None


def _decide(actor: Person, service: Service | int, step: str, note: str) -> Service:
    found = _locked_service(service)
    authz.require(actor, authz.MANAGE_PARTY, found.community)
    if found.status not in SERVICE_STEPS[step].sources:
        raise Conflict(
            _("This service is %(status)s, so it cannot be decided again."),
            code="invalid_transition",
            params={"status": found.get_status_display()},
        )
    note = clean_field(note, "note", NOTE_MAX, required=step == "reject")
    before = found.status
    found.status = SERVICE_STEPS[step].target
    found.decided_by, found.decided_at, found.note = actor, timezone.now(), note
    found.save(update_fields=["status", "decided_by", "decided_at", "note"])
    ServiceEvent.objects.create(
        service=found, step=step, from_status=before, to_status=found.status, actor=actor, note=note
    )
    record(
        actor=actor,
        action=f"party.service_{step}",
        target=found,
        region=found.community,
        before={"status": before},
        after={"status": found.status, "note": note},
    )
    _tell_member(found, step)
    return found


def _tell_member(service: Service, step: str) -> None:
    """The member hears whether their service in working hours counts (a notice)."""
    if not service.person.is_active:
        return
    if step == "approve":
        subject = _("Your home-day service counts")
        body = _("Your service on %(day)s counts as reporting home.")
    else:
        subject = _("Your home-day service does not count")
        body = _("Your service on %(day)s does not count as reporting home: %(note)s")
    params = {"day": service.day.isoformat(), "note": service.note}
    try:
        url = reverse("party:home")
    except NoReverseMatch:  # the pages are not wired (a test of the services alone)
        url = ""
    notices.send(
        [
            notify.Message(
                service.person,
                say(subject, **params),
                say(body, **params),
                kind="party",
                url=url,
            )
        ]
    )


@transaction.atomic
def approve_service(*, actor: Person, service: Service | int, note: str = "") -> Service:
    """Staff: service in working hours counts as reporting home (e.g. the unit sent them)."""
    return _decide(actor, service, "approve", note)


@transaction.atomic
def reject_service(*, actor: Person, service: Service | int, note: str = "") -> Service:
    """Staff: service in working hours does not count as reporting home (a reason given)."""
    return _decide(actor, service, "reject", note)


# --- The quarterly statement ---------------------------------------------------------------


def parse_quarter(text: str) -> tuple[date, date]:
    """``2026Q4`` → (first day, last day); 400 for anything else."""
    found = QUARTER.match(str(text))
    year = int(found.group(1)) if found else 0
    if found is None or not 2000 <= year <= 2100:
        raise InvalidInput(
            _("A quarter is written like 2026Q4 (years 2000 to 2100)."), field="quarter"
        )
    q = int(found.group(2))
    first = date(year, 3 * q - 2, 1)
    last = (date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)) - timedelta(days=1)
    return first, last


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def ended_quarters(today: date, count: int = 8) -> list[str]:
    """The last ``count`` quarters that have ended, newest first."""
    found: list[str] = []
    first, _last = parse_quarter(quarter_of(today))
    for _i in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
        found.append(quarter_of(first))
    return found


def is_contact(person: Person, organization: Organization) -> bool:
    return OrganizationMember.objects.filter(
        organization=organization, person_id=person.pk, is_contact=True
    ).exists()


def may_read_unit(actor: Person | None, organization: Organization) -> bool:
    """The unit's contacts; staff over the unit's region, or over a community its members
    report home to (who keep the reports)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if is_contact(actor, organization):
        return True
    if authz.can(actor, authz.MANAGE_PARTY, organization.region):
        return True
    communities = Region.objects.filter(
        pk__in=Report.objects.filter(employer=organization).values("community_id")
    )
    return any(authz.can(actor, authz.MANAGE_PARTY, c) for c in communities)


def readable_people(actor: Person, organization: Organization) -> set[int] | None:
    """Whose names the caller may read in the unit's lists: everyone's (None) for its
    contacts and staff over the unit's region; for staff who only keep some of its
    members' reports (a community's staff), the members reporting to their communities —
    not the residents of other communities, whom they do not manage."""
    if is_contact(actor, organization) or authz.can(actor, authz.MANAGE_PARTY, organization.region):
        return None
    communities = [
        c
        for c in Region.objects.filter(
            pk__in=Report.objects.filter(employer=organization).values("community_id")
        )
        if authz.can(actor, authz.MANAGE_PARTY, c)
    ]
    return set(
        Report.objects.filter(employer=organization, community__in=communities).values_list(
            "person_id", flat=True
        )
    )


def lines_for(actor: Person, statement: Statement) -> list[dict[str, Any]]:
    """The statement's stored lines as the caller may read them: the full name and the
    person's id only of the members they may see (else the published, masked line)."""
    readable = readable_people(actor, statement.organization)
    if readable is None:
        return list(statement.lines)
    return [
        line
        if line["kind"] != "member" or line.get("person") in readable
        else {**line, "full_name": line["name"] or line["volunteer_no"], "person": None}
        for line in statement.lines
    ]


def require_unit_reader(actor: Person | None, organization: Organization) -> None:
    if not may_read_unit(actor, organization):
        raise PermissionDenied(
            _("Only the unit's contacts and the staff who keep its members' reports may see this.")
        )


def _hours_text(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.1'))}"
    return text[:-2] if text.endswith(".0") else text


def statement_lines(organization: Organization, quarter: str) -> list[dict[str, Any]]:
    """The quarter's lines from the data as it is now: each member reporting home with
    the unit during the quarter (by volunteer number), then the unit's own line.

    A member's services are their marked service in the 回家日 windows that counts
    (counted, or approved by staff) and was verified (its claim approved); hours and
    points are those of the verified claims; months reported home are the months with at
    least one such service."""
    first, last = parse_quarter(quarter)
    services = list(
        Service.objects.filter(employer=organization, day__range=(first, last), status__in=COUNTS)
    )
    people_ids = set(
        Report.objects.filter(employer=organization, started_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .values_list("person_id", flat=True)
    ) | {s.person_id for s in services}
    people = {p.pk: p for p in Person.objects.filter(pk__in=people_ids)}
    # The claims behind each service: the claim itself, or those the attendance made.
    attendance_ids = [s.attendance_id for s in services if s.attendance_id]
    by_attendance: dict[int, list[int]] = defaultdict(list)
    for pk, source_id in Claim.objects.filter(
        source=ClaimSource.ACTIVITY, source_id__in=attendance_ids
    ).values_list("pk", "source_id"):
        if source_id is not None:
            by_attendance[source_id].append(pk)
    claims_of = {
        s.pk: ([s.claim_id] if s.claim_id else by_attendance.get(s.attendance_id or 0, []))
        for s in services
    }
    all_ids = {c for ids in claims_of.values() for c in ids}
    approved = Claim.objects.filter(pk__in=all_ids, status=ClaimStatus.APPROVED)
    points = dict(approved.values_list("pk", "points"))
    hours = {key[0]: value for key, value in verified_hours(approved, "pk").items()}
    totals: dict[int, dict[str, Any]] = {
        pk: {"services": 0, "hours": Decimal(0), "points": 0, "months": set()} for pk in people
    }
    for service in services:
        verified = [c for c in claims_of[service.pk] if c in points]
        if not verified:
            continue
        total = totals[service.person_id]
        total["services"] += 1
        total["months"].add((service.day.year, service.day.month))
        total["hours"] += sum((hours.get(c, Decimal(0)) for c in verified), Decimal(0))
        total["points"] += sum(points[c] for c in verified)
    lines: list[dict[str, Any]] = []
    for person in sorted(people.values(), key=lambda p: (p.volunteer_no or "", p.pk)):
        total = totals[person.pk]
        lines.append(
            {
                "kind": "member",
                "volunteer_no": person.volunteer_no or "",
                # Public (and sealed): the masked name once the person agreed to it,
                # else nothing but the volunteer number (CONTRACT); the same in every
                # language, so the seal recomputes anywhere.
                "name": mask_name(person.name) if person.has_consented else "",
                "reports": len(total["months"]),
                "services": total["services"],
                "hours": _hours_text(total["hours"]),
                "points": total["points"],
                "person": person.pk,
                "full_name": person.name,
            }
        )
    unit_points = (
        Claim.objects.filter(
            organization=organization,
            status=ClaimStatus.APPROVED,
            occurred_on__range=(first, last),
        ).aggregate(total=Sum("points"))["total"]
        or 0
    )
    lines.append(
        {
            "kind": "unit",
            "organization": organization.pk,
            "name": organization.name,
            "points": int(unit_points),
        }
    )
    return lines


def get_statement(organization: Organization, quarter: str) -> Statement | None:
    return Statement.objects.filter(organization=organization, quarter=quarter).first()


@transaction.atomic
def statement(
    *, actor: Person | None, organization: Organization, quarter: str, today: date | None = None
) -> Statement:
    """The quarter's statement, sealed on the first request after the quarter ended (409
    before, 400 for a malformed quarter). Later requests read it as sealed."""
    if actor is not None:
        require_unit_reader(actor, organization)
    first, last = parse_quarter(quarter)
    today = today or timezone.localdate()
    if last >= today:
        raise Conflict(
            _("The quarter %(quarter)s has not ended: its statement is sealed after it."),
            code="quarter_not_ended",
            params={"quarter": quarter},
        )
    found = get_statement(organization, quarter)
    if found is not None:
        return found
    if (today - last).days > BACKFILL_DAYS:
        raise Conflict(
            _("The quarter %(quarter)s ended more than two years ago: it is not sealed now."),
            code="quarter_too_old",
            params={"quarter": quarter},
        )
    # One sealing at a time per unit: its chain has one next link.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    found = get_statement(organization, quarter)
    if found is not None:
        return found
    mark_services(employer=organization, start=first, end=last)
    lines = statement_lines(organization, quarter)
    previous = (
        Statement.objects.filter(organization=organization)
        .order_by("-id")
        .values_list("seal", flat=True)
        .first()
        or ""
    )
    leaves, root_hex, seal = sealing.sealed(
        organization.pk, quarter, [sealing.public(line) for line in lines], previous
    )
    members = sum(1 for line in lines if line["kind"] == "member")
    made = Statement.objects.create(
        organization=organization,
        region=organization.region,
        quarter=quarter,
        lines=lines,
        leaves=pack_leaves(list(range(len(leaves))), leaves),
        leaf_count=len(leaves),
        root=root_hex,
        seal=seal,
        previous_seal=previous,
        members=members,
        unit_points=lines[-1]["points"],
        sealed_by=actor,
    )
    witness(
        community=organization.region,
        kind=STATEMENT_KIND,
        period=quarter,
        subject=str(organization.pk),
        seal=seal,
        root=root_hex,
        count=len(leaves),
    )
    record(
        actor=actor,
        action="party.statement_seal",
        target=made,
        region=organization.region,
        after={
            "organization": organization.pk,
            "quarter": quarter,
            "count": len(leaves),
            "root": root_hex,
            "seal": seal,
        },
    )
    return made


def statement_seal_now(statement: Statement) -> tuple[int, str, str]:
    """(count, root, seal) recomputed from the current data, chained to the stored previous
    seal: what ``jifen verify --against`` compares with the sealed statement."""
    lines = statement_lines(statement.organization, statement.quarter)
    leaves, root_hex, seal = sealing.sealed(
        statement.organization_id,
        statement.quarter,
        [sealing.public(line) for line in lines],
        statement.previous_seal,
    )
    return len(leaves), root_hex, seal


def check_published(statement: Statement) -> tuple[bool, str, str]:
    """(whether the published lines lead to the stored seal, root, seal recomputed): the
    public check page's sum, from the lines as published."""
    _leaves, root_hex, seal = sealing.sealed(
        statement.organization_id,
        statement.quarter,
        [sealing.public(line) for line in statement.lines],
        statement.previous_seal,
    )
    return root_hex == statement.root and seal == statement.seal, root_hex, seal


def _statement_problems(statement: Statement, previous: str) -> Iterator[str]:
    """What no longer holds of one stored statement: its lines against its root and seal,
    its stored leaves, its chain to the unit's statement before it, its witness."""
    try:
        lines = [sealing.public(line) for line in statement.lines]
        leaves, root_hex, seal = sealing.sealed(
            statement.organization_id, statement.quarter, lines, statement.previous_seal
        )
    except (KeyError, TypeError, AttributeError) as exc:
        yield f"its stored lines cannot be read: {type(exc).__name__}: {exc}"
        return
    if root_hex != statement.root or len(leaves) != statement.leaf_count:
        yield (
            f"its {len(leaves)} stored lines give root {root_hex[:16]}, it holds root "
            f"{statement.root[:16]} over {statement.leaf_count}"
        )
    if seal != statement.seal:
        yield f"its stored lines give seal {seal[:16]}, it holds seal {statement.seal[:16]}"
    if unpack_leaves(statement.leaves) != dict(enumerate(leaves)):
        yield "its stored leaves are not those of its lines"
    if statement.previous_seal != previous:
        yield (
            f"it chains to {statement.previous_seal[:16] or 'nothing'}, the unit's statement "
            f"sealed before it is {previous[:16] or 'none'}"
        )
    if seal_witnessed(statement) is False:
        yield "its seal is not the one witnessed in the county's (or town's) log"


def seal_witnessed(statement: Statement) -> bool | None:
    """Is the statement's stored seal the one witnessed in the logs above its unit's region
    (None: no county or town above keeps a log)? A seal rewritten with its lines after
    sealing recomputes, but is not the witnessed one."""
    if not witnesses_of(statement.region):
        return None
    return witnessed(
        statement.region,
        STATEMENT_KIND,
        statement.quarter,
        str(statement.organization_id),
        statement.seal,
    )


def check_statements(region: Region | None = None) -> Iterator[str]:
    """``jifen verify``: one line per sealed statement whose stored lines, leaves, chain or
    witness no longer hold (what the unit's page, its PDF and the public check show is read
    from those lines). The data behind a statement may change after sealing (a claim
    revoked); ``statement_seal_now`` and ``jifen verify --against`` compare that."""
    rows = Statement.objects.select_related("region").order_by("organization_id", "id")
    if region is not None:
        rows = rows.filter(region__path__startswith=region.path)
    # A unit's statements all lie in its own region: its chain is whole in any region
    # checked that holds it.
    previous: dict[int, str] = {}
    for statement in rows.iterator(chunk_size=100):
        where = f"statement {statement.organization_id} {statement.quarter}"
        before = previous.get(statement.organization_id, "")
        try:
            for problem in _statement_problems(statement, before):
                yield f"{where}: {problem}"
        except Exception as exc:  # noqa: BLE001 - a statement that cannot be read is a line
            yield f"{where}: could not be checked: {type(exc).__name__}: {exc}"
        previous[statement.organization_id] = statement.seal
