"""一年一评选: a community's year in figures, for its annual selection.

- Verified service hours are ``activities.hours.verified_hours``, the one count that
  certificates read too: approved claims on items counted by the hour (a claim's quantity,
  corrected by an upheld appeal), and the hours served at an activity whose item is
  counted by the time; a revoked claim no longer counts; by service date. Organisation
  points are the organisation's, not a member's service, and do not count.
- Star level (星级志愿者) by cumulative verified hours up to the year's end, against the
  thresholds of the community (``PublicityPolicy``, then the region above, then
  ``DEFAULT_STAR_HOURS``, the national practice: 1★ 100 h … 5★ 1500 h).
- Annual points: what the year brought a person from the issuer, less what went back
  to it (the rule of the monthly ranking); spending in the shop does not lower it.
- 最美家庭 candidates: households by their members' annual points and hours.
- 在职党员回家报到: members marked as in-service party members reporting home
  (``Person.is_reporting_party_member``, with their ``employer``), their hours and
  services month by month, for their employers.

The community's volunteers are the people whose home community it is. Every list is
worked out with a handful of grouped queries, whatever the number of volunteers, and
exported to Excel for the paper track; names are in full (these are staff documents),
ID numbers only masked.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from jifen.activities.hours import verified_claims, verified_hours
from jifen.audit.services import record
from jifen.claims.models import Source as ClaimSource
from jifen.lib.errors import InvalidInput
from jifen.lib.xlsx import SafeWorkbook, append_row, first_sheet, new_workbook, workbook_bytes
from jifen.people import authz
from jifen.people.models import Household, Person
from jifen.points.models import AccountKind, Transfer
from jifen.points.selectors import day_start
from jifen.publicity.models import PublicityPolicy
from jifen.regions.models import Region

# The national practice (星级志愿者认定): 1★ 100 h, 2★ 300 h, 3★ 600 h, 4★ 1000 h, 5★ 1500 h.
DEFAULT_STAR_HOURS: tuple[Decimal, ...] = tuple(Decimal(h) for h in (100, 300, 600, 1000, 1500))
MAX_STARS = 9
ZERO = Decimal("0.0")


# --- Settings ----------------------------------------------------------------------------------


def setting(region: Region, name: str) -> str:
    """A setting of the region's own row, else of the nearest region above that sets it
    ("" when none does): a county can set star levels for every community below it."""
    rows = PublicityPolicy.objects.filter(region__code__in=region.ancestor_codes())
    found = sorted(rows.select_related("region"), key=lambda p: -p.region.path.count("/"))
    return next((str(getattr(p, name)) for p in found if getattr(p, name)), "")


def own_policy(community: Region) -> PublicityPolicy:
    """The community's own row, unsaved when it has none."""
    return PublicityPolicy.objects.filter(region=community).first() or PublicityPolicy(
        region=community
    )


def parse_star_hours(text: str) -> tuple[Decimal, ...]:
    """``"100,300,600,1000,1500"`` → hours of 1★, 2★ …; ascending, each above 0."""
    parts = [p.strip() for p in str(text).replace("，", ",").split(",") if p.strip()]
    try:
        hours = tuple(Decimal(p) for p in parts)
    except InvalidOperation:
        raise InvalidInput(
            gettext_lazy("Give the hours of each star level as numbers, e.g. 100,300,600."),
            field="star_hours",
        ) from None
    if not 1 <= len(hours) <= MAX_STARS or any(
        not h.is_finite() or h <= 0 or h * 2 != (h * 2).to_integral_value() for h in hours
    ):
        raise InvalidInput(
            gettext_lazy(
                "Give 1 to %(max)s star levels, each a number of hours above 0 "
                "(in half hours), e.g. 100,300,600."
            ),
            field="star_hours",
            params={"max": MAX_STARS},
        )
    if any(b <= a for a, b in zip(hours, hours[1:], strict=False)):
        raise InvalidInput(
            gettext_lazy("Each star level needs more hours than the one before."),
            field="star_hours",
        )
    return hours


def star_hours(region: Region) -> tuple[Decimal, ...]:
    text = setting(region, "star_hours")
    return parse_star_hours(text) if text else DEFAULT_STAR_HOURS


def star_hours_text(hours: Sequence[Decimal]) -> str:
    return ",".join(hours_text(h) for h in hours)


