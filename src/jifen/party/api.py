"""在职党员回家报到 over HTTP: reports home, the 回家日 window, marked service and its
approval, the employers' sealed quarterly statements and their public check.

Thin on purpose: the services check who may do what; this module parses input, finds
what the caller may see (anything else is 404) and shapes the answer. A statement's public
form (``/public/statements/{id}``) shows masked names and volunteer numbers only — the
fields its seal is made of, so anyone can recompute it.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from jifen.api.fields import Id, Line, ShapedPage, one_of
from jifen.api.security import caller
from jifen.lib.errors import NotFound
from jifen.lib.pagination import Paging
from jifen.party import sealing, selectors, services
from jifen.party.models import Report, ReportStatus, Service, ServiceStatus, Statement
from jifen.people.models import Organization
from jifen.regions.selectors import get_region
from jifen.witness.selectors import witnessed

router = Router(tags=["party"])

RegionCode = Annotated[str, Field(max_length=32)]
QuarterText = Annotated[str, Field(max_length=16)]


def _organization(pk: int, field: str = "employer") -> Organization:
    found = Organization.objects.select_related("region").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("There is no such organisation."), field=field)
    return found


# --- Output ------


class ReportEventOut(Schema):
    step: str
    label: str
    from_status: str
    to_status: str
    employer: int
    employer_name: str
    actor: str | None
    note: str
    at: datetime


class PartyReportOut(Schema):
    id: int
    person: int
    name: str
    volunteer_no: str | None
    community: str
    community_name: str
    employer: int
    employer_name: str
    status: str = Field(description="active (reporting home) or ended")
    status_label: str
    started_on: date
    ended_on: date | None
    end_reason: str


class ReportDetailOut(PartyReportOut):
    history: list[ReportEventOut]


def _report_out(report: Report) -> dict[str, Any]:
    return {
        "id": report.pk,
        "person": report.person_id,
        "name": report.person.name,
        "volunteer_no": report.person.volunteer_no,
        "community": report.community.code,
        "community_name": report.community.name,
        "employer": report.employer_id,
        "employer_name": report.employer.name,
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "started_on": report.started_on,
        "ended_on": report.ended_on,
        "end_reason": report.end_reason,
    }


def _report_detail(report: Report) -> dict[str, Any]:
    return {
        **_report_out(report),
        "history": [
            {
                "step": e.step,
                "label": str(e.label),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "employer": e.employer_id,
                "employer_name": e.employer.name,
                "actor": e.actor.name if e.actor is not None else None,
                "note": e.note,
                "at": e.at,
            }
            for e in selectors.report_history(report)
        ],
    }


class ServiceOut(Schema):
    id: int
    person: int
    name: str
    community: str
    employer: int
    kind: str = Field(description="claim (declared service) or attendance (activity sign-in)")
    claim: int | None
    attendance: int | None
    day: date
    starts_at: datetime | None
    ends_at: datetime | None
    working_hours: bool = Field(description="in office hours of an official working day")
    status: str = Field(description="counted, pending (staff approval), approved or rejected")
    status_label: str
    note: str


def _service_out(service: Service) -> dict[str, Any]:
    return {
        "id": service.pk,
        "person": service.person_id,
        "name": service.person.name,
        "community": service.community.code,
        "employer": service.employer_id,
        "kind": service.kind,
        "claim": service.claim_id,
        "attendance": service.attendance_id,
        "day": service.day,
        "starts_at": service.starts_at,
        "ends_at": service.ends_at,
        "working_hours": service.working_hours,
        "status": service.status,
        "status_label": str(service.get_status_display()),
        "note": service.note,
    }


class StatementLineOut(Schema):
    kind: str = Field(description="member, or unit (the last line: the unit's own points)")
    volunteer_no: str | None = None
    name: str = Field(description="masked for a member on the public page; the unit's name")
    full_name: str | None = Field(None, description="the unit's contacts and staff only")
    person: int | None = Field(None, description="the unit's contacts and staff only")
    organization: int | None = None
    reports: int | None = Field(None, description="months of the quarter reported home")
    services: int | None = None
    hours: str | None = None
    points: int


class StatementOut(Schema):
    id: int
    organization: int
    organization_name: str
    quarter: str
    members: int
    unit_points: int
    lines: list[StatementLineOut]
    leaf_count: int
    root: str
    seal: str
    previous_seal: str
    version: str = Field(description="the entry encoding: jifen-statement-v1 (docs/party.md)")
    sealed_at: datetime
    witnessed: bool = Field(description="its seal is in the logs of the county and town above")


def _statement_out(
    statement: Statement, *, full: bool, lines: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    if lines is None:
        lines = statement.lines if full else [sealing.public(line) for line in statement.lines]
    return {
        "id": statement.pk,
        "organization": statement.organization_id,
        "organization_name": statement.organization.name,
        "quarter": statement.quarter,
        "members": statement.members,
        "unit_points": statement.unit_points,
        "lines": lines,
        "leaf_count": statement.leaf_count,
        "root": statement.root,
        "seal": statement.seal,
        "previous_seal": statement.previous_seal,
        "version": sealing.VERSION,
        "sealed_at": statement.sealed_at,
        "witnessed": witnessed(
            statement.region,
            services.STATEMENT_KIND,
            statement.quarter,
            str(statement.organization_id),
            statement.seal,
        ),
    }


class PublicCheckOut(StatementOut):
    matches: bool = Field(description="the published lines lead to the stored root and seal")
    recomputed_root: str
    recomputed_seal: str


class NotReportingOut(Schema):
    report: int
    person: int
    name: str
    volunteer_no: str | None
    community: str
    community_name: str
    started_on: date
    last_served: date | None


class HomeDaysOut(Schema):
    community: str
    days: int
    window_start: date = Field(description="this month's window")
    window_end: date


# --- 报到单 ------


class ReportIn(Schema):
    community: RegionCode = Field(description="the member's home community (its code)")
    employer: Id = Field(description="the employer: an organisation's id, of any region")


@router.post("/party/reports", response={201: ReportDetailOut})
def file_report(request: HttpRequest, payload: ReportIn) -> Status[dict[str, Any]]:
    """A party member reports home (报到单): recorded as an in-service party member
    reporting to the community, with the employer. One active report per person (409)."""
    actor = caller(request)
    report = services.file_report(
        actor=actor,
        community=get_region(payload.community),
        employer=_organization(payload.employer),
    )
    return Status(201, _report_detail(report))


@router.get("/party/reports/mine", response=list[ReportDetailOut])
def my_reports(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's reports, the running one first, with their histories."""
    return [_report_detail(r) for r in selectors.my_reports(caller(request))[:50]]


