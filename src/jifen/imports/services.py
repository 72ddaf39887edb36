"""Importing a community's paper history: the roster and years of service (电子化、纸质化"双轨制").

Each import reads the whole file, checks every row, and only when no row has an error
(and it is not a dry run) writes everything in one transaction. People are created
with the people service (its validation, the ID number kept only as a keyed hash and a
masked form); a phone already registered is skipped, so importing the roster again
creates nobody. Service history becomes Entries that wait for approval; the approval
posts them as ``imported`` transfers with their original service dates. Nothing
personal is logged: the audit rows hold counts and the batch id.
"""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.claims.services import clean_quantity, points_for
from jifen.imports import reader
from jifen.imports.models import (
    Approval,
    Batch,
    BatchStatus,
    Entry,
    Kind,
    PersonTag,
    Upload,
)
from jifen.lib.bounds import MAX_POINTS, date_in_range
from jifen.lib.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from jifen.lib.text import unprintable
from jifen.people import authz
from jifen.people import services as people
from jifen.people.models import Person, Role, Team
from jifen.people.validation import (
    clean_id_number,
    clean_name,
    clean_phone,
    keyed_digest,
    normalize_phone,
)
from jifen.points import ledger
from jifen.points.ledger import Posting, ledger_text, post_many, system_account
from jifen.points.models import (
    Account,
    AccountKind,
    ImportApproval,
    RuleItem,
    RuleVersion,
    Transfer,
    TransferKind,
)
from jifen.points.services import policy_for
from jifen.regions.models import Level, Region
from jifen.regions.selectors import ancestors

# Who imports: community staff (and administrators) of the community.
IMPORT = authz.Action(
    "imports.run",
    frozenset({Role.ADMIN, Role.STAFF}),
    _("import people and service history"),
)
# In the "admins" mode, the second person: an administrator over the community.
APPROVE_AS_ADMIN = authz.Action(
    "imports.approve",
    frozenset({Role.ADMIN}),
    _("approve imported history as an administrator"),
)

# Headers (CONTRACT.md "Wave 2: daily work").
NAME, PHONE, ID_NUMBER, HOUSEHOLD, TAGS, TEAM = (
    "姓名",
    "手机号",
    "身份证号",
    "户号",
    "标签",
    "志愿服务队",
)
VOLUNTEER_NO, DATE, ITEM, QUANTITY, POINTS, NOTE = (
    "志愿者编号",
    "服务日期",
    "积分项目",
    "数量",
    "积分",
    "备注",
)
PEOPLE_REQUIRED = (NAME, PHONE)
PEOPLE_OPTIONAL = (ID_NUMBER, HOUSEHOLD, TAGS, TEAM)
HISTORY_REQUIRED = (DATE, ITEM, QUANTITY, POINTS)
HISTORY_OPTIONAL = (NOTE,)
HISTORY_PERSON = (PHONE, VOLUNTEER_NO)
_CHUNK = 2000


@dataclass
class RowError:
    row: int
    column: str
    letter: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Line:
    """What one row will do (or did): ``create``, ``skip`` (already there) or ``error``."""

    row: int
    action: str
    cells: dict[str, str]


@dataclass
class Report:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    to_create: int = 0
    skipped: int = 0
    points: int = 0
    errors: list[RowError] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    batch: Batch | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "errors": [e.as_dict() for e in self.errors],
            "dry_run": self.dry_run,
            "to_create": self.to_create,
            "skipped": self.skipped,
            "points": self.points,
            "batch": self.batch.pk if self.batch else None,
            "status": self.batch.status if self.batch else None,
        }


class _Rows:
    """Collects the errors and lines of one file."""

    def __init__(self, report: Report, sheet: reader.Sheet) -> None:
        self.report = report
        self.sheet = sheet
        self.failed: set[int] = set()

    def error(self, row: int, column: str, message: str | Promise, /, **params: Any) -> None:
        text = str(message)
        self.report.errors.append(
            RowError(row, column, self.sheet.letter(column), text % params if params else text)
        )
        self.failed.add(row)

    def domain(self, row: int, column: str, exc: DomainError) -> None:
        self.error(row, column, exc.render())