@transaction.atomic
def save_policy(
    *, actor: Person, community: Region, star_hours: str, certificate_issuer: str
) -> PublicityPolicy:
    """Staff set the community's star levels (empty: the defaults) and the name its
    certificates are issued in (empty: the community's name)."""
    authz.require(actor, authz.MANAGE_RULES, community)
    hours = star_hours_text(parse_star_hours(star_hours)) if str(star_hours).strip() else ""
    issuer = " ".join(str(certificate_issuer or "").split())
    if len(issuer) > 100:
        raise InvalidInput(
            gettext_lazy("Please keep it under %(n)s characters."),
            field="certificate_issuer",
            params={"n": 100},
        )
    policy, _created = PublicityPolicy.objects.select_for_update().get_or_create(region=community)
    before = {"star_hours": policy.star_hours, "certificate_issuer": policy.certificate_issuer}
    policy.star_hours, policy.certificate_issuer = hours, issuer
    policy.updated_by = actor
    policy.save()
    record(
        actor=actor,
        action="publicity.policy",
        target=policy,
        region=community,
        before=before,
        after={"star_hours": hours, "certificate_issuer": issuer},
    )
    return policy


def star_level(hours: Decimal, thresholds: Sequence[Decimal]) -> int:
    """The number of thresholds reached: 99.5 h is no star, 100 h is 1★ (by default)."""
    return sum(1 for threshold in thresholds if hours >= threshold)


def name_label() -> str:
    """姓名 (a person's name), not 名称 (a thing's)."""
    return pgettext("person", "Name")


def row_label() -> str:
    """序号: the number of a row in a list."""
    return pgettext("row number", "No.")


def place_label() -> str:
    """名次: the place in a ranking."""
    return pgettext("ranking", "Place")


def stars(level: int) -> str:
    return "★" * level


def hours_text(hours: Decimal | int | None) -> str:
    """12.5 → "12.5", 100.0 → "100"."""
    value = Decimal(hours or 0).quantize(Decimal("0.1"))
    return f"{value:f}".removesuffix(".0")


# --- The year's figures ---------------------------------------------------------------------


@dataclass
class VolunteerYear:
    person_id: int
    name: str
    id_number_masked: str
    volunteer_no: str
    household_id: int | None
    household: str
    employer: str
    reporting_party_member: bool
    hours: Decimal = ZERO  # verified hours served in the year
    services: int = 0  # approved services in the year (any item)
    total_hours: Decimal = ZERO  # verified hours up to the year's end
    hours_before: Decimal = ZERO  # verified hours up to the year before's end
    points: int = 0  # the year's points
    star: int = 0
    star_before: int = 0
    place: int = 0  # in the points ranking (0: no points this year)

    @property
    def new_star(self) -> bool:
        """Reached a higher star level in the year."""
        return self.star > self.star_before

    @property
    def stars(self) -> str:
        return stars(self.star)


@dataclass
class Year:
    community: Region
    year: int
    thresholds: tuple[Decimal, ...]
    people: list[VolunteerYear]  # everyone with hours or points, in the ranking's order

    @property
    def ranking(self) -> list[VolunteerYear]:
        return [p for p in self.people if p.points > 0]

    @property
    def star_candidates(self) -> list[VolunteerYear]:
        """Volunteers with a star level at the year's end, highest first."""
        found = [p for p in self.people if p.star > 0]
        return sorted(found, key=lambda p: (-p.star, -p.total_hours, -p.hours, p.volunteer_no))

    @property
    def hours(self) -> Decimal:
        return sum((p.hours for p in self.people), ZERO)

    @property
    def points(self) -> int:
        return sum(p.points for p in self.people)


def _year_points(community: Region, year: int) -> dict[int, int]:
    """Points the year brought the community's people from an issuer, less what went back
    to one, by posting date."""
    moved = Transfer.objects.filter(
        created_at__gte=day_start(date(year, 1, 1)), created_at__lt=day_start(date(year + 1, 1, 1))
    )
    earned = (
        moved.filter(
            credit__person__community=community,
            credit__kind=AccountKind.PERSON,
            debit__kind=AccountKind.ISSUER,
        )
        .values_list("credit__person")
        .annotate(points=Sum("amount"))
    )
    back = (
        moved.filter(
            debit__person__community=community,
            debit__kind=AccountKind.PERSON,
            credit__kind=AccountKind.ISSUER,
        )
        .values_list("debit__person")
        .annotate(points=Sum("amount"))
    )
    points: dict[int, int] = defaultdict(int)
    for person_id, amount in earned:
        points[person_id] += amount
    for person_id, amount in back:
        points[person_id] -= amount
    return points


