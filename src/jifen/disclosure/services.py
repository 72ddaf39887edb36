"""Writes of 村务公开: publish, correct (a new version), the 村级月报, the calendar.

Each is one transaction, checked here: staff (or an admin) over the region publish
(``authz.PUBLISH_DISCLOSURES``); an inspector, a reviewer or a resident is refused 403
whatever the edge. What is published is never changed: a correction writes the next
version and marks the old one superseded, pointing to it. Every publication, correction
and change of the calendar is an audit row. Bad input is a 400 naming the field, and
nothing is written (uploads are checked before the first row is made).
"""

import functools
import hashlib
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from datetime import date
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.disclosure import attachments as files
from jifen.disclosure import privacy
from jifen.disclosure import seal as sealing
from jifen.disclosure.models import Attachment, Category, Disclosure, Frequency, Kind, Schedule
from jifen.disclosure.money import check_fen, yuan
from jifen.lib.bounds import MAX_DATE, MIN_DATE
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.lib.months import parse_month
from jifen.lib.text import clean_field
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import Level, Region
from jifen.witness.models import Kind as WitnessKind
from jifen.witness.services import witness

LEVELS = (Level.COUNTY, Level.TOWN, Level.COMMUNITY)
MAX_TITLE = 200
MAX_BODY = 20_000
MAX_COLUMNS = 20
MAX_ROWS = 500
MAX_CELL = 200
MAX_NOTE = 500
# 重大事项即时公开: within this many working days of the decision (lib.workdays).
AT_ONCE_DAYS = 5

# The seven headings of a 村级月报, in their order; the last is text, the others amounts.
REPORT_SECTIONS: tuple[tuple[str, Any], ...] = (
    ("income", pgettext_lazy("monthly report", "Income")),
    ("expenses", pgettext_lazy("monthly report", "Expenses")),
    ("assets", pgettext_lazy("monthly report", "Assets")),
    ("resources", pgettext_lazy("monthly report", "Resources")),
    ("debts", pgettext_lazy("monthly report", "Claims and debts")),
    ("distribution", pgettext_lazy("monthly report", "Distribution of income")),
)
MATTERS_LABEL = pgettext_lazy("monthly report", "Important matters")
SECTION_KEYS = tuple(key for key, _label in REPORT_SECTIONS)
MAX_LINES = 50
_PERIOD = re.compile(r"(?P<year>[0-9]{4})(?:-(?:0[1-9]|1[0-2])|Q[1-4])?", re.ASCII)


def section_labels() -> dict[str, str]:
    """The seven headings in the reader's language."""
    return {**{key: str(label) for key, label in REPORT_SECTIONS}, "matters": str(MATTERS_LABEL)}


# --- Checks -------------------------------------------------------------------------------


def _require(actor: Person | None, region: Region) -> None:
    """The command line (``actor=None``) is the machine's operator and trusted."""
    if actor is not None:
        authz.require(actor, authz.PUBLISH_DISCLOSURES, region)


def _region(region: Region) -> Region:
    if region.level not in LEVELS:
        raise InvalidInput(
            _("Disclosures belong to a village or community, a town or a county."),
            field="region",
        )
    return region


def _category(value: object) -> str:
    if value not in Category.values:
        raise InvalidInput(
            _("category must be one of: %(choices)s."),
            code="invalid_category",
            field="category",
            params={"choices": ", ".join(Category.values)},
        )
    return str(value)


def check_period(value: object) -> str:
    """``""``, ``YYYY-MM``, ``YYYYQn`` or ``YYYY`` within 2000..2100."""
    period = str(value or "").strip()
    if not period:
        return ""
    # ASCII digits only: "2026-+1" or a full-width "２０２６" would never match the
    # calendar's "2026-01" / "2026" and leave its period missing.
    match = _PERIOD.fullmatch(period)
    if match is not None and MIN_DATE.year <= int(match["year"]) <= MAX_DATE.year:
        return period
    raise InvalidInput(
        _("A period is a month (2026-11), a quarter (2026Q4) or a year (2026)."), field="period"
    )