def require_community(actor: Person | None, community: Region) -> None:
    if community.level != Level.COMMUNITY:
        raise InvalidInput(
            _("%(name)s is not a community; import into a community or village."),
            code="not_a_community",
            field="community",
            params={"name": community.name},
        )
    authz.require(actor, IMPORT, community)


def _limited(value: Any, limit: int) -> str:
    return reader.text(value)[:limit]


# --- People ----------------------------------------------------------------------------------


@dataclass
class _Person:
    row: int
    name: str
    phone: str
    id_number: str
    household: str
    tags: list[str]
    team: Team | None


def import_people(
    *, actor: Person, community: Region, data: bytes, file_name: str = "", dry_run: bool = True
) -> Report:
    """The roster: 姓名, 手机号 required; 身份证号, 户号, 标签 (、), 志愿服务队 optional."""
    require_community(actor, community)
    sheet = reader.read(data, PEOPLE_REQUIRED, PEOPLE_OPTIONAL)
    report = Report(Kind.PEOPLE, dry_run, rows=len(sheet.rows))
    rows = _Rows(report, sheet)
    phones = [normalize_phone(reader.text(r.cells.get(PHONE))) for r in sheet.rows]
    registered = set(Person.objects.filter(phone__in=phones).values_list("phone", flat=True))
    teams = {t.name: t for t in Team.objects.filter(region=community)}
    seen_phones: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    fresh: list[_Person] = []
    id_hashes: dict[int, str] = {}
    for r in sheet.rows:
        cells = r.cells
        name = phone = ""
        try:
            name = clean_name(reader.text(cells.get(NAME)))
        except DomainError as exc:
            rows.domain(r.number, NAME, exc)
        try:
            phone = clean_phone(reader.text(cells.get(PHONE)))
        except DomainError as exc:
            rows.domain(r.number, PHONE, exc)
        shown = {NAME: name, PHONE: _masked_phone(phone)}
        if phone and phone in seen_phones:
            rows.error(
                r.number,
                PHONE,
                _("The same mobile number is already on row %(row)s of this file."),
                row=seen_phones[phone],
            )
        elif phone:
            seen_phones[phone] = r.number
        if phone in registered and r.number not in rows.failed:
            report.skipped += 1
            report.lines.append(Line(r.number, "skip", shown))
            continue
        id_number = ""
        raw_id = reader.text(cells.get(ID_NUMBER))
        if raw_id:
            try:
                id_number = clean_id_number(raw_id)
            except DomainError as exc:
                rows.domain(r.number, ID_NUMBER, exc)
            else:
                digest = keyed_digest(id_number, "id-number")
                if digest in seen_ids:
                    rows.error(
                        r.number,
                        ID_NUMBER,
                        _("The same ID number is already on row %(row)s of this file."),
                        row=seen_ids[digest],
                    )
                else:
                    seen_ids[digest] = r.number
                    id_hashes[r.number] = digest
        household = reader.text(cells.get(HOUSEHOLD))
        if len(household) > 100 or unprintable(household):
            rows.error(r.number, HOUSEHOLD, _("A household number has at most 100 characters."))
        tags = _tags(reader.text(cells.get(TAGS)))
        if any(len(t) > 30 or unprintable(t) for t in tags):
            rows.error(r.number, TAGS, _("Each tag has at most 30 characters."))
        team_name = reader.text(cells.get(TEAM))
        team = teams.get(team_name) if team_name else None
        if team_name and team is None:
            rows.error(
                r.number,
                TEAM,
                _(
                    "There is no volunteer team named %(name)s in this community. "
                    "Create it on the console first, or leave the cell empty."
                ),
                name=team_name[:100],
            )
        if r.number in rows.failed:
            report.lines.append(Line(r.number, "error", shown))
            continue
        report.lines.append(
            Line(
                r.number,
                "create",
                {**shown, HOUSEHOLD: household, TAGS: "、".join(tags), TEAM: team_name},
            )
        )
        fresh.append(_Person(r.number, name, phone, id_number, household, tags, team))
    taken = set(
        Person.objects.filter(id_number_hash__in=list(id_hashes.values())).values_list(
            "id_number_hash", flat=True
        )
    )
    for row, digest in id_hashes.items():
        if digest in taken:
            rows.error(row, ID_NUMBER, _("A person with this ID number is already registered."))
            _mark_error(report, row)
    report.errors.sort(key=lambda e: e.row)
    report.to_create = sum(1 for p in fresh if p.row not in rows.failed)
    if dry_run or report.errors:
        return report
    with transaction.atomic():
        _create_people(actor, community, [p for p in fresh if p.row not in rows.failed])
        report.created = report.to_create
        report.batch = Batch.objects.create(
            community=community,
            kind=Kind.PEOPLE,
            file_name=file_name[:200],
            rows=report.rows,
            created=report.created,
            skipped=report.skipped,
            status=BatchStatus.DONE,
            created_by=actor,
            decided_at=timezone.now(),
        )
        record(
            actor=actor,
            action="imports.people",
            target=report.batch,
            region=community,
            after={"rows": report.rows, "created": report.created, "skipped": report.skipped},
        )
    return report


