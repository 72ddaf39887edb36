"""每月一公示 over HTTP: staff draft a month, the review group publishes and seals it,
anyone reads it without logging in, residents object, fetch the proof of their own entries
and anyone checks a proof.

Thin on purpose: the services check who may and what is valid, so this module only finds
what the caller may see (anything else is 404), parses the input and shapes the answer.
A draft is seen only by staff and reviewers of its community; a published month by
everyone, through ``/public/...``.
"""

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Body, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from jifen.api.fields import Code, Id, LongText, Month
from jifen.api.security import caller
from jifen.lib.bounds import MAX_LIMIT, MAX_OFFSET
from jifen.lib.errors import Conflict, InvalidInput, NotFound
from jifen.lib.pagination import Paging
from jifen.people import authz
from jifen.people.models import Person
from jifen.publicity import seal, selectors, services
from jifen.publicity.models import Announcement, Objection, ObjectionStatus
from jifen.publicity.models import Status as State
from jifen.regions.selectors import get_region

router = Router(tags=["announcements"])


# --- Output -------------------------------------------------------------------------------


class MonthTotalsOut(Schema):
    issued: int = Field(description="points issued in the month, less those taken back")
    redeemed: int = Field(description="points spent in the month, less refunds")
    expired: int
    entries: int = Field(description="point changes of residents and organisations")
    transfers: int = Field(description="every transfer of the month, the sealed ones")
    people: int = Field(description="residents and organisations whose points changed")


class RankOut(Schema):
    place: int
    name: str = Field(description="masked (王*梅), or 志愿者 and the number without consent")
    volunteer_no: str
    points: int


class SealOut(Schema):
    version: str = Field(description="jifen-seal-v2 (or jifen-seal-v1 for older months)")
    root: str = Field(description="hex SHA-256 Merkle root over the month's transfers")
    count: int = Field(description="how many transfers the root covers")
    seal: str = Field(description="hex SHA-256 of the seal lines (docs/verification.md)")
    previous_seal: str = Field(description="the community's previous seal; empty for the first")
    previous: str = Field(description="the same as previous_seal (kept for older clients)")
    published_at: str = Field(description="ISO 8601, local time with its offset, to the second")


class AnnouncementOut(Schema):
    id: int
    community: str = Field(description="the community's code")
    community_name: str
    month: str = Field(description="YYYY-MM")
    status: str = Field(description="draft or published")
    status_label: str
    totals: MonthTotalsOut | None = Field(
        description="null only when the stored totals cannot be read (see jifen verify)"
    )
    ranking: list[RankOut]
    drafted_at: str = Field(description="ISO 8601, local time with its offset, to the second")
    published_at: str | None = Field(description="likewise; null for a draft")
    objections_until: str | None = Field(description="objections are taken until then")
    seal: SealOut | None = Field(description="set once published")


class StaffAnnouncementOut(AnnouncementOut):
    drafted_by: str | None = Field(description="null: drafted by `jifen tick`")
    published_by: str | None
    open_objections: int = Field(description="objections waiting for an answer")


class LineOut(Schema):
    transfer: int = Field(description="the ledger transfer")
    date: date
    name: str = Field(description="masked, as on the printed announcement")
    volunteer_no: str
    item: str = Field(description="the service item, or what kind of change it is")
    points: int = Field(description="signed: + earned, − spent or taken back")


class LinesOut(Schema):
    lines: list[LineOut] = Field(description="the month's point changes, oldest first")
    lines_count: int
    limit: int
    offset: int


class AnnouncementDetailOut(AnnouncementOut, LinesOut):
    pass


class StaffAnnouncementDetailOut(StaffAnnouncementOut, LinesOut):
    can_draft: bool = Field(description="whether the caller may draft this month again")
    can_publish: bool = Field(description="whether the caller may publish it")


class ObjectionOut(Schema):
    id: int
    announcement: int
    transfer: int | None
    text: str
    status: str = Field(description="open or answered")
    status_label: str
    created_at: datetime
    answer: str
    answered_at: datetime | None
    correction: int | None = Field(description="the adjustment made for it, if any")


class StaffObjectionOut(ObjectionOut):
    person: int
    person_name: str
    volunteer_no: str | None


class SealedTotalsOut(Schema):
    issued: int
    redeemed: int
    expired: int
    entries: int
    transfers: int
    people: int


