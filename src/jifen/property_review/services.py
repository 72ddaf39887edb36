"""Writes of 物业互评: one transaction per operation, permission checked here.

Staff over the round's region (``MANAGE_PROPERTY_REVIEWS``: a town's or a community's)
plan the round, take its steps and sort and verify the findings; a panel member scores
and records findings for their own inspection only; the contact of a property company
(``OrganizationMember.is_contact``, not a role) reports its findings rectifying and
fixed. Every step of a round or a finding is checked against its table in ``models``
(409 ``invalid_transition`` naming the current status) and written to its history and
the audit log in the same transaction.

Scores and the round's closing both lock the round's row, so no score lands after the
count; the unique ``(member, item)`` is the database's guard behind it.
"""

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.audit.services import record
from jifen.claims.photos import FORMATS, clean_image, read_upload
from jifen.incidents import services as incidents
from jifen.incidents.models import Incident
from jifen.lib import notify, workdays
from jifen.lib.bounds import check_date
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.lib.text import clean_field
from jifen.notices import services as notices
from jifen.notices.texts import say
from jifen.people import authz
from jifen.people.models import Organization, OrganizationKind, OrganizationMember, Person
from jifen.property_review import selectors
from jifen.property_review.models import (
    FINDING_STEPS,
    GROUP_MAX,
    ITEM_MAX,
    LOCATION_MAX,
    MAX_COMPANIES,
    MAX_COMPOUNDS,
    MAX_FINDINGS_PER_INSPECTION,
    MAX_INSPECTIONS,
    MAX_ITEMS,
    MAX_PANEL,
    MAX_PHOTOS,
    MAX_SCORE_MAX,
    MAX_SCORE_MIN,
    NOTE_MAX,
    PROBLEM_MAX,
    ROUND_STEPS,
    TITLE_MAX,
    Company,
    Compound,
    Finding,
    FindingEvent,
    FindingPhoto,
    FindingStatus,
    Inspection,
    Item,
    ItemResult,
    PanelKind,
    PanelMember,
    Result,
    Round,
    RoundEvent,
    RoundStatus,
    Score,
    may_take_finding,
    may_take_round,
    quarter_label,
)
from jifen.regions.models import Level, Region

QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
# Working days a company has to rectify a tracked finding, unless staff set a date.
RECTIFY_DAYS = 10
TWO = Decimal("0.01")

# The usual checklist of 物业服务 (100 marks), from which a new round starts: staff change
# it before the round opens.
DEFAULT_CHECKLIST: tuple[tuple[str | Promise, str | Promise, int], ...] = (
    (
        pgettext_lazy("checklist group", "Cleanliness"),
        _("Roads, stairwells and public areas clean; rubbish sorted and cleared daily"),
        20,
    ),
    (
        pgettext_lazy("checklist group", "Greenery"),
        _("Lawns, trees and flower beds tended; no bare or overgrown patches"),
        15,
    ),
    (
        pgettext_lazy("checklist group", "Safety"),
        _("Fire passages clear, extinguishers in date, patrols and gate records kept"),
        20,
    ),
    (
        pgettext_lazy("checklist group", "Facilities"),
        _("Lifts, lights, water pumps and access control working and inspected"),
        15,
    ),
    (
        pgettext_lazy("checklist group", "Order"),
        _("Parking orderly, no illegal building or stalls, e-bikes not charged in stairwells"),
        15,
    ),
    (
        pgettext_lazy("checklist group", "Service attitude"),
        _("Service desk staffed, repairs answered on time, fees and notices displayed"),
        15,
    ),
)


# --- Helpers ------


def parse_quarter(value: Any, field: str = "quarter") -> str:
    """``2026Q4``: a year from 2000 to 2100 and its quarter; 400 otherwise."""
    found = QUARTER.match(value.strip()) if isinstance(value, str) else None
    if found is None or not 2000 <= int(found.group(1)) <= 2100:
        raise InvalidInput(
            _("Give the quarter as YYYYQn, for example 2026Q4."),
            code="invalid_quarter",
            field=field,
        )
    return found.group(0)


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """The first and last day of a quarter."""
    year, q = int(quarter[:4]), int(quarter[5])
    first = date(year, 3 * q - 2, 1)
    after = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return first, after - timedelta(days=1)


