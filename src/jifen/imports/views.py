"""Console pages of imports: download a template, upload a file, read the dry run row by
row, confirm; and the approval of imported history by the second person.

Every decision is a service call; these views parse the form, call it and say what
happened."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.imports import reader, selectors, services, templates
from jifen.imports.forms import ApprovalModeForm, ReasonForm, UploadForm, import_communities
from jifen.imports.models import Batch, BatchStatus, Kind
from jifen.lib.errors import DomainError, PermissionDenied
from jifen.lib.pagination import paginate
from jifen.people import authz
from jifen.people.models import Person
from jifen.points.models import ImportApproval
from jifen.points.services import policy_for, update_policy
from jifen.regions.models import Region
from jifen.regions.selectors import get_region
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of

# What the preview shows of each row, by kind (the dry run's Line.cells keys).
COLUMNS = {
    Kind.PEOPLE: [
        services.NAME,
        services.PHONE,
        services.HOUSEHOLD,
        services.TAGS,
        services.TEAM,
    ],
    Kind.HISTORY: [
        "person",
        services.DATE,
        services.ITEM,
        services.QUANTITY,
        services.POINTS,
        services.NOTE,
    ],
}
PREVIEW_ROWS = 500
PREVIEW_ERRORS = 1000


def _may_see(actor: Person) -> bool:
    return authz.can(actor, services.IMPORT) or authz.can(actor, authz.REVIEW_CLAIMS)


def _kind(kind: str) -> Kind:
    if kind not in (Kind.PEOPLE, Kind.HISTORY):
        raise Http404
    return Kind(kind)


def _modes(actor: Person) -> list[tuple[str, str]]:
    """How each community the actor imports into approves imported history."""
    codes = [code for code, _name in import_communities(actor)][:20]
    out = []
    for community in Region.objects.filter(code__in=codes).order_by("path"):
        out.append((community.name, str(policy_for(community).get_import_approval_display())))
    return out


def _index(
    request: HttpRequest,
    forms: dict[str, UploadForm] | None = None,
    status: int = 200,
    mode_form: ApprovalModeForm | None = None,
) -> HttpResponse:
    actor = person_of(request)
    if not _may_see(actor):
        raise PermissionDenied()
    can_import = authz.can(actor, services.IMPORT)
    forms = forms or {}
    for kind in (Kind.PEOPLE, Kind.HISTORY):
        forms.setdefault(kind, UploadForm(actor=actor, prefix=kind))
    # ?waiting=1 (the to-do's link): the list holds only what waits for the actor's approval,
    # the same rows the to-do counts.
    only_waiting = request.GET.get("waiting") == "1"
    listed = selectors.waiting_for(actor) if only_waiting else selectors.batches_for(actor)
    return render(
        request,
        "imports/index.html",
        {
            "can_import": can_import,
            "people_form": forms[Kind.PEOPLE],
            "history_form": forms[Kind.HISTORY],
            "waiting": selectors.waiting_for(actor)[:50],
            "modes": _modes(actor) if can_import else [],
            "communities": import_communities(actor) if can_import else [],
            "mode_form": mode_form or ApprovalModeForm(actor=actor, prefix="mode"),
            "can_set_mode": authz.can(actor, authz.MANAGE_RULES),
            "only_waiting": only_waiting,
            "page": paginate(request, listed, per_page=20),
        },
        status=status,
    )


@console_view
def index(request: HttpRequest) -> HttpResponse:
    return _index(request)


@console_view
def template(request: HttpRequest, kind: str) -> HttpResponse:
    """The template, for ``?community=<code>`` or the only community the actor imports into:
    the example and the lists of items or teams are that community's."""
    actor = person_of(request)
    authz.require(actor, services.IMPORT)
    kind = _kind(kind)
    return templates.response(kind, templates.community_for(actor, request.GET.get("community")))


def _preview(
    request: HttpRequest,
    kind: Kind,
    report: services.Report,
    community: Any,
    upload_id: int | None,
    status: int = 200,
) -> HttpResponse:
    columns = COLUMNS[kind]
    lines = [
        (line.row, line.action, [line.cells.get(c, "") for c in columns])
        for line in report.lines[:PREVIEW_ROWS]
    ]
    headers = [_("Person") if c == "person" else c for c in columns]
    return render(
        request,
        "imports/preview.html",
        {
            "kind": kind,
            "report": report,
            "community": community,
            "upload_id": upload_id,
            "headers": headers,
            "lines": lines,
            "more_lines": max(0, len(report.lines) - PREVIEW_ROWS),
            "errors": report.errors[:PREVIEW_ERRORS],
            "more_errors": max(0, len(report.errors) - PREVIEW_ERRORS),
        },
        status=status,
    )