def _date(value: date | None, field: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, date) or not MIN_DATE <= value <= MAX_DATE:
        raise InvalidInput(_("Choose a day between 2000 and 2100."), field=field)
    return value


def clean_table(table: Any) -> dict[str, Any]:
    """``{"columns": [{"name", "money"}], "rows": [[cell]]}``: text cells one line of at most
    200 characters, money cells whole fen (or null for an empty cell); ``{}`` for none."""
    if table in (None, {}, ""):
        return {}
    if not isinstance(table, dict):
        raise InvalidInput(_("A table has columns and rows."), field="table")
    columns_in, rows_in = table.get("columns"), table.get("rows")
    if not isinstance(columns_in, list) or not isinstance(rows_in, list):
        raise InvalidInput(_("A table has columns and rows."), field="table")
    if not 1 <= len(columns_in) <= MAX_COLUMNS:
        raise InvalidInput(
            _("A table has 1 to %(n)s columns."), field="table", params={"n": MAX_COLUMNS}
        )
    if len(rows_in) > MAX_ROWS:
        raise InvalidInput(
            _("A table has at most %(n)s rows."), field="table", params={"n": MAX_ROWS}
        )
    columns = []
    for column in columns_in:
        if isinstance(column, str):
            column = {"name": column}
        if not isinstance(column, dict):
            raise InvalidInput(_("A table has columns and rows."), field="table")
        name = clean_field(column.get("name"), "table", 50)
        columns.append({"name": name, "money": column.get("money") is True})
    rows = []
    for row in rows_in:
        if not isinstance(row, list) or len(row) != len(columns):
            raise InvalidInput(
                _("Every row of the table has one cell for each column (%(n)s)."),
                field="table",
                params={"n": len(columns)},
            )
        cells: list[Any] = []
        for column, cell in zip(columns, row, strict=True):
            if column["money"]:
                cells.append(None if cell in (None, "") else check_fen(cell, "table"))
            else:
                if cell is not None and not isinstance(cell, str | int) or isinstance(cell, bool):
                    raise InvalidInput(_("A table's cell is text."), field="table")
                cells.append(
                    clean_field(
                        "" if cell is None else str(cell), "table", MAX_CELL, required=False
                    ).replace("\n", " ")
                )
        rows.append(cells)
    return {"columns": columns, "rows": rows}


def clean_report(sections: Any, matters: Any) -> dict[str, Any]:
    """The six sections of amounts, each's lines adding up to its stated total (400
    ``total_mismatch`` naming the section otherwise), and the important matters."""
    if not isinstance(sections, dict):
        raise InvalidInput(_("The report's sections are missing."), field="sections")
    unknown = set(sections) - set(SECTION_KEYS)
    if unknown:
        raise InvalidInput(
            _("The report has no section %(name)s."),
            field="sections",
            params={"name": sorted(unknown)[0][:30]},
        )
    labels = section_labels()
    out: dict[str, Any] = {}
    for key in SECTION_KEYS:
        section = sections.get(key) or {}
        if not isinstance(section, dict):
            raise InvalidInput(_("The report's sections are missing."), field=key)
        lines_in = section.get("lines") or []
        if not isinstance(lines_in, list) or len(lines_in) > MAX_LINES:
            raise InvalidInput(
                _("A section has at most %(n)s lines."), field=key, params={"n": MAX_LINES}
            )
        lines: list[dict[str, Any]] = []
        amounts: list[int] = []
        for line in lines_in:
            if not isinstance(line, dict):
                raise InvalidInput(_("A line has a label and an amount."), field=key)
            label = clean_field(line.get("label"), key, 100).replace("\n", " ")
            amounts.append(check_fen(line.get("amount"), key))
            lines.append({"label": label, "amount": amounts[-1]})
        total = check_fen(section.get("total", 0), f"{key}.total")
        added = sum(amounts)
        if added != total:
            raise InvalidInput(
                _(
                    "%(section)s: the total is %(total)s yuan, but its lines add up to "
                    "%(sum)s yuan."
                ),
                code="total_mismatch",
                field=key,
                params={"section": labels[key], "total": yuan(total), "sum": yuan(added)},
            )
        out[key] = {"lines": lines, "total": total}
    return {
        "sections": out,
        "matters": clean_field(matters, "matters", 5000, required=False, lines=True),
    }