def _line(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    return clean_field(value, field, limit, required=required)


def _text(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    return clean_field(value, field, limit, required=required, lines=True)


def _require_staff(actor: Person | None, round_: Round) -> None:
    if actor is not None:
        authz.require(actor, authz.MANAGE_PROPERTY_REVIEWS, round_.region)


def _locked(round_: Round | int) -> Round:
    pk = round_.pk if isinstance(round_, Round) else round_
    try:
        return Round.objects.select_for_update(of=("self",)).select_related("region").get(pk=pk)
    except (Round.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such property review.")) from None


def _require_round_step(round_: Round, step: str) -> None:
    if not may_take_round(step, round_.status):
        raise Conflict(
            _("This review is %(status)s, so it cannot be %(step)s."),
            code="invalid_transition",
            params={"status": round_.get_status_display(), "step": ROUND_STEPS[step].label},
        )


def _require_planning(round_: Round, *, open_too: bool = False) -> None:
    allowed = {RoundStatus.DRAFT, RoundStatus.OPEN} if open_too else {RoundStatus.DRAFT}
    if round_.status not in allowed:
        raise Conflict(
            _("The plan of this review can no longer be changed: it is %(status)s."),
            code="round_not_draft",
            params={"status": round_.get_status_display()},
        )


def _round_event(
    round_: Round,
    step: str,
    actor: Person | None,
    *,
    before: str,
    note: str = "",
    audit: dict[str, Any] | None = None,
) -> RoundEvent:
    event = RoundEvent.objects.create(
        round=round_,
        step=step,
        from_status=before,
        to_status=round_.status,
        actor=actor,
        note=note[:NOTE_MAX],
    )
    record(
        actor=actor,
        action=f"property_review.{step}",
        target=round_,
        region=round_.region,
        before={"status": before} if before else None,
        after={"status": round_.status, **(audit or {})},
    )
    return event


def _url(name: str, pk: int) -> str:
    try:
        return reverse(f"property_review:{name}", args=[pk])
    except NoReverseMatch:  # the pages are not wired (a test of the services alone)
        return ""


def _tell(
    people: Iterable[Person | None],
    subject: str | Promise,
    body: str | Promise,
    *,
    url: str = "",
    skip: Person | None = None,
    **params: Any,
) -> int:
    seen: set[int] = set()
    targets = []
    for person in people:
        if person is None or not person.is_active or person.pk in seen:
            continue
        if skip is not None and person.pk == skip.pk:
            continue
        seen.add(person.pk)
        targets.append(person)
    if not targets:
        return 0
    return notices.send(
        [
            notify.Message(
                p, say(subject, **params), say(body, **params), kind="property_review", url=url
            )
            for p in targets
        ]
    )


def _photos(
    finding: Finding, uploads: Sequence[Any], actor: Person | None, event: FindingEvent
) -> int:
    if len(uploads) > MAX_PHOTOS:
        raise InvalidInput(
            _("At most %(n)s photos at a time."), field="photos", params={"n": MAX_PHOTOS}
        )
    for upload in uploads:
        data, fmt, width, height = clean_image(read_upload(upload))
        extension, content_type = FORMATS[fmt]
        photo = FindingPhoto(
            finding=finding,
            event=event,
            content_type=content_type,
            width=width,
            height=height,
            uploaded_by=actor,
        )
        photo.image.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
        photo.save()
    return len(uploads)


def _serves(organization: Organization, region: Region) -> bool:
    return region.is_within(organization.region) or organization.region.is_within(region)


def _whole(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            _("A whole number from %(min)s to %(max)s, please."),
            code="out_of_range",
            field=field,
            params={"min": low, "max": high},
        )
    return value


# --- Planning a round ------


@transaction.atomic
def create_round(
    *,
    actor: Person | None,
    region: Region,
    quarter: Any,
    title: str = "",
    copy_previous: bool = True,
) -> Round:
    """A quarter's review in a town or a community. Its plan starts from the region's
    last round (companies, compounds, checklist) when there is one and ``copy_previous``,
    else from the default checklist; staff change it before opening."""
    if region.level not in (Level.TOWN, Level.COMMUNITY):
        raise InvalidInput(_("A property review is held by a town or a community."), field="region")
    if actor is not None:
        authz.require(actor, authz.MANAGE_PROPERTY_REVIEWS, region)
    quarter = parse_quarter(quarter)
    if (
        Round.objects.filter(region=region, quarter=quarter)
        .exclude(status=RoundStatus.CANCELLED)
        .exists()
    ):
        raise Conflict(
            _("%(region)s has a review for %(quarter)s already."),
            code="round_exists",
            field="quarter",
            params={"region": region.name, "quarter": quarter},
        )
    title = (
        _line(title, "title", TITLE_MAX, required=False)
        or str(
            say(
                _("%(region)s property review %(quarter)s"),
                region=region.name,
                quarter=quarter_label(quarter),
            )
        )[:TITLE_MAX]
    )
    previous = (
        Round.objects.filter(region=region, quarter__lt=quarter)
        .exclude(status=RoundStatus.CANCELLED)
        .order_by("-quarter")
        .first()
        if copy_previous
        else None
    )
    try:
        with transaction.atomic():
            round_ = Round.objects.create(
                region=region, quarter=quarter, title=title, created_by=actor
            )
    except IntegrityError:  # the same quarter, created at the same moment
        raise Conflict(
            _("%(region)s has a review for %(quarter)s already."),
            code="round_exists",
            field="quarter",
            params={"region": region.name, "quarter": quarter},
        ) from None
    if previous is not None:
        for item in previous.items.all():
            Item.objects.create(
                round=round_,
                group=item.group,
                title=item.title,
                max_score=item.max_score,
                position=item.position,
            )
        companies = {}
        for company in previous.companies.select_related("organization"):
            companies[company.pk] = Company.objects.create(
                round=round_, organization=company.organization
            )
        for compound in previous.compounds.all():
            Compound.objects.create(
                round=round_, region_id=compound.region_id, company=companies[compound.company_id]
            )
    else:
        for position, (group, text, top) in enumerate(DEFAULT_CHECKLIST):
            Item.objects.create(
                round=round_,
                group=str(group)[:GROUP_MAX],
                title=str(text)[:ITEM_MAX],
                max_score=top,
                position=position,
            )
    _round_event(
        round_,
        "create",
        actor,
        before="",
        audit={
            "quarter": quarter,
            "title": title,
            "region": region.code,
            "copied_from": previous.pk if previous else None,
        },
    )
    return round_


@transaction.atomic
def add_company(
    *,
    actor: Person | None,
    round: Round,  # noqa: A002 - the name callers use
    organization: Organization,
    compounds: Sequence[Region] = (),
) -> Company:
    """A property company takes part, with the compounds it manages in the round's region
    (a compound is managed by one company in a round). Adding again adds compounds."""
    round_ = _locked(round)
    _require_staff(actor, round_)
    _require_planning(round_)
    if organization.kind != OrganizationKind.PROPERTY:
        raise InvalidInput(
            _("%(name)s is not a property company."),
            code="not_property_company",
            field="organization",
            params={"name": organization.name},
        )
    if not _serves(organization, round_.region):
        raise InvalidInput(
            _("%(name)s does not serve %(region)s."),
            code="organization_elsewhere",
            field="organization",
            params={"name": organization.name, "region": round_.region.name},
        )
    company = Company.objects.filter(round=round_, organization=organization).first()
    if company is None:
        if round_.companies.count() >= MAX_COMPANIES:
            raise InvalidInput(
                _("At most %(n)s companies, please."),
                field="organization",
                params={"n": MAX_COMPANIES},
            )
        company = Company.objects.create(round=round_, organization=organization)
    if len(compounds) + round_.compounds.count() > MAX_COMPOUNDS:
        raise InvalidInput(
            _("At most %(n)s compounds, please."), field="compounds", params={"n": MAX_COMPOUNDS}
        )
    added = []
    for region in dict.fromkeys(compounds):
        if region.level != Level.COMPOUND or not region.is_within(round_.region):
            raise InvalidInput(
                _("%(name)s is not a compound of %(region)s."),
                code="not_a_compound",
                field="compounds",
                params={"name": region.name, "region": round_.region.name},
            )
        held = Compound.objects.filter(round=round_, region=region).select_related(
            "company__organization"
        )
        found = held.first()
        if found is not None and found.company_id != company.pk:
            raise Conflict(
                _("%(compound)s is managed by %(company)s in this review."),
                code="compound_taken",
                field="compounds",
                params={"compound": region.name, "company": found.company.organization.name},
            )
        if found is None:
            Compound.objects.create(round=round_, region=region, company=company)
            added.append(region.code)
    record(
        actor=actor,
        action="property_review.add_company",
        target=round_,
        region=round_.region,
        after={"organization": organization.name, "compounds": added},
    )
    return company


@transaction.atomic
def remove_company(*, actor: Person | None, company: Company) -> None:
    """Take a company (its compounds, its inspections) out of a round still planned."""
    round_ = _locked(company.round_id)
    _require_staff(actor, round_)
    _require_planning(round_)
    name = company.organization.name
    Inspection.objects.filter(round=round_, inspector=company).delete()
    Company.objects.filter(pk=company.pk).delete()
    record(
        actor=actor,
        action="property_review.remove_company",
        target=round_,
        region=round_.region,
        before={"organization": name},
    )


@transaction.atomic
def add_item(
    *,
    actor: Person | None,
    round: Round,  # noqa: A002
    group: str,
    title: str,
    max_score: Any,
) -> Item:
    """A line of the checklist, while the round is planned."""
    round_ = _locked(round)
    _require_staff(actor, round_)
    _require_planning(round_)
    top = _whole(max_score, "max_score", MAX_SCORE_MIN, MAX_SCORE_MAX)
    if round_.items.count() >= MAX_ITEMS:
        raise InvalidInput(
            _("At most %(n)s items, please."), field="title", params={"n": MAX_ITEMS}
        )
    last = round_.items.order_by("-position").first()
    item = Item.objects.create(
        round=round_,
        group=_line(group, "group", GROUP_MAX),
        title=_line(title, "title", ITEM_MAX),
        max_score=top,
        position=(last.position + 1) if last else 0,
    )
    record(
        actor=actor,
        action="property_review.add_item",
        target=round_,
        region=round_.region,
        after={"group": item.group, "title": item.title, "max_score": top},
    )
    return item


@transaction.atomic
def remove_item(*, actor: Person | None, item: Item) -> None:
    round_ = _locked(item.round_id)
    _require_staff(actor, round_)
    _require_planning(round_)
    Item.objects.filter(pk=item.pk).delete()
    record(
        actor=actor,
        action="property_review.remove_item",
        target=round_,
        region=round_.region,
        before={"group": item.group, "title": item.title, "max_score": item.max_score},
    )


def _conflicted(person: Person, inspection: Inspection) -> bool:
    """A member of either company of the inspection sits on no panel of it."""
    orgs = [inspection.inspector.organization_id, inspection.inspected.organization_id]
    return OrganizationMember.objects.filter(organization_id__in=orgs, person=person).exists()


def _add_member(round_: Round, inspection: Inspection, person: Person, kind: str) -> PanelMember:
    if kind not in PanelKind.values:
        raise InvalidInput(_("Choose owner or party member."), field="kind")
    if not person.is_active:
        raise InvalidInput(_("This person's account is closed."), field="person")
    if person.community is None or not person.community.is_within(round_.region):
        raise InvalidInput(
            _("%(name)s is not a resident of %(region)s."),
            code="not_a_resident",
            field="person",
            params={"name": person.name, "region": round_.region.name},
        )
    if kind == PanelKind.PARTY and not person.is_party_member:
        raise InvalidInput(
            _("%(name)s is not recorded as a party member."),
            code="not_a_party_member",
            field="kind",
            params={"name": person.name},
        )
    if _conflicted(person, inspection):
        raise InvalidInput(
            _("%(name)s belongs to one of the companies of this inspection."),
            code="conflict_of_interest",
            field="person",
            params={"name": person.name},
        )
    if inspection.panel.count() >= MAX_PANEL:
        raise InvalidInput(_("At most %(n)s on a panel."), field="person", params={"n": MAX_PANEL})
    member, _created = PanelMember.objects.get_or_create(
        inspection=inspection, person=person, defaults={"kind": kind}
    )
    return member


@transaction.atomic
def plan_inspection(
    *,
    actor: Person | None,
    round: Round,  # noqa: A002
    compound: Compound,
    inspector: Company,
    scheduled_on: date | None = None,
    panel: Sequence[tuple[Person, str]] = (),
) -> Inspection:
    """Company ``inspector`` inspects ``compound`` (never one it manages itself), with its
    panel of owners and party members; planned before or while the round is open."""
    round_ = _locked(round)
    _require_staff(actor, round_)
    _require_planning(round_, open_too=True)
    if compound.round_id != round_.pk or inspector.round_id != round_.pk:
        raise NotFound(_("That compound or company is not in this review."), field="compound")
    if compound.company_id == inspector.pk:
        raise InvalidInput(
            _("A company does not inspect a compound it manages itself."),
            code="own_compound",
            field="inspector",
        )
    if scheduled_on is not None:
        if not isinstance(scheduled_on, date) or isinstance(scheduled_on, datetime):
            raise InvalidInput(_("Give the date of the inspection."), field="scheduled_on")
        check_date(scheduled_on, "scheduled_on")
    if Inspection.objects.filter(compound=compound, inspector=inspector).exists():
        raise Conflict(
            _("%(company)s inspects %(compound)s already."),
            code="inspection_exists",
            field="inspector",
            params={"company": inspector.organization.name, "compound": compound.region.name},
        )
    if round_.inspections.count() >= MAX_INSPECTIONS:
        raise InvalidInput(
            _("At most %(n)s inspections, please."), field="compound", params={"n": MAX_INSPECTIONS}
        )
    inspection = Inspection.objects.create(
        round=round_,
        compound=compound,
        inspector=inspector,
        inspected_id=compound.company_id,
        scheduled_on=scheduled_on,
    )
    inspection = Inspection.objects.select_related(
        "inspector__organization", "inspected__organization", "compound__region"
    ).get(pk=inspection.pk)
    members = [_add_member(round_, inspection, person, kind) for person, kind in panel]
    record(
        actor=actor,
        action="property_review.plan_inspection",
        target=round_,
        region=round_.region,
        after={
            "inspection": inspection.pk,
            "compound": compound.region.code,
            "inspector": inspection.inspector.organization.name,
            "panel": [m.person.volunteer_no for m in members],
        },
    )
    if round_.status == RoundStatus.OPEN:
        _tell_panel(round_, members)
    return inspection


def _tell_panel(round_: Round, members: Iterable[PanelMember]) -> None:
    for member in members:
        _tell(
            [member.person],
            _("Property review: please score %(compound)s"),
            _(
                "You are on the panel inspecting %(compound)s in %(title)s. Score the "
                "checklist on your phone and record what you find; scores can be changed "
                "until the review closes."
            ),
            url=_url("inspection", member.inspection_id),
            compound=member.inspection.compound.region.name,
            title=round_.title,
        )


@transaction.atomic
def add_panel_member(
    *, actor: Person | None, inspection: Inspection, person: Person, kind: str
) -> PanelMember:
    round_ = _locked(inspection.round_id)
    _require_staff(actor, round_)
    _require_planning(round_, open_too=True)
    inspection = Inspection.objects.select_related(
        "inspector__organization", "inspected__organization", "compound__region"
    ).get(pk=inspection.pk)
    member = _add_member(round_, inspection, person, kind)
    record(
        actor=actor,
        action="property_review.add_panel_member",
        target=round_,
        region=round_.region,
        after={"inspection": inspection.pk, "person": person.volunteer_no, "kind": kind},
    )
    if round_.status == RoundStatus.OPEN:
        _tell_panel(round_, [member])
    return member


@transaction.atomic
def remove_panel_member(*, actor: Person | None, member: PanelMember) -> None:
    """Off the panel, while it has scored nothing (a score once given stays counted)."""
    round_ = _locked(member.inspection.round_id)
    _require_staff(actor, round_)
    _require_planning(round_, open_too=True)
    if member.scores.exists():
        raise Conflict(
            _("This panel member has scored already and stays on the panel."),
            code="has_scores",
        )
    PanelMember.objects.filter(pk=member.pk).delete()
    record(
        actor=actor,
        action="property_review.remove_panel_member",
        target=round_,
        region=round_.region,
        before={"inspection": member.inspection_id, "person": member.person.volunteer_no},
    )


# --- The round's steps ------


@transaction.atomic
def open_round(*, actor: Person | None, round: Round) -> Round:  # noqa: A002
    """The panels may score: at least two companies, a checklist, and an inspection with
    a panel are needed. The panel members are told."""
    round_ = _locked(round)
    _require_staff(actor, round_)
    _require_round_step(round_, "open")
    ready = (
        round_.companies.count() >= 2
        and round_.items.exists()
        and PanelMember.objects.filter(inspection__round=round_).exists()
    )
    if not ready:
        raise Conflict(
            _(
                "Before opening, name at least two companies, keep a checklist and plan "
                "an inspection with its panel."
            ),
            code="round_incomplete",
        )
    before = round_.status
    round_.status = RoundStatus.OPEN
    round_.opened_at = timezone.now()
    round_.save(update_fields=["status", "opened_at", "updated_at"])
    _round_event(round_, "open", actor, before=before)
    _tell_panel(
        round_,
        PanelMember.objects.filter(inspection__round=round_).select_related(
            "person", "inspection__compound__region"
        ),
    )
    return round_


def _average(values: Sequence[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


def _decimal(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        TWO, rounding=ROUND_HALF_UP
    )


def compute_results(round_: Round) -> list[Result]:
    """Each company's score: per item, the average over its inspections of each
    inspection's panel average (an inspection whose panel scored nothing of an item is
    left out of that item); the total, the sum of the items' averages (an item nobody
    scored counts nothing). Ranks shared by equal totals (1, 1, 3)."""
    Result.objects.filter(round=round_).delete()
    items = list(round_.items.all())
    full = sum(i.max_score for i in items)
    scores: dict[tuple[int, int, int], list[int]] = {}
    members: dict[int, set[int]] = {}
    inspections_of: dict[int, set[int]] = {}
    rows = Score.objects.filter(member__inspection__round=round_).values_list(
        "member__inspection__inspected_id", "member__inspection_id", "item_id", "score", "member_id"
    )
    for company_id, inspection_id, item_id, value, member_id in rows:
        scores.setdefault((company_id, inspection_id, item_id), []).append(value)
        members.setdefault(company_id, set()).add(member_id)
        inspections_of.setdefault(company_id, set()).add(inspection_id)
    made: list[tuple[Company, Fraction, dict[int, Fraction | None]]] = []
    for company in round_.companies.all():
        per_item: dict[int, Fraction | None] = {}
        for item in items:
            panel_averages = [
                _average([Fraction(v) for v in values])
                for (c, _i, it), values in scores.items()
                if c == company.pk and it == item.pk
            ]
            per_item[item.pk] = _average([a for a in panel_averages if a is not None])
        total = sum((v for v in per_item.values() if v is not None), Fraction(0))
        made.append((company, total, per_item))
    made.sort(key=lambda row: -row[1])
    results = []
    rank, last = 0, None
    for position, (company, total, per_item) in enumerate(made, start=1):
        if total != last:
            rank, last = position, total
        result = Result.objects.create(
            round=round_,
            company=company,
            total=_decimal(total) or Decimal("0.00"),
            full_marks=full,
            inspections=len(inspections_of.get(company.pk, ())),
            panel_members=len(members.get(company.pk, ())),
            rank=rank,
        )
        ItemResult.objects.bulk_create(
            [
                ItemResult(result=result, item_id=pk, average=_decimal(v))
                for pk, v in per_item.items()
            ]
        )
        results.append(result)
    return results


@transaction.atomic
def close_round(*, actor: Person | None, round: Round) -> Round:  # noqa: A002
    """Scores are frozen and counted per company (not yet public)."""
    round_ = _locked(round)
    _require_staff(actor, round_)
    _require_round_step(round_, "close")
    before = round_.status
    round_.status = RoundStatus.CLOSED
    round_.closed_at = timezone.now()
    round_.save(update_fields=["status", "closed_at", "updated_at"])
    results = compute_results(round_)
    _round_event(
        round_,
        "close",
        actor,
        before=before,
        audit={"results": {r.company.organization.name: str(r.total) for r in results}},
    )
    return round_


@transaction.atomic
def publish_round(*, actor: Person | None, round: Round) -> Round:  # noqa: A002
    """The scores are public (结果运用); each company's contacts are told theirs."""
    round_ = _locked(round)
    _require_staff(actor, round_)
    _require_round_step(round_, "publish")
    before = round_.status
    round_.status = RoundStatus.PUBLISHED
    round_.published_at = timezone.now()
    round_.save(update_fields=["status", "published_at", "updated_at"])
    _round_event(round_, "publish", actor, before=before)
    for result in Result.objects.filter(round=round_).select_related("company__organization"):
        _tell(
            selectors.contacts_of(result.company.organization_id),
            _("Property review %(quarter)s: your score"),
            _("%(company)s scored %(total)s of %(full)s in %(title)s, rank %(rank)s."),
            url=_url("public_detail", round_.pk),
            quarter=round_.quarter,
            company=result.company.organization.name,
            total=str(result.total),
            full=result.full_marks,
            title=round_.title,
            rank=result.rank,
        )
    return round_


@transaction.atomic
def cancel_round(*, actor: Person | None, round: Round, reason: str) -> Round:  # noqa: A002
    round_ = _locked(round)
    _require_staff(actor, round_)
    _require_round_step(round_, "cancel")
    before = round_.status
    round_.cancel_reason = _text(reason, "reason", NOTE_MAX)
    round_.status = RoundStatus.CANCELLED
    round_.save(update_fields=["status", "cancel_reason", "updated_at"])
    _round_event(round_, "cancel", actor, before=before, note=round_.cancel_reason)
    return round_


# --- The panel ------


def _panel_member(actor: Person | None, inspection: Inspection) -> PanelMember:
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Please log in first."))
    member = PanelMember.objects.filter(inspection=inspection, person=actor).first()
    if member is None:
        raise PermissionDenied(
            _("Only the panel of this inspection scores it."), code="not_on_panel"
        )
    return member


def _require_open(round_: Round) -> None:
    if round_.status != RoundStatus.OPEN:
        raise Conflict(
            _("This review is %(status)s: scores and findings are taken while it is open."),
            code="round_not_open",
            params={"status": round_.get_status_display()},
        )


@transaction.atomic
def submit_scores(
    *, actor: Person, inspection: Inspection, scores: Mapping[int, Any]
) -> list[Score]:
    """A panel member's scores, ``{item id: score}``: each a whole number from 0 to the
    item's full marks (400 ``score_out_of_range``); some items now and others later is
    fine; scoring again changes them, until the round closes (409 ``round_not_open``)."""
    member = _panel_member(actor, inspection)
    round_ = _locked(inspection.round_id)
    _require_open(round_)
    if not scores:
        raise InvalidInput(_("Score at least one item."), field="scores")
    items = {i.pk: i for i in round_.items.all()}
    clean: dict[int, int] = {}
    for key, value in scores.items():
        item = items.get(key) if isinstance(key, int) else None
        if item is None:
            raise InvalidInput(
                _("That item is not on this checklist."), code="unknown_item", field="scores"
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 <= value <= item.max_score
        ):
            raise InvalidInput(
                _("%(item)s is scored from 0 to %(max)s."),
                code="score_out_of_range",
                field="scores",
                params={"item": item.title, "max": item.max_score},
            )
        clean[key] = value
    saved = []
    for key, value in clean.items():
        score, created = Score.objects.get_or_create(
            member=member, item_id=key, defaults={"score": value}
        )
        if not created and score.score != value:
            score.score = value
            score.save(update_fields=["score", "updated_at"])
        saved.append(score)
    if member.scores.count() >= len(items):
        member.submitted_at = member.submitted_at or timezone.now()
        member.save(update_fields=["submitted_at"])
    record(
        actor=actor,
        action="property_review.score",
        target=round_,
        region=round_.region,
        after={"inspection": inspection.pk, "items": len(clean)},
    )
    return saved


def may_record(actor: Person | None, inspection: Inspection, round_: Round) -> bool:
    if actor is None:
        return True
    if authz.can(actor, authz.MANAGE_PROPERTY_REVIEWS, round_.region):
        return True
    return PanelMember.objects.filter(inspection=inspection, person=actor).exists()


@transaction.atomic
def record_finding(
    *,
    actor: Person | None,
    inspection: Inspection,
    problem: str,
    location: str = "",
    photos: Sequence[Any] = (),
) -> Finding:
    """问题汇总: a panel member (or staff, from the paper sheet) records a problem found in
    the compound, where, with photos (JPEG or PNG, re-encoded without EXIF)."""
    round_ = _locked(inspection.round_id)
    if not may_record(actor, inspection, round_):
        raise PermissionDenied(
            _("Only the panel of this inspection records its findings."), code="not_on_panel"
        )
    _require_open(round_)
    if inspection.findings.count() >= MAX_FINDINGS_PER_INSPECTION:
        raise InvalidInput(
            _("At most %(n)s findings per inspection."),
            field="problem",
            params={"n": MAX_FINDINGS_PER_INSPECTION},
        )
    finding = Finding.objects.create(
        round=round_,
        inspection=inspection,
        company_id=inspection.inspected_id,
        compound_id=inspection.compound_id,
        problem=_text(problem, "problem", PROBLEM_MAX),
        location=_line(location, "location", LOCATION_MAX, required=False),
        reported_by=actor,
    )
    event = FindingEvent.objects.create(
        finding=finding, step="record", to_status=finding.status, actor=actor
    )
    count = _photos(finding, list(photos), actor, event)
    record(
        actor=actor,
        action="property_review.record_finding",
        target=finding,
        region=round_.region,
        after={"inspection": inspection.pk, "status": finding.status, "photos": count},
    )
    return finding


# --- A finding's steps ------


def _locked_finding(finding: Finding | int) -> Finding:
    pk = finding.pk if isinstance(finding, Finding) else finding
    try:
        return (
            Finding.objects.select_for_update(of=("self",))
            .select_related("round__region", "company__organization", "compound__region")
            .get(pk=pk)
        )
    except (Finding.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such finding.")) from None


def _require_finding_step(finding: Finding, step: str) -> None:
    if not may_take_finding(step, finding.status):
        raise Conflict(
            _("This finding is %(status)s, so it cannot be %(step)s."),
            code="invalid_transition",
            params={"status": finding.get_status_display(), "step": FINDING_STEPS[step].label},
        )


def _finding_step(
    finding: Finding,
    step: str,
    actor: Person | None,
    *,
    note: str = "",
    fields: Iterable[str] = (),
    audit: dict[str, Any] | None = None,
) -> FindingEvent:
    before = finding.status
    finding.status = FINDING_STEPS[step].target
    finding.save(update_fields=["status", "updated_at", *fields])
    event = FindingEvent.objects.create(
        finding=finding,
        step=step,
        from_status=before,
        to_status=finding.status,
        actor=actor,
        note=note[:NOTE_MAX],
    )
    record(
        actor=actor,
        action=f"property_review.finding_{step}",
        target=finding,
        region=finding.round.region,
        before={"status": before},
        after={"status": finding.status, **(audit or {})},
    )
    return event


def _require_finding_staff(actor: Person | None, finding: Finding) -> None:
    if actor is not None:
        authz.require(actor, authz.MANAGE_PROPERTY_REVIEWS, finding.round.region)


def is_contact(person: Person | None, finding: Finding) -> bool:
    return (
        person is not None
        and OrganizationMember.objects.filter(
            organization_id=finding.company.organization_id, person=person, is_contact=True
        ).exists()
    )


def _require_contact(actor: Person | None, finding: Finding) -> None:
    if actor is not None and not is_contact(actor, finding):
        raise PermissionDenied(
            _("The contact of %(company)s reports its rectification."),
            code="not_the_contact",
            params={"company": finding.company.organization.name},
        )


@transaction.atomic
def track(
    *, actor: Person | None, finding: Finding | int, due_on: date | None = None, note: str = ""
) -> Finding:
    """公开反馈: the finding is the company's to rectify by ``due_on`` (10 working days by
    default), public from now on; its contacts are told."""
    finding = _locked_finding(finding)
    _require_finding_staff(actor, finding)
    _require_finding_step(finding, "track")
    today = timezone.localdate()
    if due_on is None:
        due_on = workdays.add_working_days(today, RECTIFY_DAYS)
    if not isinstance(due_on, date) or isinstance(due_on, datetime):
        raise InvalidInput(_("Give the date to rectify by."), field="due_on")
    check_date(due_on, "due_on")
    if due_on < today:
        raise InvalidInput(_("The date to rectify by cannot be past."), field="due_on")
    finding.due_on = due_on
    finding.staff_note = _text(note, "note", NOTE_MAX, required=False)
    _finding_step(
        finding,
        "track",
        actor,
        note=finding.staff_note,
        fields=["due_on", "staff_note"],
        audit={"due_on": due_on.isoformat()},
    )
    _tell(
        selectors.contacts_of(finding.company.organization_id),
        _("A finding to rectify at %(compound)s"),
        _("The property review found: %(problem)s (%(location)s). Please rectify it by %(due)s."),
        url=_url("finding", finding.pk),
        compound=finding.compound.region.name,
        problem=finding.problem[:100],
        location=finding.location or finding.compound.region.name,
        due=due_on.isoformat(),
    )
    return finding


def _stored_photos(finding: Finding) -> list[ContentFile]:  # type: ignore[type-arg]
    """The finding's photos as uploads for the incident; a file gone from the disk (a
    restore without the media) is left out rather than failing the hand-over."""
    found = []
    for photo in finding.photos.all():
        try:
            with photo.image.open("rb") as handle:
                data = handle.read()
        except OSError:
            continue
        name = (photo.image.name or "photo.jpg").rsplit("/", 1)[-1]
        found.append(ContentFile(data, name=name))
    return found


@transaction.atomic
def refer(*, actor: Person, finding: Finding | int, category: str) -> Finding:
    """Not the company's to fix (a public road, a utility's pipe): handed to the grid as
    an incident of ``category`` at the compound, with the finding's photos."""
    finding = _locked_finding(finding)
    _require_finding_staff(actor, finding)
    _require_finding_step(finding, "refer")
    photos = _stored_photos(finding)
    description = finding.problem
    if finding.location:
        description = f"{finding.location}：{description}"
    incident: Incident = incidents.report(
        actor=actor,
        region=finding.compound.region,
        category=category,
        description=str(
            say(
                _("Property review %(quarter)s: %(text)s"),
                quarter=finding.round.quarter,
                text=description,
            )
        )[:1000],
        address=finding.location,
        photos=photos[:MAX_PHOTOS],
    )
    finding.incident = incident
    _finding_step(
        finding,
        "refer",
        actor,
        note=f"#{incident.pk}",
        fields=["incident"],
        audit={"incident": incident.pk, "category": category},
    )
    return finding


@transaction.atomic
def dismiss(*, actor: Person | None, finding: Finding | int, reason: str) -> Finding:
    finding = _locked_finding(finding)
    _require_finding_staff(actor, finding)
    _require_finding_step(finding, "dismiss")
    finding.staff_note = _text(reason, "reason", NOTE_MAX)
    _finding_step(finding, "dismiss", actor, note=finding.staff_note, fields=["staff_note"])
    return finding


@transaction.atomic
def start(*, actor: Person | None, finding: Finding | int, note: str = "") -> Finding:
    """跟踪整改: the company's contact says the work has begun."""
    finding = _locked_finding(finding)
    _require_contact(actor, finding)
    _require_finding_step(finding, "start")
    _finding_step(finding, "start", actor, note=_text(note, "note", NOTE_MAX, required=False))
    return finding


@transaction.atomic
def fix(
    *, actor: Person | None, finding: Finding | int, note: str, photos: Sequence[Any] = ()
) -> Finding:
    """The company's contact reports it rectified: what was done, with photos; staff
    of the round's region are told to verify."""
    finding = _locked_finding(finding)
    _require_contact(actor, finding)
    _require_finding_step(finding, "fix")
    finding.fix_note = _text(note, "note", NOTE_MAX)
    finding.fixed_at = timezone.now()
    event = _finding_step(
        finding,
        "fix",
        actor,
        note=finding.fix_note,
        fields=["fix_note", "fixed_at"],
        audit={"photos": len(photos)},
    )
    _photos(finding, list(photos), actor, event)
    _tell(
        selectors.staff_of(finding.round.region),
        _("A fix to verify at %(compound)s"),
        _("%(company)s reports rectified: %(problem)s — %(note)s"),
        url=_url("console_finding", finding.pk),
        skip=actor,
        compound=finding.compound.region.name,
        company=finding.company.organization.name,
        problem=finding.problem[:100],
        note=finding.fix_note[:200],
    )
    return finding


@transaction.atomic
def verify(*, actor: Person | None, finding: Finding | int, ok: Any, note: str = "") -> Finding:
    """Staff check the fix: verified, or reopened with the reason (the company rectifies
    it again)."""
    finding = _locked_finding(finding)
    _require_finding_staff(actor, finding)
    if not isinstance(ok, bool):
        raise InvalidInput(_("Say whether the fix is accepted."), field="ok")
    step = "verify" if ok else "reopen"
    _require_finding_step(finding, step)
    note = _text(note, "note", NOTE_MAX, required=not ok)
    if ok:
        finding.verified_at = timezone.now()
        _finding_step(finding, step, actor, note=note, fields=["verified_at"])
    else:
        finding.staff_note = note
        _finding_step(finding, step, actor, note=note, fields=["staff_note"])
        _tell(
            selectors.contacts_of(finding.company.organization_id),
            _("A fix was not accepted at %(compound)s"),
            _("The fix of “%(problem)s” was not accepted: %(note)s"),
            url=_url("finding", finding.pk),
            compound=finding.compound.region.name,
            problem=finding.problem[:100],
            note=note[:200],
        )
    return finding


def overdue(finding: Finding, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        finding.due_on is not None
        and finding.status in (FindingStatus.OPEN, FindingStatus.RECTIFYING, FindingStatus.REOPENED)
        and finding.due_on < today
    )