class ReportFilters(Schema):
    status: str = Field("", max_length=16)
    community: RegionCode = ""
    q: str = Field("", max_length=50, description="a name, a volunteer number, an employer")


@router.get("/party/reports", response=list[PartyReportOut])
@paginate(Paging)
def list_reports(request: HttpRequest, filters: Query[ReportFilters]) -> ShapedPage:
    """Staff: the reports of their communities, newest first."""
    return ShapedPage(
        selectors.staff_reports(
            caller(request),
            status=one_of(filters.status, list(ReportStatus.values), "status"),
            community_code=filters.community,
            query=filters.q.strip(),
        ),
        _report_out,
    )


def _visible_report(request: HttpRequest, report_id: int) -> Report:
    found = selectors.get_report_for(caller(request), report_id)
    if found is None:
        raise NotFound(_("There is no such report."))
    return found


@router.get("/party/reports/{report_id}", response=ReportDetailOut)
def get_report(request: HttpRequest, report_id: Id) -> dict[str, Any]:
    """The member's own report, or any report of staff's communities, with its history."""
    return _report_detail(_visible_report(request, report_id))


class CorrectIn(Schema):
    employer: Id
    note: Line = ""


@router.post("/party/reports/{report_id}/correct", response=ReportDetailOut)
def correct_report(request: HttpRequest, report_id: Id, payload: CorrectIn) -> dict[str, Any]:
    """Staff: name the member's right employer."""
    report = services.correct_report(
        actor=caller(request),
        report=_visible_report(request, report_id),
        employer=_organization(payload.employer),
        note=payload.note,
    )
    return _report_detail(report)


class EndIn(Schema):
    reason: Line = ""


@router.post("/party/reports/{report_id}/end", response=ReportDetailOut)
def end_report(request: HttpRequest, report_id: Id, payload: EndIn) -> dict[str, Any]:
    """Staff, or the member: the report ends (moved away, retired, left the party)."""
    report = services.end_report(
        actor=caller(request), report=_visible_report(request, report_id), reason=payload.reason
    )
    return _report_detail(report)


# --- 积分周 · 回家日 ------


def _home_days_out(community: Any) -> dict[str, Any]:
    days = services.home_days(community)
    start, end = services.window(days, timezone.localdate())
    return {"community": community.code, "days": days, "window_start": start, "window_end": end}