def _uploads(uploads: Iterable[Any], already: int = 0) -> list[files.Clean]:
    uploads = list(uploads)
    if already + len(uploads) > files.MAX_FILES:
        raise InvalidInput(
            _("At most %(n)s attachments to an item."),
            field="attachments",
            params={"n": files.MAX_FILES},
        )
    return [files.clean_upload(upload) for upload in uploads]


P = ParamSpec("P")
R = TypeVar("R")
# The files a write has put on disk so far; removed again if the write fails.
_STORED: ContextVar[list[str] | None] = ContextVar("disclosure_stored", default=None)


def _files_undone_on_failure(func: Callable[P, R]) -> Callable[P, R]:
    """Around a write's transaction: a file stored by a write that then fails (a later
    check, the audit row, a database error at commit) is deleted, so a refused or failed
    publication leaves nothing on disk. A nested write leaves it to the outermost."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if _STORED.get() is not None:
            return func(*args, **kwargs)
        stored: list[str] = []
        token = _STORED.set(stored)
        try:
            return func(*args, **kwargs)
        except BaseException:
            storage = Attachment._meta.get_field("file").storage
            for name in stored:
                try:
                    storage.delete(name)
                except OSError:
                    pass
            raise
        finally:
            _STORED.reset(token)

    return wrapper


def _store(item: Disclosure, cleaned: Sequence[files.Clean], actor: Person | None) -> None:
    for clean in cleaned:
        row = Attachment(
            disclosure=item,
            name=clean.name,
            content_type=clean.content_type,
            size=len(clean.data),
            sha256=hashlib.sha256(clean.data).hexdigest(),
            width=clean.width,
            height=clean.height,
            uploaded_by=actor,
        )
        row.file.save(f"{uuid.uuid4().hex}.{clean.extension}", ContentFile(clean.data), save=False)
        stored = _STORED.get()
        if stored is not None and row.file.name:
            stored.append(row.file.name)
        row.save()


def _follows(actor: Person | None, follows: Disclosure | None) -> Disclosure | None:
    if follows is None:
        return None
    if actor is not None and not authz.can(actor, authz.PUBLISH_DISCLOSURES, follows.region):
        raise InvalidInput(_("Link only to items of your own regions."), field="follows")
    return follows.series or follows


def _audit(actor: Person | None, action: str, item: Disclosure, **after: Any) -> None:
    record(
        actor=actor,
        action=action,
        target=item,
        region=item.region,
        after={
            "title": item.title,
            "category": item.category,
            "version": item.version,
            "series": item.series_id,
            "period": item.period,
            **after,
        },
    )


# --- Sealing ---------------------------------------------------------------------------------


def _lock_chain(region: Region) -> None:
    # The region's disclosures chain their seals: two published at once would both chain
    # to the same previous seal. The second waits here for the first.
    list(Region.objects.select_for_update().filter(pk=region.pk).values_list("pk"))


def file_sha256(attachment: Attachment) -> str:
    """SHA-256 (hex) of an attachment's bytes as stored now (OSError when unreadable)."""
    digest = hashlib.sha256()
    with attachment.file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _content(item: Disclosure, attachments: Sequence[tuple[str, str]]) -> bytes:
    return sealing.content(
        region=item.region.code,
        id=item.pk,
        series=item.series_id or item.pk,
        version=item.version,
        kind=item.kind,
        category=item.category,
        period=item.period,
        decided_on=item.decided_on,
        title=item.title,
        body=item.body,
        table=item.table,
        report=item.report,
        correction_note=item.correction_note,
        published_at=item.published_at,
        attachments=attachments,
    )


def sealed_content(item: Disclosure) -> bytes:
    """The content bytes as sealed, from the stored fields and attachment digests."""
    return _content(item, [(a.name, a.sha256) for a in item.attachments.order_by("pk")])