def _mark_error(report: Report, row: int) -> None:
    for line in report.lines:
        if line.row == row:
            line.action = "error"


def _tags(raw: str) -> list[str]:
    out: list[str] = []
    for part in raw.replace("，", "、").replace(",", "、").split("、"):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


def _masked_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[7:]}" if len(phone) == 11 else phone


def _create_people(actor: Person, community: Region, fresh: list[_Person]) -> None:
    for p in fresh:
        person = people.register_by_staff(
            actor=actor,
            name=p.name,
            phone=p.phone,
            community=community,
            id_number=p.id_number,
            household_label=p.household,
        )
        if p.tags:
            PersonTag.objects.bulk_create(PersonTag(person=person, name=t) for t in p.tags)
        if p.team is not None:
            people.add_team_member(actor=actor, team=p.team, person=person)


# --- Service history --------------------------------------------------------------------------


@dataclass
class _Catalogue:
    """The rule items a community may use (its own and those of the regions above it),
    with their versions, read once per file."""

    items: dict[str, RuleItem]
    versions: dict[int, list[RuleVersion]]

    @classmethod
    def of(cls, community: Region) -> "_Catalogue":
        items: dict[str, RuleItem] = {}
        depth: dict[str, int] = {}
        for item in RuleItem.objects.filter(region__in=ancestors(community)).select_related(
            "region"
        ):
            level = item.region.path.count("/")
            if item.code not in items or level > depth[item.code]:  # the nearest region wins
                items[item.code] = item
                depth[item.code] = level
        versions: dict[int, list[RuleVersion]] = defaultdict(list)
        for version in RuleVersion.objects.filter(
            item_id__in=[i.pk for i in items.values()]
        ).order_by("item_id", "version"):
            versions[version.item_id].append(version)
        return cls(items, versions)

    def price(self, item: RuleItem, on: date) -> RuleVersion | None:
        """As ``points.services.price``: the version in force on the date; the first
        version also prices earlier dates."""
        versions = self.versions.get(item.pk, [])
        if not versions:
            return None
        in_force = [v for v in versions if v.effective_from <= on]
        if in_force:
            return max(in_force, key=lambda v: (v.effective_from, v.version))
        return versions[0]


@dataclass
class _Entry:
    row: int
    person: Person
    version: RuleVersion
    quantity: Decimal
    points: int
    service_date: date
    note: str
    key: str = ""


def _unit_text(version: RuleVersion) -> str:
    return str(version.get_unit_display())