class ProofEntryOut(Schema):
    transfer: int
    index: int = Field(description="the entry's place among the month's leaves, from 0")
    entry: str = Field(description="the canonical entry: the text that is hashed")
    salt: str | None = Field(
        default=None, description="v2: hex of this entry's salt (yours only; never public)"
    )
    private: str | None = Field(
        default=None, description="v2: the private entry, whose salted hash is in the leaf"
    )
    path: list[list[str]] = Field(description='[["L" or "R", sibling hex], ...] to the root')


class ProofOut(Schema):
    version: str
    announcement: int
    community: str
    month: str
    published_at: str
    count: int
    root: str
    previous_seal: str
    seal: str
    totals: SealedTotalsOut | None = Field(default=None, description="v2: the sealed totals")
    entries: list[ProofEntryOut]


class CheckedEntryOut(Schema):
    transfer: Any = Field(description="the transfer id inside the entry")
    ok: bool = Field(description="the entry leads to the root")
    amount: Any = None
    kind: Any = None
    created_at: Any = None
    memo: Any = None


class PublishedSealOut(Schema):
    announcement: int
    community: str
    community_name: str
    month: str
    seal: str
    published_at: str = Field(description="ISO 8601, local time with its offset, to the second")
    matches: bool = Field(description="the document's seal is the one published here")
    witnessed: bool = Field(description="the document's seal is in the county's checkpoint")


class VerifyOut(Schema):
    ok: bool = Field(
        description="every entry leads to the root, the root to the seal, and "
        "the seal is the one published for that community and month"
    )
    problems: list[str]
    seal_ok: bool = Field(description="the seal follows from the document's own lines")
    entries: list[CheckedEntryOut]
    published: PublishedSealOut | None


def _unreadable() -> Conflict:
    return Conflict(
        _("This month's seal could not be read on the server. Tell the community."),
        code="seal_unreadable",
    )


def _seal_out(announcement: Announcement) -> dict[str, Any] | None:
    if announcement.status != State.PUBLISHED:
        return None
    return {
        "version": seal.VERSIONS.get(announcement.version, ""),
        "root": announcement.root,
        "count": announcement.leaf_count,
        "seal": announcement.seal,
        "previous_seal": announcement.previous_seal,
        "previous": announcement.previous_seal,
        "published_at": selectors.published_at(announcement),
    }


def _totals(announcement: Announcement) -> dict[str, int] | None:
    """The stored totals, or None when they cannot be read as whole numbers (changed
    behind Jifen's back: ``jifen verify`` names it; one such month never breaks a list)."""
    keys = ("issued", "redeemed", "expired", "entries", "transfers", "people")
    stored = announcement.totals
    if not isinstance(stored, dict):
        return None
    values = {key: stored.get(key, 0) for key in keys}
    if not all(
        type(value) is int and abs(value) <= seal.MAX_SAFE_INTEGER for value in values.values()
    ):
        return None
    return values


RANK_FIELDS = {"place": int, "name": str, "volunteer_no": str, "points": int}


def _ranking(announcement: Announcement) -> list[dict[str, Any]]:
    """The stored ranking, without any row that is not one (never a 500 over a bad row)."""
    stored = announcement.ranking
    if not isinstance(stored, list):
        return []
    return [
        {key: row[key] for key in RANK_FIELDS}
        for row in stored
        if isinstance(row, dict)
        and all(type(row.get(key)) is kind for key, kind in RANK_FIELDS.items())
    ]


def _announcement_out(announcement: Announcement) -> dict[str, Any]:
    return {
        "id": announcement.pk,
        "community": announcement.community.code,
        "community_name": announcement.community.name,
        "month": announcement.month,
        "status": announcement.status,
        "status_label": str(announcement.get_status_display()),
        "totals": _totals(announcement),
        "ranking": _ranking(announcement),
        "drafted_at": selectors.moment(announcement.drafted_at),
        "published_at": selectors.moment(announcement.published_at),
        "objections_until": selectors.moment(announcement.objections_until),
        "seal": _seal_out(announcement),
    }


def _staff_out(announcement: Announcement) -> dict[str, Any]:
    drafted_by, published_by = announcement.drafted_by, announcement.published_by
    return {
        **_announcement_out(announcement),
        "drafted_by": drafted_by.name if drafted_by else None,
        "published_by": published_by.name if published_by else None,
        "open_objections": getattr(announcement, "open_objections", 0),
    }