def year_of(community: Region, year: int) -> Year:
    """Every volunteer of the community with verified hours (ever, up to the year's end)
    or points in the year: the ranking's order (points, then hours of the year)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    thresholds = star_hours(community)
    claims = verified_claims().filter(person__community=community)
    this_year = claims.filter(occurred_on__gte=start, occurred_on__lte=end)
    in_year = this_year.values_list("person").annotate(services=Count("pk")).order_by()
    # Hours up to the year's end, the year's apart from those before it: one count.
    cumulative = claims.filter(occurred_on__lte=end).annotate(
        in_year=ExpressionWrapper(Q(occurred_on__gte=start), output_field=BooleanField())
    )
    hours = verified_hours(cumulative, "person", "in_year")
    points = _year_points(community, year)
    figures: dict[int, dict[str, Any]] = defaultdict(dict)
    for person_id, services in in_year:
        figures[person_id]["services"] = services
    for person_id in {person_id for person_id, _in_year in hours}:
        served = hours.get((person_id, True), ZERO)
        earlier = hours.get((person_id, False), ZERO)
        figures[person_id].update(hours=served, hours_before=earlier, total_hours=earlier + served)
    for person_id, amount in points.items():
        if amount:
            figures[person_id]["points"] = amount
    found = Person.objects.filter(pk__in=list(figures), community=community).select_related(
        "household"
    )
    people = []
    for person in found:
        row = VolunteerYear(
            person_id=person.pk,
            name=person.name,
            id_number_masked=person.id_number_masked,
            volunteer_no=person.volunteer_no or "",
            household_id=person.household_id,
            household=person.household.label if person.household else "",
            employer=person.employer,
            reporting_party_member=person.is_reporting_party_member,
            **figures[person.pk],
        )
        row.star = star_level(row.total_hours, thresholds)
        row.star_before = star_level(row.hours_before, thresholds)
        people.append(row)
    people.sort(key=lambda p: (-p.points, -p.hours, p.volunteer_no))
    place = 0
    for row in people:
        if row.points > 0:
            place += 1
            row.place = place
    return Year(community=community, year=year, thresholds=thresholds, people=people)


@dataclass
class HouseholdYear:
    household_id: int
    label: str
    members: int  # registered members
    serving: list[VolunteerYear] = field(default_factory=list)  # with hours or points
    place: int = 0

    @property
    def points(self) -> int:
        return sum(p.points for p in self.serving)

    @property
    def hours(self) -> Decimal:
        return sum((p.hours for p in self.serving), ZERO)


def households(year: Year) -> list[HouseholdYear]:
    """最美家庭 candidates: the community's households whose members earned points or
    served in the year, by their members' points, then hours."""
    by_household: dict[int, list[VolunteerYear]] = defaultdict(list)
    for row in year.people:
        if row.household_id is not None and (row.points > 0 or row.hours > 0):
            by_household[row.household_id].append(row)
    found = Household.objects.filter(pk__in=list(by_household)).annotate(size=Count("members"))
    rows = [
        HouseholdYear(household_id=h.pk, label=h.label, members=h.size, serving=by_household[h.pk])
        for h in found
    ]
    rows.sort(key=lambda h: (-h.points, -h.hours, h.label))
    for place, household in enumerate(rows, start=1):
        household.place = place
    return rows


# --- 在职党员回家报到 --------------------------------------------------------------------------


@dataclass
class PartyMemberYear:
    person_id: int
    name: str
    id_number_masked: str
    volunteer_no: str
    employer: str
    hours_by_month: list[Decimal]  # 12 months
    services_by_month: list[int]
    activities: int  # services that were attendance at a volunteer activity
    points: int

    @property
    def hours(self) -> Decimal:
        return sum(self.hours_by_month, ZERO)

    @property
    def services(self) -> int:
        return sum(self.services_by_month)

    @property
    def months_reported(self) -> int:
        """Months with at least one approved service (报到)."""
        return sum(1 for n in self.services_by_month if n)