def _previous_seal(item: Disclosure) -> str:
    return (
        Disclosure.objects.filter(region_id=item.region_id, pk__lt=item.pk)
        .exclude(seal="")
        .order_by("-pk")
        .values_list("seal", flat=True)
        .first()
    ) or ""


def _seal(item: Disclosure) -> None:
    """Seal a just-published item and witness its seal above its region (same
    transaction: both or neither)."""
    rows = list(item.attachments.order_by("pk"))
    for row in rows:
        if not row.sha256:  # a file kept from a version published before sealing
            row.sha256 = file_sha256(row)
            row.save(update_fields=["sha256"])
    pairs = [(a.name, a.sha256) for a in rows]
    item.content_root = sealing.root(_content(item, pairs))
    item.previous_seal = _previous_seal(item)
    item.seal = sealing.seal(
        item.region.code, item.pk, item.version, len(pairs), item.content_root, item.previous_seal
    )
    item.save(update_fields=["content_root", "previous_seal", "seal"])
    witness(
        community=item.region,
        kind=WitnessKind.DISCLOSURE,
        period=timezone.localtime(item.published_at).strftime("%Y-%m"),
        subject=str(item.pk),
        seal=item.seal,
        root=item.content_root,
        count=len(pairs),
    )


def seal_now(item: Disclosure) -> tuple[int, str, str]:
    """(attachments, root, seal) worked out afresh from the item's stored fields and its
    files' bytes as they are now, chained to its stored previous seal: what ``jifen
    verify --against`` compares with the seal witnessed. OSError for an unreadable file."""
    pairs = [(a.name, file_sha256(a)) for a in item.attachments.order_by("pk")]
    root = sealing.root(_content(item, pairs))
    return (
        len(pairs),
        root,
        sealing.seal(item.region.code, item.pk, item.version, len(pairs), root, item.previous_seal),
    )


def check_seals(region: Region | None = None) -> Iterator[str]:
    """``jifen verify``: every sealed disclosure of the region still gives its seal from
    its stored fields and files; one line per item that does not, or cannot be read."""
    items = Disclosure.objects.exclude(seal="").select_related("region").order_by("pk")
    if region is not None:
        items = items.filter(region__path__startswith=region.path)
    for item in items.iterator(chunk_size=500):
        try:
            _count, root, sealed = seal_now(item)
        except OSError as exc:
            yield f"disclosure {item.region.code} #{item.pk}: a file could not be read: {exc}"
            continue
        if (root, sealed) != (item.content_root, item.seal):
            yield (
                f"disclosure {item.region.code} #{item.pk}: its content or files changed "
                "after it was sealed"
            )


# --- Publishing ------------------------------------------------------------------------------


@_files_undone_on_failure
@transaction.atomic
def publish(
    *,
    actor: Person | None,
    region: Region,
    category: str,
    title: str,
    body: str = "",
    table: Any = None,
    period: str = "",
    decided_on: date | None = None,
    follows: Disclosure | None = None,
    attachments: Iterable[Any] = (),
    kind: str = Kind.ITEM,
    report: dict[str, Any] | None = None,
) -> Disclosure:
    """Publish an item at once; it is public from this moment on."""
    _require(actor, region)
    _region(region)
    category = _category(category)
    welfare = category == Category.WELFARE
    item = Disclosure(
        region=region,
        category=category,
        kind=kind,
        title=privacy.mask_text(clean_field(title, "title", MAX_TITLE), welfare=welfare),
        body=privacy.mask_text(
            clean_field(body, "body", MAX_BODY, required=False, lines=True), welfare=welfare
        ),
        table=privacy.mask_table(clean_table(table), welfare=welfare),
        report=privacy.mask_report(report or {}),
        period=check_period(period),
        decided_on=_date(decided_on, "decided_on"),
        follows=_follows(actor, follows),
        published_by=actor,
        published_at=timezone.now(),
    )
    cleaned = _uploads(attachments)
    # Locked before the row takes its id: the region's seals chain in id order.
    _lock_chain(region)
    item.save()
    item.series = item
    item.thread = item.follows.thread if item.follows is not None else item
    item.save(update_fields=["series", "thread"])
    _store(item, cleaned, actor)
    _seal(item)
    _audit(
        actor,
        "disclosure.publish",
        item,
        attachments=len(cleaned),
        thread=item.thread_id,
        seal=item.seal,
    )
    return item