def import_history(
    *, actor: Person, community: Region, data: bytes, file_name: str = "", dry_run: bool = True
) -> Report:
    """Historical service: 手机号 or 志愿者编号, 服务日期, 积分项目, 数量, 积分, 备注. 积分 must be
    what the item's version in force on the date gives. Imported rows wait for approval."""
    require_community(actor, community)
    sheet = reader.read(data, HISTORY_REQUIRED, HISTORY_OPTIONAL, one_of=HISTORY_PERSON)
    report = Report(Kind.HISTORY, dry_run, rows=len(sheet.rows))
    rows = _Rows(report, sheet)
    catalogue = _Catalogue.of(community)
    by_phone, by_number = _people_of(sheet)
    today = timezone.localdate()
    entries: list[_Entry] = []
    for r in sheet.rows:
        cells = r.cells
        person = _person_of(rows, r, by_phone, by_number, community)
        shown: dict[str, str] = {
            "person": f"{person.name}（{person.volunteer_no}）" if person else "",
            DATE: reader.text(cells.get(DATE)),
            ITEM: reader.text(cells.get(ITEM))[:40],
            QUANTITY: reader.text(cells.get(QUANTITY))[:20],
            POINTS: reader.text(cells.get(POINTS))[:20],
            NOTE: reader.text(cells.get(NOTE))[:200],
        }
        on = reader.as_date(cells.get(DATE))
        if on is None:
            rows.error(r.number, DATE, _("Write the service date as YYYY-MM-DD, e.g. 2024-05-01."))
        elif not date_in_range(on):
            rows.error(r.number, DATE, _("The service date must be between 2000-01-01 and today."))
            on = None
        elif on > today:
            rows.error(r.number, DATE, _("The service date is in the future."))
            on = None
        code = reader.text(cells.get(ITEM))
        item = catalogue.items.get(code)
        version = None
        if not code:
            rows.error(r.number, ITEM, _("Write the code of a point item."))
        elif item is None:
            rows.error(
                r.number,
                ITEM,
                _("No point item has the code %(code)s here. See 积分项目 on the console."),
                code=code[:40],
            )
        elif on is not None:
            version = catalogue.price(item, on)
            if version is None:
                rows.error(r.number, ITEM, _("This item has no terms yet."))
        quantity: Decimal | None = None
        if version is not None:
            try:
                quantity = clean_quantity(version.unit, reader.text(cells.get(QUANTITY)))
            except DomainError as exc:
                rows.domain(r.number, QUANTITY, exc)
        written = _whole_number(cells.get(POINTS))
        if written is None or not 0 < written <= MAX_POINTS:
            rows.error(
                r.number,
                POINTS,
                _("Write the points as a whole number from 1 to %(max)s."),
                max=f"{MAX_POINTS:,}",
            )
        elif version is not None and quantity is not None and on is not None:
            due = points_for(version, quantity)
            if due != written:
                rows.error(
                    r.number,
                    POINTS,
                    # Before its first version an item has no terms in force; that version
                    # prices such service all the same (CONTRACT), and the message says so.
                    _(
                        "%(item)s on %(date)s is worth %(per)s points %(unit)s (version "
                        "%(version)s, from %(from)s): %(quantity)s gives %(due)s points, "
                        "the file says %(written)s."
                    )
                    if version.effective_from <= on
                    else _(
                        "%(item)s had no terms yet on %(date)s, so its first version (from "
                        "%(from)s) prices it: %(per)s points %(unit)s; %(quantity)s gives "
                        "%(due)s points, the file says %(written)s."
                    ),
                    item=version.name,
                    date=on.isoformat(),
                    per=version.points,
                    unit=_unit_text(version),
                    version=version.version,
                    **{"from": version.effective_from.isoformat()},
                    quantity=f"{quantity.normalize():f}",
                    due=due,
                    written=written,
                )
        note = reader.text(cells.get(NOTE))
        if len(note) > 200 or unprintable(note):
            rows.error(r.number, NOTE, _("A note has at most 200 printable characters."))
        if r.number in rows.failed:
            report.lines.append(Line(r.number, "error", shown))
            continue
        assert person is not None and version is not None and quantity is not None  # noqa: S101
        assert on is not None and written is not None  # noqa: S101
        if version:
            shown[ITEM] = f"{version.name}（{code}）"
        entries.append(_Entry(r.number, person, version, quantity, written, on, note))
        report.lines.append(Line(r.number, "create", shown))
    _key_entries(community, entries)
    existing = _existing_keys(community, [e.key for e in entries])
    fresh = []
    for entry in entries:
        if entry.key in existing:
            report.skipped += 1
            _mark(report, entry.row, "skip")
        else:
            fresh.append(entry)
    report.errors.sort(key=lambda e: e.row)
    report.to_create = len(fresh)
    report.points = sum(e.points for e in fresh)
    if dry_run or report.errors or not fresh:
        return report
    policy = policy_for(community)
    if policy.import_approval == ImportApproval.ADMINS:
        needed = 1
    else:
        needed = 2 if max(e.points for e in fresh) >= policy.cross_check_points else 1
    with transaction.atomic():
        batch = Batch.objects.create(
            community=community,
            kind=Kind.HISTORY,
            file_name=file_name[:200],
            rows=report.rows,
            created=len(fresh),
            skipped=report.skipped,
            points=report.points,
            status=BatchStatus.PENDING,
            approval=policy.import_approval,
            approvals_needed=needed,
            created_by=actor,
        )
        Entry.objects.bulk_create(
            (
                Entry(
                    batch=batch,
                    community=community,
                    row=e.row,
                    person=e.person,
                    rule_version=e.version,
                    quantity=e.quantity,
                    points=e.points,
                    service_date=e.service_date,
                    note=e.note,
                    key=e.key,
                )
                for e in fresh
            ),
            batch_size=1000,
        )
        record(
            actor=actor,
            action="imports.history",
            target=batch,
            region=community,
            after={"rows": report.rows, "created": len(fresh), "points": report.points},
        )
    report.created = len(fresh)
    report.batch = batch
    return report