class PageIn(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"lines per page, at most {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def _lines(announcement: Announcement, page: PageIn) -> dict[str, Any]:
    rows = selectors.lines(announcement.community, announcement.month)
    window = rows[page.offset : page.offset + page.limit]
    return {
        "lines": [
            {
                "transfer": line.transfer_id,
                "date": line.day,
                "name": line.name,
                "volunteer_no": line.volunteer_no,
                "item": line.what,
                "points": line.points,
            }
            for line in map(selectors.line, window)
        ],
        "lines_count": rows.count(),
        "limit": page.limit,
        "offset": page.offset,
    }


def _objection_out(objection: Objection) -> dict[str, Any]:
    return {
        "id": objection.pk,
        "announcement": objection.announcement_id,
        "transfer": objection.transfer_id,
        "text": objection.text,
        "status": objection.status,
        "status_label": str(objection.get_status_display()),
        "created_at": objection.created_at,
        "answer": objection.answer,
        "answered_at": objection.answered_at,
        "correction": objection.correction_id,
    }


def _staff_objection_out(objection: Objection) -> dict[str, Any]:
    return {
        **_objection_out(objection),
        "person": objection.person_id,
        "person_name": objection.person.name,
        "volunteer_no": objection.person.volunteer_no,
    }


class _Shaped:
    """A queryset that ninja's paginator slices and counts, shaped row by row."""

    def __init__(self, rows: QuerySet[Any], shape: Any) -> None:
        self.rows, self.shape = rows, shape

    def count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        return [self.shape(row) for row in self.rows[window]]


def _choice(value: str, choices: list[str], field: str) -> str:
    if value and value not in choices:
        raise InvalidInput(
            _("%(field)s must be one of: %(choices)s."),
            field=field,
            params={"field": field, "choices": ", ".join(choices)},
        )
    return value


# --- Staff: draft, review, publish --------------------------------------------------------


class DraftIn(Schema):
    community: Code = Field(description="the community's code")
    month: Month = Field(description="YYYY-MM, a month that has ended")


@router.post("/announcements", response={200: StaffAnnouncementOut, 201: StaffAnnouncementOut})
def draft(request: HttpRequest, payload: DraftIn) -> Status[dict[str, Any]]:
    """Staff draft the 公示 of a community's ended month (201); drafting it again while it is
    a draft works its figures out again (200). A published month never changes (409
    ``already_published``); a month not over is refused (409 ``month_not_ended``)."""
    actor = caller(request)
    community = get_region(payload.community)
    existed = Announcement.objects.filter(community=community, month=payload.month).exists()
    announcement = services.draft(actor=actor, community=community, month=payload.month)
    fresh = selectors.get_for_staff(actor, announcement.pk)
    return Status(200 if existed else 201, _staff_out(fresh))


class StaffFilters(Schema):
    status: str = Field("", max_length=16, description="draft or published; empty: both")
    community: str = Field("", max_length=32, description="a region code: months under it")
    month: str = Field("", max_length=16, description="YYYY-MM")


@router.get("/announcements", response=list[StaffAnnouncementOut])
@paginate(Paging)
def list_announcements(request: HttpRequest, filters: Query[StaffFilters]) -> _Shaped:
    """The months of the communities where the caller drafts or publishes, drafts too,
    newest month first, each with its objections waiting for an answer."""
    viewer = caller(request)
    if not (
        authz.can(viewer, authz.DRAFT_ANNOUNCEMENTS)
        or authz.can(viewer, authz.PUBLISH_ANNOUNCEMENTS)
    ):
        authz.require(viewer, authz.DRAFT_ANNOUNCEMENTS)  # refuses, naming the action
    rows = selectors.staff_announcements(viewer)
    if _choice(filters.status, list(State.values), "status"):
        rows = rows.filter(status=filters.status)
    if filters.community:
        rows = rows.filter(community__path__startswith=get_region(filters.community).path)
    if filters.month:
        rows = rows.filter(month=filters.month)
    return _Shaped(rows, _staff_out)


def _for_staff(request: HttpRequest, announcement_id: Id) -> tuple[Person, Announcement]:
    viewer = caller(request)
    return viewer, selectors.get_for_staff(viewer, announcement_id)


@router.get("/announcements/{announcement_id}", response=StaffAnnouncementDetailOut)
def get_announcement(
    request: HttpRequest, announcement_id: Id, page: Query[PageIn]
) -> dict[str, Any]:
    """One month as staff and reviewers of its community see it, a draft too, with its
    lines paged by ``limit`` and ``offset``."""
    viewer, announcement = _for_staff(request, announcement_id)
    draft_open = announcement.status == State.DRAFT
    return {
        **_staff_out(announcement),
        **_lines(announcement, page),
        "can_draft": draft_open
        and authz.can(viewer, authz.DRAFT_ANNOUNCEMENTS, announcement.community),
        "can_publish": draft_open
        and authz.can(viewer, authz.PUBLISH_ANNOUNCEMENTS, announcement.community),
    }


@router.post("/announcements/{announcement_id}/publish", response=StaffAnnouncementOut)
def publish(request: HttpRequest, announcement_id: Id) -> dict[str, Any]:
    """A reviewer (or admin) publishes the draft and seals its month; objections open for
    the community's window. Months are published in order (409 ``out_of_order``)."""
    viewer, announcement = _for_staff(request, announcement_id)
    services.publish(actor=viewer, announcement=announcement.pk)
    return _staff_out(selectors.get_for_staff(viewer, announcement.pk))


class ObjectionFilters(Schema):
    status: str = Field("", max_length=16, description="open or answered; empty: both")


@router.get("/announcements/{announcement_id}/objections", response=list[StaffObjectionOut])
@paginate(Paging)
def list_objections(
    request: HttpRequest, announcement_id: Id, filters: Query[ObjectionFilters]
) -> _Shaped:
    """The objections to a month, oldest first (the one waiting longest on top): for staff
    of its community, who must answer them."""
    viewer, announcement = _for_staff(request, announcement_id)
    authz.require(viewer, authz.DRAFT_ANNOUNCEMENTS, announcement.community)
    rows = announcement.objections.select_related("person").order_by("created_at", "pk")
    if _choice(filters.status, list(ObjectionStatus.values), "status"):
        rows = rows.filter(status=filters.status)
    return _Shaped(rows, _staff_objection_out)


class AnswerIn(Schema):
    answer: LongText
    correction: Id | None = Field(
        default=None, description="the adjustment made for it (in this community), if any"
    )


@router.post("/objections/{objection_id}/answer", response=StaffObjectionOut)
def answer(request: HttpRequest, objection_id: Id, payload: AnswerIn) -> dict[str, Any]:
    """Staff answer an objection, naming the correction (an adjustment that references the
    original entry) when one was made."""
    viewer = caller(request)
    objection = (
        Objection.objects.select_related("announcement__community").filter(pk=objection_id).first()
    )
    if (
        objection is None
        or not selectors.staff_announcements(viewer).filter(pk=objection.announcement_id).exists()
    ):
        raise NotFound(_("There is no such objection."))
    answered = services.answer(
        actor=viewer, objection=objection.pk, text=payload.answer, correction_id=payload.correction
    )
    answered = Objection.objects.select_related("person").get(pk=answered.pk)
    return _staff_objection_out(answered)


# --- Public: read, object, prove, verify ----------------------------------------------------


class PublicFilters(Schema):
    community: str = Field("", max_length=32, description="a region code: months under it")


@router.get("/public/announcements", auth=None, response=list[AnnouncementOut])
@paginate(Paging)
def list_published(request: HttpRequest, filters: Query[PublicFilters]) -> _Shaped:
    """Published months, newest first; no login."""
    community = get_region(filters.community) if filters.community else None
    return _Shaped(selectors.published(community), _announcement_out)


@router.get("/public/announcements/{announcement_id}", auth=None, response=AnnouncementDetailOut)
def get_published(request: HttpRequest, announcement_id: Id, page: Query[PageIn]) -> dict[str, Any]:
    """The published 公示, no login: masked names, items, point changes as signed integers,
    totals, ranking and the seal; lines paged by ``limit`` and ``offset``."""
    announcement = selectors.get_published(announcement_id)
    return {**_announcement_out(announcement), **_lines(announcement, page)}


class EntryLineOut(Schema):
    transfer: int = Field(description="the transfer id")
    date: str = Field(description="YYYY-MM-DD: the day it was written (local time)")
    debit: str = Field(
        description='the account points leave: "person:<volunteer no>", "<kind>:#<id>"'
    )
    credit: str = Field(description="the account points reach, likewise")
    amount: int = Field(description="above 0")
    kind: str
    item: str = Field(description="the point item's code, empty when none")
    service_date: str | None = Field(description="YYYY-MM-DD or null")
    reverses: int | None = Field(description="the transfer it reverses, or null")
    private: str = Field(description="hex SHA-256 of salt and private fields")


class EntriesOut(Schema):
    announcement: int
    community: str
    month: str
    version: str = Field(description="jifen-seal-v2; jifen-seal-v1: no lines, not rebuildable")
    rebuildable: bool = Field(description="whether the root can be rebuilt from these lines")
    fields: list[str] = Field(description="the leaf's fields in encoding order")
    published_at: str
    count: int = Field(description="how many leaves the seal covers")
    root: str
    previous_seal: str
    seal: str
    totals: SealedTotalsOut | None = Field(description="the totals the seal covers (v2)")
    lines_count: int = Field(description="how many lines the month has now, on every page")
    page: int
    page_size: int
    pages: int
    lines: list[EntryLineOut] = Field(description="in transfer id order: the leaves' order")


class EntriesPageIn(Schema):
    page: int = Field(1, ge=1, le=100_000, description="from 1; past the last: no lines")


@router.get("/public/announcements/{announcement_id}/entries", auth=None, response=EntriesOut)
def public_entries(
    request: HttpRequest, announcement_id: Id, query: Query[EntriesPageIn]
) -> dict[str, Any]:
    """Every line of a published month as its leaf is made (public fields and the digest
    of the private ones), in pages of 5,000 in transfer id order: with all of them anyone
    rebuilds the month's root, its totals and its seal (docs/verification.md). A month
    sealed under v1 answers its version, ``rebuildable`` false and no lines. No login;
    404 for a draft or an unknown id."""
    try:
        return selectors.public_entries(selectors.get_published(announcement_id), query.page)
    except ValueError:  # stored seal data that cannot be read: said, never a 500
        raise _unreadable() from None


class ObjectionIn(Schema):
    text: LongText
    transfer: Id | None = Field(default=None, description="the entry objected to, if one")


@router.post("/public/announcements/{announcement_id}/objections", response={201: ObjectionOut})
def object_to(
    request: HttpRequest, announcement_id: Id, payload: ObjectionIn
) -> Status[dict[str, Any]]:
    """异议: anyone logged in objects within the window (409 ``objection_window_closed``
    after it); staff must answer."""
    objection = services.object_to(
        actor=caller(request),
        announcement=selectors.get_published(announcement_id),
        text=payload.text,
        transfer_id=payload.transfer,
    )
    return Status(201, _objection_out(objection))


@router.get("/public/announcements/{announcement_id}/proof", response=ProofOut)
def proof(request: HttpRequest, announcement_id: Id) -> dict[str, Any]:
    """The proof of the caller's own entries in the sealed month: each canonical entry and
    its path to the root. Check it at ``POST /public/verify``, on the ``/verify/`` page or
    offline (docs/verification.md)."""
    try:
        return selectors.proof_for(caller(request), selectors.get_published(announcement_id))
    except ValueError:  # stored seal data that cannot be read: said, never a 500
        raise _unreadable() from None


def _checked_entry(entry: selectors.EntryCheck) -> dict[str, Any]:
    fields = entry.fields
    return {
        "transfer": entry.transfer,
        "ok": entry.ok,
        "amount": fields.get("amount"),
        "kind": fields.get("kind"),
        "created_at": fields.get("created_at"),
        "memo": fields.get("memo"),
    }


def verify_out(document: Any) -> dict[str, Any]:
    """A proof document checked on its own and against the seal published here."""
    found = selectors.verdict(document)
    announcement = found.announcement
    return {
        "ok": found.ok,
        "problems": [str(problem) for problem in found.problems],
        "seal_ok": found.check.seal_ok,
        "entries": [_checked_entry(entry) for entry in found.check.entries],
        "published": None
        if announcement is None
        else {
            "announcement": announcement.pk,
            "community": announcement.community.code,
            "community_name": announcement.community.name,
            "month": announcement.month,
            "seal": announcement.seal,
            "published_at": selectors.published_at(announcement),
            "matches": found.matches,
            "witnessed": bool(found.witnessed),
        },
    }


@router.post("/public/verify", auth=None, response=VerifyOut)
def verify(request: HttpRequest, document: Body[dict[str, Any]]) -> dict[str, Any]:
    """Check a proof document (the answer of ``GET /public/announcements/{id}/proof``), no
    login: each entry must lead to the root, the root to the seal, and the seal must be
    the one published for that community and month. ``ok`` false lists the problems."""
    return verify_out(document)