def party_report(
    community: Region, year: int, employer: str | None = None
) -> list[PartyMemberYear]:
    """Every in-service party member reporting to the community (served or not), by
    employer and name; ``employer`` keeps one employer's members (the report sent to it)."""
    members = Person.objects.filter(community=community, is_reporting_party_member=True)
    if employer is not None:
        members = members.filter(employer=employer)
    # Sorted here, not by the database: the same order on SQLite and PostgreSQL whatever
    # its collation.
    people = sorted(members, key=lambda p: (p.employer, p.name, p.pk))
    start, end = date(year, 1, 1), date(year, 12, 31)
    served = (
        verified_claims()
        .filter(person__in=[p.pk for p in people], occurred_on__gte=start, occurred_on__lte=end)
        .annotate(month=ExtractMonth("occurred_on"))
    )
    monthly = (
        served.values_list("person", "month")
        .annotate(
            services=Count("pk"),
            activities=Count("pk", filter=Q(source=ClaimSource.ACTIVITY)),
        )
        .order_by()
    )
    hours: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO] * 12)
    services: dict[int, list[int]] = defaultdict(lambda: [0] * 12)
    activities: dict[int, int] = defaultdict(int)
    for person_id, month, n, a in monthly:
        services[person_id][month - 1] = n
        activities[person_id] += a
    for (person_id, month), h in verified_hours(served, "person", "month").items():
        hours[person_id][month - 1] = h
    points = _year_points(community, year) if people else {}
    return [
        PartyMemberYear(
            person_id=p.pk,
            name=p.name,
            id_number_masked=p.id_number_masked,
            volunteer_no=p.volunteer_no or "",
            employer=p.employer,
            hours_by_month=hours[p.pk],
            services_by_month=services[p.pk],
            activities=activities[p.pk],
            points=points.get(p.pk, 0),
        )
        for p in people
    ]


def employers(community: Region) -> list[tuple[str, int]]:
    """(employer, members) of the community's in-service party members reporting home."""
    return sorted(
        Person.objects.filter(community=community, is_reporting_party_member=True)
        .values_list("employer")
        .annotate(n=Count("pk"))
        .order_by()
    )


def years_with_service(community: Region) -> list[int]:
    """This year and every earlier year since the community's first approved service."""
    first = (
        verified_claims()
        .filter(person__community=community)
        .order_by("occurred_on")
        .values_list("occurred_on", flat=True)
        .first()
    )
    this_year = timezone.localdate().year
    since = first.year if first else this_year
    return list(range(this_year, min(since, this_year) - 1, -1))


# --- Excel -----------------------------------------------------------------------------------