def _mark(report: Report, row: int, action: str) -> None:
    for line in report.lines:
        if line.row == row:
            line.action = action
            return


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    raw = reader.text(value)
    if raw.isascii() and raw.isdigit() and len(raw) <= 12:
        return int(raw)
    return None


def _people_of(sheet: reader.Sheet) -> tuple[dict[str, Person], dict[str, Person]]:
    phones = {normalize_phone(reader.text(r.cells.get(PHONE))) for r in sheet.rows} - {""}
    numbers = {reader.text(r.cells.get(VOLUNTEER_NO)) for r in sheet.rows} - {""}
    by_phone: dict[str, Person] = {}
    by_number: dict[str, Person] = {}
    for chunk in _chunked(sorted(phones)):
        for p in Person.objects.filter(phone__in=chunk).only(*_PERSON_FIELDS):
            by_phone[p.phone] = p
    for chunk in _chunked(sorted(numbers)):
        for p in Person.objects.filter(volunteer_no__in=chunk).only(*_PERSON_FIELDS):
            by_number[str(p.volunteer_no)] = p
    return by_phone, by_number


_PERSON_FIELDS = ("id", "name", "phone", "volunteer_no", "community_id", "is_active", "erased_at")


def _chunked(values: list[str], size: int = _CHUNK) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _person_of(
    rows: _Rows,
    r: reader.Row,
    by_phone: dict[str, Person],
    by_number: dict[str, Person],
    community: Region,
) -> Person | None:
    phone = normalize_phone(reader.text(r.cells.get(PHONE)))
    number = reader.text(r.cells.get(VOLUNTEER_NO))
    if not phone and not number:
        rows.error(r.number, PHONE, _("Write the person's mobile number or volunteer number."))
        return None
    column = PHONE if phone else VOLUNTEER_NO
    person = by_phone.get(phone) if phone else by_number.get(number)
    if person is None:
        rows.error(
            r.number,
            column,
            _("Nobody with this mobile number is registered. Import the roster first.")
            if phone
            else _("No volunteer has this volunteer number."),
        )
        return None
    if phone and number and str(person.volunteer_no) != number:
        rows.error(
            r.number, VOLUNTEER_NO, _("The volunteer number is not that of this mobile number.")
        )
        return None
    if person.community_id != community.pk:
        rows.error(r.number, column, _("This person does not live in this community."))
        return None
    if not person.is_active or person.erased_at is not None:
        rows.error(r.number, column, _("This person's account is closed."))
        return None
    return person


