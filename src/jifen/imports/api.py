"""Imports over HTTP: the roster and paper history from Excel, their templates, and the
approval of imported history. Thin: the services check who may and what is valid."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from jifen.api.fields import Id, ReasonIn
from jifen.api.security import caller
from jifen.imports import reader, selectors, services, templates
from jifen.imports.models import Batch, Kind
from jifen.lib.errors import NotFound
from jifen.people import authz
from jifen.regions.selectors import get_region

router = Router(tags=["imports"])


class RowErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportOut(Schema):
    rows: int
    created: int
    errors: list[RowErrorOut]
    dry_run: bool
    to_create: int
    skipped: int
    points: int
    batch: int | None
    status: str | None


class ImportBatchOut(Schema):
    id: int
    community: str
    kind: str
    file_name: str
    rows: int
    created: int
    skipped: int
    points: int
    status: str
    approval: str
    approvals_needed: int
    approvals: int
    created_at: Any
    decided_at: Any
    reason: str


def _run(
    request: HttpRequest, kind: str, upload: UploadedFile, community: str, dry_run: bool
) -> Status[dict[str, Any]]:
    actor = caller(request)
    region = get_region(community)
    services.require_community(actor, region)
    data = reader.read_bytes(upload)
    report = services.RUNNERS[kind](
        actor=actor,
        community=region,
        data=data,
        file_name=upload.name or "",
        dry_run=dry_run,
    )
    return Status(201 if report.created else 200, report.as_dict())


@router.post("/imports/people", response={200: ImportOut, 201: ImportOut})
def import_people(
    request: HttpRequest,
    file: File[UploadedFile],
    community: Form[str],
    dry_run: Form[bool] = True,
) -> Status[dict[str, Any]]:
    """The roster (姓名, 手机号; 身份证号, 户号, 标签, 志愿服务队). A dry run (the default)
    writes nothing; a phone already registered is skipped."""
    return _run(request, Kind.PEOPLE, file, community, dry_run)


@router.post("/imports/history", response={200: ImportOut, 201: ImportOut})
def import_history(
    request: HttpRequest,
    file: File[UploadedFile],
    community: Form[str],
    dry_run: Form[bool] = True,
) -> Status[dict[str, Any]]:
    """Paper history (手机号 or 志愿者编号, 服务日期, 积分项目, 数量, 积分, 备注): the rows wait
    for approval, then post as ``imported`` transfers dated by their service dates."""
    return _run(request, Kind.HISTORY, file, community, dry_run)


def _template(request: HttpRequest, kind: Kind, community: str | None) -> HttpResponse:
    actor = caller(request)
    authz.require(actor, services.IMPORT)
    return templates.response(kind, templates.community_for(actor, community))


@router.get("/imports/people/template", response={200: None})
def people_template(request: HttpRequest, community: str | None = None) -> HttpResponse:
    """The roster template: headers and an example row; for a community (``community``, or
    the caller's only one) a second sheet 志愿服务队 lists its teams."""
    return _template(request, Kind.PEOPLE, community)


@router.get("/imports/history/template", response={200: None})
def history_template(request: HttpRequest, community: str | None = None) -> HttpResponse:
    """The history template: headers and an example row; for a community (``community``, or
    the caller's only one) the example uses one of its item codes and a second sheet 积分项目
    lists the codes, names, units and points of the items it may import."""
    return _template(request, Kind.HISTORY, community)


def _batch_out(batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "community": batch.community.code,
        "kind": batch.kind,
        "file_name": batch.file_name,
        "rows": batch.rows,
        "created": batch.created,
        "skipped": batch.skipped,
        "points": batch.points,
        "status": batch.status,
        "approval": batch.approval,
        "approvals_needed": batch.approvals_needed,
        "approvals": batch.approvals.filter(approve=True).count(),
        "created_at": batch.created_at,
        "decided_at": batch.decided_at,
        "reason": batch.reason,
    }


def _visible(request: HttpRequest, batch_id: int) -> tuple[Any, Batch]:
    actor = caller(request)
    batch = selectors.batches_for(actor).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("There is no such import."))
    return actor, batch


@router.get("/imports/batches", response=list[ImportBatchOut])
def batches(request: HttpRequest) -> list[dict[str, Any]]:
    """The latest imports the caller may see (import or approve), newest first (at most 50)."""
    return [_batch_out(b) for b in selectors.batches_for(caller(request))[:50]]


@router.get("/imports/batches/{batch_id}", response=ImportBatchOut)
def batch(request: HttpRequest, batch_id: Id) -> dict[str, Any]:
    return _batch_out(_visible(request, batch_id)[1])


@router.post("/imports/batches/{batch_id}/approve", response=ImportBatchOut)
def approve(request: HttpRequest, batch_id: Id) -> dict[str, Any]:
    """One approval by someone other than the importer; the last one needed posts."""
    actor, found = _visible(request, batch_id)
    return _batch_out(services.approve_batch(actor=actor, batch=found))


@router.post("/imports/batches/{batch_id}/reject", response=ImportBatchOut)
def reject(request: HttpRequest, batch_id: Id, payload: ReasonIn) -> dict[str, Any]:
    actor, found = _visible(request, batch_id)
    return _batch_out(services.reject_batch(actor=actor, batch=found, reason=payload.reason))