@router.get("/party/home-days", response=HomeDaysOut)
def get_home_days(request: HttpRequest, community: Query[RegionCode]) -> dict[str, Any]:
    """Anyone logged in: the community's window (default the last seven days of a month)."""
    return _home_days_out(get_region(community))


class HomeDaysIn(Schema):
    community: RegionCode
    days: int = Field(description="1 to 28: the last N days of each month")


@router.put("/party/home-days", response=HomeDaysOut)
def set_home_days(request: HttpRequest, payload: HomeDaysIn) -> dict[str, Any]:
    """Staff: change the number of days of the community's monthly window."""
    community = get_region(payload.community)
    services.set_home_days(actor=caller(request), community=community, days=payload.days)
    return _home_days_out(community)


@router.get("/party/services/mine", response=list[ServiceOut])
@paginate(Paging)
def my_services(request: HttpRequest) -> ShapedPage:
    """The caller's service marked as reporting home, newest first."""
    person = caller(request)
    services.mark_services(person=person)
    return ShapedPage(
        selectors.my_services(person).select_related("person", "community"), _service_out
    )


class ServiceFilters(Schema):
    status: str = Field("", max_length=16)


@router.get("/party/services", response=list[ServiceOut])
@paginate(Paging)
def list_services(request: HttpRequest, filters: Query[ServiceFilters]) -> ShapedPage:
    """Staff: marked service of their communities (``status=pending``: to approve)."""
    return ShapedPage(
        selectors.staff_services(
            caller(request), status=one_of(filters.status, list(ServiceStatus.values), "status")
        ),
        _service_out,
    )


class DecideIn(Schema):
    note: Line = ""


def _staff_service(request: HttpRequest, service_id: int) -> Service:
    found = selectors.staff_services(caller(request)).filter(pk=service_id).first()
    if found is None:
        raise NotFound(_("There is no such service."))
    return found


@router.post("/party/services/{service_id}/approve", response=ServiceOut)
def approve_service(request: HttpRequest, service_id: Id, payload: DecideIn) -> dict[str, Any]:
    """Staff: service in working hours counts as reporting home."""
    found = services.approve_service(
        actor=caller(request), service=_staff_service(request, service_id), note=payload.note
    )
    return _service_out(found)


@router.post("/party/services/{service_id}/reject", response=ServiceOut)
def reject_service(request: HttpRequest, service_id: Id, payload: DecideIn) -> dict[str, Any]:
    """Staff: it does not count (a note is required)."""
    found = services.reject_service(
        actor=caller(request), service=_staff_service(request, service_id), note=payload.note
    )
    return _service_out(found)


# --- Statements ------


@router.get("/organizations/{organization_id}/statements/{quarter}", response=StatementOut)
def get_statement(
    request: HttpRequest, organization_id: Id, quarter: QuarterText
) -> dict[str, Any]:
    """Its contacts, staff: the quarter's statement (服务登记卡), sealed on the first request
    after the quarter ended; 409 ``quarter_not_ended`` before; 400 for a malformed quarter."""
    organization = _organization(organization_id, "organization")
    actor = caller(request)
    found = services.statement(actor=actor, organization=organization, quarter=quarter)
    return _statement_out(found, full=True, lines=services.lines_for(actor, found))


@router.get("/organizations/{organization_id}/not-reporting", response=list[NotReportingOut])
def not_reporting(request: HttpRequest, organization_id: Id) -> list[dict[str, Any]]:
    """Its contacts, staff: members reporting home for half a year with no service
    counted as reporting home in it."""
    organization = _organization(organization_id, "organization")
    actor = caller(request)
    services.require_unit_reader(actor, organization)
    return [
        {
            "report": row["report"].pk,
            "person": row["person"].pk,
            "name": row["person"].name,
            "volunteer_no": row["person"].volunteer_no,
            "community": row["report"].community.code,
            "community_name": row["report"].community.name,
            "started_on": row["report"].started_on,
            "last_served": row["last_served"],
        }
        for row in selectors.not_reporting(
            organization, people=services.readable_people(actor, organization)
        )[:1000]
    ]


@router.get("/public/statements/{statement_id}", auth=None, response=PublicCheckOut)
def public_statement(request: HttpRequest, statement_id: Id) -> dict[str, Any]:
    """No login: a sealed statement's published lines (masked names) and its seal,
    recomputed from those lines: what anyone holding the PDF checks it against."""
    found = selectors.public_statement(statement_id)
    if found is None:
        raise NotFound(_("There is no such statement."))
    matches, root_hex, seal = services.check_published(found)
    return {
        **_statement_out(found, full=False),
        "matches": matches,
        "recomputed_root": root_hex,
        "recomputed_seal": seal,
    }