def _key_entries(community: Region, entries: list[_Entry]) -> None:
    """Each row's key: its content, and how many identical rows came before it in the
    file (two identical lines on paper are two services), so the same file gives the
    same keys every time."""
    seen: Counter[str] = Counter()
    for e in entries:
        content = "|".join(
            [
                str(community.pk),
                str(e.person.pk),
                e.service_date.isoformat(),
                str(e.version.item_id),
                f"{e.quantity.normalize():f}",
                str(e.points),
                e.note,
            ]
        )
        seen[content] += 1
        e.key = hashlib.sha256(f"{content}|{seen[content]}".encode()).hexdigest()


def _existing_keys(community: Region, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunked(keys):
        found.update(
            Entry.objects.filter(community=community, rejected=False, key__in=chunk).values_list(
                "key", flat=True
            )
        )
    return found


# --- Approval ----------------------------------------------------------------------------------


def may_approve(actor: Person, batch: Batch) -> bool:
    if batch.approval == ImportApproval.ADMINS:
        return authz.can(actor, APPROVE_AS_ADMIN, batch.community)
    return authz.can(actor, authz.REVIEW_CLAIMS, batch.community)


def _check_approver(actor: Person, batch: Batch) -> None:
    if not may_approve(actor, batch):
        raise PermissionDenied(
            _("Only an administrator of the community approves imported history here.")
            if batch.approval == ImportApproval.ADMINS
            else _("Only the review group of the community approves imported history."),
        )
    if batch.created_by_id == actor.pk:
        raise Conflict(_("A second person must approve what you imported."), code="self_review")
    if batch.status != BatchStatus.PENDING:
        raise Conflict(
            _("This import has already been decided (%(status)s)."),
            code="already_decided",
            params={"status": batch.get_status_display()},
        )


def _locked(batch: Batch) -> Batch:
    return (
        Batch.objects.select_for_update()
        .select_related("community")
        .get(pk=batch.pk, kind=Kind.HISTORY)
    )


@transaction.atomic
def approve_batch(*, actor: Person, batch: Batch) -> Batch:
    """One approval; the last one needed posts every entry to the ledger, once."""
    batch = _locked(batch)
    _check_approver(actor, batch)
    if Approval.objects.filter(batch=batch, approver=actor).exists():
        raise Conflict(
            _("You have already approved this import; a second reviewer must approve it."),
            code="already_reviewed",
        )
    Approval.objects.create(batch=batch, approver=actor, approve=True)
    approvals = Approval.objects.filter(batch=batch, approve=True).count()
    posted = 0
    if approvals >= batch.approvals_needed:
        posted = _post(batch, actor)
        batch.status = BatchStatus.POSTED
        batch.decided_at = timezone.now()
        batch.save(update_fields=["status", "decided_at"])
    record(
        actor=actor,
        action="imports.approve",
        target=batch,
        region=batch.community,
        after={"approvals": approvals, "needed": batch.approvals_needed, "posted": posted},
    )
    return batch


@transaction.atomic
def reject_batch(*, actor: Person, batch: Batch, reason: str) -> Batch:
    batch = _locked(batch)
    _check_approver(actor, batch)
    reason = (reason or "").strip()
    if not reason or len(reason) > 200 or unprintable(reason):
        raise InvalidInput(
            _("Say why, in at most 200 characters: the importer sees it."), field="reason"
        )
    Approval.objects.create(batch=batch, approver=actor, approve=False)
    batch.status = BatchStatus.REJECTED
    batch.reason = reason
    batch.decided_at = timezone.now()
    batch.save(update_fields=["status", "reason", "decided_at"])
    Entry.objects.filter(batch=batch).update(rejected=True)
    record(
        actor=actor,
        action="imports.reject",
        target=batch,
        region=batch.community,
        after={"reason": reason},
    )
    return batch


def _post(batch: Batch, actor: Person) -> int:
    """Every entry of the batch as an ``imported`` transfer from the community's issuer,
    dated by its service date; in ascending account order (``post_many``'s lock order)."""
    community = batch.community
    issuer = system_account(community, AccountKind.ISSUER)
    entries = list(Entry.objects.filter(batch=batch).select_related("rule_version").order_by("pk"))
    person_ids = sorted({e.person_id for e in entries})
    accounts: dict[int, Account] = {}
    for chunk in _chunked([str(i) for i in person_ids]):
        for account in Account.objects.filter(
            kind=AccountKind.PERSON, person_id__in=[int(i) for i in chunk]
        ):
            accounts[account.person_id] = account  # type: ignore[index]
    missing = [i for i in person_ids if i not in accounts]
    if missing:
        # A roster just imported has no accounts yet: made in one statement, not one each.
        homes = dict(
            Person.objects.filter(pk__in=missing, community__isnull=False).values_list(
                "pk", "community_id"
            )
        )
        Account.objects.bulk_create(
            (
                Account(kind=AccountKind.PERSON, region_id=homes[i], person_id=i)
                for i in missing
                if i in homes
            ),
            batch_size=1000,
            ignore_conflicts=True,
        )
        for account in Account.objects.filter(kind=AccountKind.PERSON, person_id__in=missing):
            accounts[account.person_id] = account  # type: ignore[index]
        for person in Person.objects.filter(pk__in=[i for i in missing if i not in accounts]):
            accounts[person.pk] = ledger.account_for(person)  # refuses: no home community

    def postings() -> Iterable[Posting]:
        for e in sorted(entries, key=lambda e: (accounts[e.person_id].pk, e.pk)):
            yield Posting(
                debit=issuer,
                credit=accounts[e.person_id],
                amount=e.points,
                kind=TransferKind.IMPORTED,
                key=f"import:{e.pk}",
                actor=actor,
                memo=ledger_text(
                    _("%(item)s × %(quantity)s (imported history, import %(batch)s row %(row)s)"),
                    item=e.rule_version.name,
                    quantity=f"{e.quantity.normalize():f}",
                    batch=batch.pk,
                    row=e.row,
                ),
                rule_version=e.rule_version,
                service_date=e.service_date,
                source_type="import",
                source_id=e.pk,
            )

    posted = post_many(postings())
    # Each entry points at its transfer: one UPDATE over the (source_type, source_id)
    # index, not one per entry.
    Entry.objects.filter(batch=batch).update(
        transfer_id=Subquery(
            Transfer.objects.filter(source_type="import", source_id=OuterRef("pk")).values("pk")[:1]
        )
    )
    return posted


# --- Uploads kept between the dry run and the confirmation (pages) ---------------------------


def keep_upload(*, actor: Person, community: Region, kind: str, data: bytes, name: str) -> Upload:
    require_community(actor, community)
    Upload.objects.filter(
        created_by=actor, created_at__lt=timezone.now() - timedelta(days=1)
    ).delete()
    return Upload.objects.create(
        community=community, kind=kind, data=data, file_name=name[:200], created_by=actor
    )


def take_upload(*, actor: Person, upload_id: int) -> Upload:
    upload = (
        Upload.objects.select_related("community").filter(pk=upload_id, created_by=actor).first()
    )
    if upload is None:
        raise NotFound(
            _("This upload is no longer here. Choose the file again."), code="unknown_upload"
        )
    return upload


RUNNERS: dict[str, Callable[..., Report]] = {
    Kind.PEOPLE: import_people,
    Kind.HISTORY: import_history,
}


@transaction.atomic
def confirm_upload(*, actor: Person, upload: Upload) -> Report:
    """The import of a file checked on the console; the kept file goes once it came in."""
    report = RUNNERS[upload.kind](
        actor=actor,
        community=upload.community,
        data=bytes(upload.data),
        file_name=upload.file_name,
        dry_run=False,
    )
    if not report.errors:
        upload.delete()
    return report


def queue_q(actor: Person) -> Q:
    """History imports the actor may see: those of communities they import or approve in."""
    return authz.regions_q(actor, IMPORT, "community") | authz.regions_q(
        actor, authz.REVIEW_CLAIMS, "community"
    )