def _sheet(
    book: SafeWorkbook, title: str, heading: str, notes: Iterable[str], header: list[str]
) -> Any:
    ws = first_sheet(book)
    ws.title = title[:31]
    append_row(ws, [heading])
    ws["A1"].font = Font(size=14, bold=True)
    for note in notes:
        append_row(ws, [note])
    ws.append([])
    append_row(ws, header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.freeze_panes = ws.cell(row=ws.max_row + 1, column=1)
    return ws


def _widths(ws: Any, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


def _save(book: SafeWorkbook) -> bytes:
    return workbook_bytes(book)


def _number(hours: Decimal) -> float | int:
    """Hours as a number Excel sums: 12.5, or 100 when whole."""
    return int(hours) if hours == hours.to_integral_value() else float(hours)


def _title(year: Year, what: str) -> str:
    return _("%(community)s, %(year)s: %(what)s") % {
        "community": year.community.name,
        "year": year.year,
        "what": what,
    }


def _made_on() -> str:
    return _("Made on %(date)s from the approved service and the points ledger.") % {
        "date": date_format(timezone.localdate(), "DATE_FORMAT")
    }


def _thresholds_note(year: Year) -> str:
    levels = "，".join(
        _("%(stars)s %(hours)s h") % {"stars": stars(n), "hours": hours_text(h)}
        for n, h in enumerate(year.thresholds, start=1)
    )
    return _("Star levels by cumulative verified service hours: %(levels)s.") % {"levels": levels}


def _volunteer_header() -> list[str]:
    return [name_label(), _("ID number (masked)"), _("Volunteer number"), _("Household")]


def _volunteer_cells(row: VolunteerYear) -> list[Any]:
    return [row.name, row.id_number_masked, row.volunteer_no, row.household]


def ranking_workbook(year: Year) -> bytes:
    book = new_workbook()
    ws = _sheet(
        book,
        _("Points ranking"),
        _title(year, _("annual points ranking")),
        [_made_on()],
        [
            place_label(),
            *_volunteer_header(),
            _("Points this year"),
            _("Service hours this year"),
            _("Services this year"),
            _("Cumulative service hours"),
            _("Star level"),
        ],
    )
    for row in year.ranking:
        append_row(
            ws,
            [
                row.place,
                *_volunteer_cells(row),
                row.points,
                _number(row.hours),
                row.services,
                _number(row.total_hours),
                stars(row.star),
            ],
        )
    _widths(ws, (8, 12, 22, 14, 22, 12, 12, 12, 12, 10))
    return _save(book)


def stars_workbook(year: Year) -> bytes:
    book = new_workbook()
    ws = _sheet(
        book,
        _("Star volunteers"),
        _title(year, _("candidates for star volunteer")),
        [_made_on(), _thresholds_note(year)],
        [
            row_label(),
            *_volunteer_header(),
            _("Star level"),
            _("Cumulative service hours"),
            _("Service hours this year"),
            _("New level this year"),
            _("Points this year"),
        ],
    )
    for number, row in enumerate(year.star_candidates, start=1):
        append_row(
            ws,
            [
                number,
                *_volunteer_cells(row),
                stars(row.star),
                _number(row.total_hours),
                _number(row.hours),
                _("yes") if row.new_star else "",
                row.points,
            ],
        )
    _widths(ws, (6, 12, 22, 14, 22, 10, 12, 12, 10, 12))
    return _save(book)


def households_workbook(year: Year) -> bytes:
    book = new_workbook()
    ws = _sheet(
        book,
        _("Model families"),
        _title(year, _("candidates for model family")),
        [_made_on()],
        [
            place_label(),
            _("Household"),
            _("Registered members"),
            _("Members who served"),
            _("Points this year"),
            _("Service hours this year"),
        ],
    )
    for row in households(year):
        append_row(
            ws,
            [
                row.place,
                row.label,
                row.members,
                "、".join(
                    f"{p.name}（{p.points}）" for p in sorted(row.serving, key=lambda p: -p.points)
                ),
                row.points,
                _number(row.hours),
            ],
        )
    _widths(ws, (6, 26, 10, 40, 12, 12))
    for cells in ws.iter_rows(min_row=5):
        cells[3].alignment = Alignment(wrap_text=True, vertical="top")
    return _save(book)


def party_workbook(community: Region, year: int, employer: str | None = None) -> bytes:
    rows = party_report(community, year, employer)
    book = new_workbook()
    what = _("in-service party members reporting home")
    heading = _("%(community)s, %(year)s: %(what)s") % {
        "community": community.name,
        "year": year,
        "what": what,
    }
    notes = [_made_on()]
    if employer is not None:
        notes.insert(0, _("Employer: %(employer)s") % {"employer": employer or "—"})
    months = [date_format(date(year, m, 1), "YEAR_MONTH_FORMAT") for m in range(1, 13)]
    ws = _sheet(
        book,
        _("Party members"),
        heading,
        notes,
        [
            _("Employer"),
            name_label(),
            _("ID number (masked)"),
            _("Volunteer number"),
            _("Months reported"),
            _("Service hours this year"),
            _("Services this year"),
            _("Activities attended"),
            _("Points this year"),
            *[_("%(month)s hours") % {"month": m} for m in months],
            *[_("%(month)s services") % {"month": m} for m in months],
        ],
    )
    for row in rows:
        append_row(
            ws,
            [
                row.employer,
                row.name,
                row.id_number_masked,
                row.volunteer_no,
                row.months_reported,
                _number(row.hours),
                row.services,
                row.activities,
                row.points,
                *[_number(h) for h in row.hours_by_month],
                *row.services_by_month,
            ],
        )
    _widths(ws, (22, 12, 22, 14, 10, 12, 10, 10, 10, *([11] * 24)))
    return _save(book)