@console_view
@require_POST
def check(request: HttpRequest, kind: str) -> HttpResponse:
    """The dry run of an uploaded file; a file without errors is kept for the confirmation."""
    kind = _kind(kind)
    actor = person_of(request)
    form = UploadForm(request.POST, request.FILES, actor=actor, prefix=kind)
    if not form.is_valid():
        return _index(request, {kind: form}, status=400)
    community = get_region(form.cleaned_data["community"])
    upload = form.cleaned_data["file"]
    try:
        data = reader.read_bytes(upload)
        report = services.RUNNERS[kind](
            actor=actor, community=community, data=data, file_name=upload.name, dry_run=True
        )
    except DomainError as exc:
        exc.field = "file" if exc.field not in form.fields else exc.field
        add_domain_error(form, exc)
        return _index(request, {kind: form}, status=400)
    kept = None
    if not report.errors and report.to_create:
        kept = services.keep_upload(
            actor=actor, community=community, kind=kind, data=data, name=upload.name or ""
        )
    return _preview(request, kind, report, community, kept.pk if kept else None)


@console_view
@require_POST
def confirm(request: HttpRequest, upload_id: int) -> HttpResponse:
    actor = person_of(request)
    upload = services.take_upload(actor=actor, upload_id=upload_id)
    kind, community = Kind(upload.kind), upload.community
    report = services.confirm_upload(actor=actor, upload=upload)
    if report.errors:  # the roster or the rules changed since the dry run
        return _preview(request, kind, report, community, None, status=409)
    if kind == Kind.PEOPLE:
        messages.success(
            request,
            _("%(created)s people registered, %(skipped)s already registered.")
            % {"created": report.created, "skipped": report.skipped},
        )
        return redirect("imports:index")
    if report.batch is None:
        messages.info(request, _("Every row of this file was already imported: nothing new."))
        return redirect("imports:index")
    messages.success(
        request,
        _("%(created)s rows imported; they post once approved.") % {"created": report.created},
    )
    return redirect("imports:batch", batch_id=report.batch.pk)


def _batch_page(
    request: HttpRequest, batch: Batch, reject_form: ReasonForm | None = None, status: int = 200
) -> HttpResponse:
    actor = person_of(request)
    approvals = list(batch.approvals.select_related("approver").order_by("created_at"))
    approved_by_me = any(a.approver_id == actor.pk for a in approvals)
    pending = batch.status == BatchStatus.PENDING and batch.kind == Kind.HISTORY
    return render(
        request,
        "imports/batch.html",
        {
            "batch": batch,
            "page": paginate(request, selectors.entries_of(batch), per_page=50),
            "approvals": approvals,
            "approved_count": sum(1 for a in approvals if a.approve),
            "pending": pending,
            "own": batch.created_by_id == actor.pk,
            "approved_by_me": approved_by_me,
            "can_decide": pending
            and not approved_by_me
            and batch.created_by_id != actor.pk
            and services.may_approve(actor, batch),
            "by_admins": batch.approval == ImportApproval.ADMINS,
            "reject_form": reject_form or ReasonForm(prefix="reject"),
        },
        status=status,
    )


@console_view
def batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    found = selectors.get_batch_for(person_of(request), batch_id)
    return _batch_page(request, found)


@console_view
@require_POST
def approve(request: HttpRequest, batch_id: int) -> HttpResponse:
    actor = person_of(request)
    found = selectors.get_batch_for(actor, batch_id)
    try:
        found = services.approve_batch(actor=actor, batch=found)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        if found.status == BatchStatus.POSTED:
            messages.success(request, _("Approved: the points are in the ledger."))
        else:
            messages.success(request, _("Approved: it waits for a second reviewer."))
    return redirect("imports:batch", batch_id=batch_id)


@console_view
@require_POST
def reject(request: HttpRequest, batch_id: int) -> HttpResponse:
    actor = person_of(request)
    found = selectors.get_batch_for(actor, batch_id)
    form = ReasonForm(request.POST, prefix="reject")
    if form.is_valid():
        try:
            services.reject_batch(actor=actor, batch=found, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Rejected: nothing was posted; the importer sees why."))
            return redirect("imports:batch", batch_id=batch_id)
    return _batch_page(request, found, reject_form=form, status=400)


@console_view
@require_POST
def mode(request: HttpRequest) -> HttpResponse:
    """The community chooses who approves its imported history (the rules' permission)."""
    actor = person_of(request)
    form = ApprovalModeForm(request.POST, actor=actor, prefix="mode")
    if not form.is_valid():
        return _index(request, status=400, mode_form=form)
    community = get_region(form.cleaned_data["community"])
    try:
        update_policy(
            actor=actor,
            community=community,
            import_approval=form.cleaned_data["import_approval"],
        )
    except DomainError as exc:
        add_domain_error(form, exc)
        return _index(request, status=400, mode_form=form)
    messages.success(request, _("Saved: imported history is approved as chosen."))
    return redirect("imports:index")