def _locked_current(item: Disclosure | int) -> Disclosure:
    pk = item.pk if isinstance(item, Disclosure) else item
    try:
        row = Disclosure.objects.select_for_update().select_related("region").get(pk=pk)
    except (Disclosure.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such disclosure.")) from None
    if not row.is_current:
        raise Conflict(
            _("This version has been replaced by version %(version)s; correct that one."),
            code="superseded",
            params={"version": row.superseded_by.version if row.superseded_by else "?"},
        )
    return row


@_files_undone_on_failure
@transaction.atomic
def correct(
    *,
    actor: Person | None,
    item: Disclosure | int,
    note: str,
    title: str | None = None,
    body: str | None = None,
    table: Any = None,
    period: str | None = None,
    decided_on: date | None = None,
    attachments: Iterable[Any] = (),
    drop_attachments: Iterable[int] = (),
    sections: Any = None,
    matters: Any = None,
) -> Disclosure:
    """更正: publish the next version of ``item``; the old one stays public, marked
    superseded and pointing to this one. What is not given is carried over."""
    old = _locked_current(item)
    _require(actor, old.region)
    welfare = old.category == Category.WELFARE
    note = privacy.mask_text(clean_field(note, "note", MAX_NOTE, lines=True), welfare=welfare)
    report = old.report
    if old.kind == Kind.MONTHLY_REPORT and sections is not None:
        report = privacy.mask_report(
            {"month": old.report.get("month", old.period), **clean_report(sections, matters)}
        )
    drop = {int(pk) for pk in drop_attachments if isinstance(pk, int) and not isinstance(pk, bool)}
    kept = [a for a in old.attachments.all() if a.pk not in drop]
    new = Disclosure(
        region=old.region,
        category=old.category,
        kind=old.kind,
        title=privacy.mask_text(
            clean_field(old.title if title is None else title, "title", MAX_TITLE),
            welfare=welfare,
        ),
        body=privacy.mask_text(
            clean_field(
                old.body if body is None else body, "body", MAX_BODY, required=False, lines=True
            ),
            welfare=welfare,
        ),
        table=old.table
        if table is None
        else privacy.mask_table(clean_table(table), welfare=welfare),
        report=report,
        period=old.period if period is None else check_period(period),
        decided_on=old.decided_on if decided_on is None else _date(decided_on, "decided_on"),
        series_id=old.series_id,
        version=old.version + 1,
        follows_id=old.follows_id,
        thread_id=old.thread_id,
        correction_note=note,
        published_by=actor,
        published_at=timezone.now(),
    )
    cleaned = _uploads(attachments, already=len(kept))
    # Locked before the new row takes its id: the region's seals chain in id order.
    _lock_chain(old.region)
    new.save()
    for kept_file in kept:
        Attachment.objects.create(
            disclosure=new,
            file=kept_file.file.name,
            name=kept_file.name,
            content_type=kept_file.content_type,
            size=kept_file.size,
            sha256=kept_file.sha256,
            width=kept_file.width,
            height=kept_file.height,
            uploaded_by=kept_file.uploaded_by,
        )
    _store(new, cleaned, actor)
    _seal(new)
    old.is_current = False
    old.superseded_by = new
    old.save(update_fields=["is_current", "superseded_by"])
    _audit(
        actor,
        "disclosure.correct",
        new,
        note=note,
        replaces=old.pk,
        attachments=len(kept) + len(cleaned),
        seal=new.seal,
    )
    return new


def report_title(region: Region, month: str) -> str:
    first = parse_month(month)
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("%(region)s monthly finance report, %(year)s-%(month)02d") % {
            "region": region.name,
            "year": first.year,
            "month": first.month,
        }


@_files_undone_on_failure
@transaction.atomic
def publish_monthly_report(
    *,
    actor: Person | None,
    region: Region,
    month: str,
    sections: Any,
    matters: Any = "",
    title: str = "",
    body: str = "",
    attachments: Iterable[Any] = (),
) -> Disclosure:
    """村级月报: the month's finances under the seven headings, each section's total
    checked against its lines, published as the month's ``finance`` disclosure (which
    fulfils the calendar's monthly finance obligation). One per region and month: a
    second is a correction."""
    _require(actor, region)
    _region(region)
    first = parse_month(month)
    if first > timezone.localdate().replace(day=1):
        raise InvalidInput(
            _("A month's report is published once the month has begun."), field="month"
        )
    label = first.strftime("%Y-%m")
    report = {"month": label, **clean_report(sections, matters)}
    # Two staff sending the month's report at once: the second waits here, then finds the
    # first and hears 409 (no two current reports of one month).
    list(Region.objects.select_for_update().filter(pk=region.pk).values_list("pk"))
    if Disclosure.objects.filter(
        region=region, kind=Kind.MONTHLY_REPORT, period=label, is_current=True
    ).exists():
        raise Conflict(
            _("The report of %(month)s is already published; correct it instead."),
            code="already_published",
            params={"month": label},
        )
    return publish(
        actor=actor,
        region=region,
        category=Category.FINANCE,
        title=title or report_title(region, label),
        body=body,
        period=label,
        attachments=attachments,
        kind=Kind.MONTHLY_REPORT,
        report=report,
    )


def count_view(item: Disclosure) -> None:
    """One more reader of the item (counted on its series' first version): one UPDATE,
    and a page is never refused for a count it could not write."""
    try:
        with transaction.atomic():  # a savepoint: a failed count leaves the request usable
            Disclosure.objects.filter(pk=item.series_id or item.pk).update(views=F("views") + 1)
    except DatabaseError:  # a locked SQLite file, a read-only replica: the page still shows
        pass


# --- The calendar ------------------------------------------------------------------------------


@transaction.atomic
def save_schedule(
    *,
    actor: Person | None,
    region: Region,
    category: str,
    frequency: str,
    due_day: Any = 10,
    starts_on: date | None = None,
    note: str = "",
) -> Schedule:
    """Set the region's obligation for ``category`` (one line per category)."""
    _require(actor, region)
    _region(region)
    category = _category(category)
    if frequency not in Frequency.values:
        raise InvalidInput(
            _("frequency must be one of: %(choices)s."),
            field="frequency",
            params={"choices": ", ".join(Frequency.values)},
        )
    if isinstance(due_day, bool) or not isinstance(due_day, int) or not 1 <= due_day <= 28:
        raise InvalidInput(_("The due day is a day of the month from 1 to 28."), field="due_day")
    starts_on = _date(starts_on, "starts_on") or timezone.localdate().replace(day=1)
    row, created = Schedule.objects.update_or_create(
        region=region,
        category=category,
        defaults={
            "frequency": frequency,
            "due_day": due_day,
            "starts_on": starts_on,
            "note": clean_field(note, "note", 200, required=False),
        },
    )
    record(
        actor=actor,
        action="disclosure.schedule.save",
        target=row,
        region=region,
        after={
            "category": category,
            "frequency": frequency,
            "due_day": due_day,
            "starts_on": starts_on.isoformat(),
            "created": created,
        },
    )
    return row


@transaction.atomic
def delete_schedule(*, actor: Person | None, schedule: Schedule) -> None:
    _require(actor, schedule.region)
    record(
        actor=actor,
        action="disclosure.schedule.delete",
        target=schedule,
        region=schedule.region,
        before={"category": schedule.category, "frequency": schedule.frequency},
    )
    schedule.delete()


def refuse_readers(actor: Person | None) -> None:
    """For edges that want to say 403 before parsing uploads (an inspector's POST)."""
    if actor is not None and not authz.can(actor, authz.PUBLISH_DISCLOSURES):
        raise PermissionDenied(
            _("Your role does not allow you to %(action)s here."),
            params={"action": authz.PUBLISH_DISCLOSURES.label},
        )
