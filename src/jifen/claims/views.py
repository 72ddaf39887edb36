"""Pages of claims: 我的申报 and declaring service for volunteers (phone first); the review
queue, one claim's review and the review cadence (一周一审核) for the review group.

Every decision is a service call; these views parse the form, call it and say what
happened. Whether a button shows is asked of the selectors, which only hide buttons:
the services refuse what is not allowed whatever a page shows.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jifen.audit.models import AuditEvent
from jifen.claims import origins, selectors, services
from jifen.claims.forms import (
    AppealDecisionForm,
    AppealForm,
    DeclareForm,
    QueueFilterForm,
    ReasonForm,
)
from jifen.claims.models import Appeal, AppealStatus, Claim, Source, Status
from jifen.lib.errors import DomainError, NotFound
from jifen.lib.pagination import paginate
from jifen.people import authz
from jifen.people.models import Person
from jifen.people.selectors import get_person_for, principals_of
from jifen.points.selectors import catalogue, visible_communities
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of, resident_view


def _add_error(form: Any, exc: DomainError) -> None:
    # The photo service names one photo ("photo"); the form has them all in "photos".
    if exc.field == "photo":
        exc.field = "photos"
    add_domain_error(form, exc)


# --- History --------------------------------------------------------------------------------

ACTIONS = {
    "claims.claim.create": gettext_lazy("Declared"),
    "claims.claim.approve": gettext_lazy("Approved"),
    "claims.claim.reject": gettext_lazy("Rejected"),
    "claims.claim.appeal": gettext_lazy("Appealed"),
    "claims.appeal.uphold": gettext_lazy("Appeal upheld"),
    "claims.appeal.dismiss": gettext_lazy("Appeal dismissed"),
    "claims.claim.revoke": gettext_lazy("Revoked"),
}


@dataclass
class Step:
    at: datetime
    action: str
    label: str
    who: str
    detail: str


def _who(event: AuditEvent, claim: Claim, names: bool) -> str:
    if event.actor is None:
        return _("the system")
    claimant_side = event.actor_id in (claim.person_id,) or event.on_behalf_of_id is not None
    if not (names or claimant_side):
        # Volunteers see the review group decide, not which neighbour did.
        if event.action == "claims.claim.create":
            return _("community staff")
        return _("the review group")
    if event.on_behalf_of is not None and event.on_behalf_of_id != event.actor_id:
        return _("%(actor)s for %(person)s") % {
            "actor": event.actor.name,
            "person": event.on_behalf_of.name,
        }
    return event.actor.name


def _detail(event: AuditEvent) -> str:
    after = event.after or {}
    if event.action == "claims.claim.create":
        return _("%(points)s points; needs %(needed)s approval(s)") % {
            "points": after.get("points", "?"),
            "needed": after.get("approvals_needed", 1),
        }
    if event.action == "claims.claim.approve":
        text = _("approval %(n)s of %(needed)s") % {
            "n": after.get("approvals", "?"),
            "needed": after.get("needed", "?"),
        }
        if after.get("posted"):
            text += " · " + _("%(points)s points posted") % {"points": after["posted"]}
        return text
    if event.action in ("claims.claim.reject", "claims.claim.revoke", "claims.claim.appeal"):
        return _("Reason: %(reason)s") % {"reason": after.get("reason", "")}
    if event.action in ("claims.appeal.uphold", "claims.appeal.dismiss"):
        text = str(after.get("note", ""))
        before = event.before or {}
        if after.get("points") != before.get("points"):
            text += " · " + _("points %(before)s → %(after)s") % {
                "before": before.get("points", "?"),
                "after": after.get("points", "?"),
            }
        return text
    return ""


def _timeline(claim: Claim, names: bool) -> list[Step]:
    return [
        Step(
            at=event.at,
            action=event.action.rsplit(".", 1)[-1],
            label=str(ACTIONS.get(event.action, event.action)),
            who=_who(event, claim, names),
            detail=_detail(event),
        )
        for event in selectors.history(claim)
    ]


def _appeal_of(claim: Claim) -> Appeal | None:
    try:
        return claim.appeal
    except Appeal.DoesNotExist:
        return None


def _claim_context(claim: Claim, viewer: Person, *, staff: bool) -> dict[str, Any]:
    return {
        "claim": claim,
        "photos": list(claim.photos.all()),
        "reviews": list(selectors.reviews_of(claim)),
        "timeline": _timeline(claim, names=staff),
        "appeal": _appeal_of(claim),
        "origin": origins.origin_of(claim),
        "waits_for_second": claim.status == Status.PENDING
        and claim.approvals_needed > 1
        and claim.approvals >= 1,  # type: ignore[attr-defined]
    }


# --- Volunteers: 我的申报, declaring, one claim ------------------------------------------------


@resident_view
def my_claims(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    proxies = list(principals_of(actor))
    whose, proxy = actor, None
    chosen = request.GET.get("for", "")
    if chosen:
        proxy = next((p for p in proxies if str(p.principal_id) == chosen), None)
        if proxy is not None:
            whose = proxy.principal
    claims = selectors.claims_of(whose)
    # The to-do's links: decided, or appeals answered, in the last few days.
    recent = request.GET.get("recent", "")
    if recent in ("decided", "appeals"):
        claims = selectors.recently(claims, appeals=recent == "appeals")
    page = paginate(request, claims, per_page=20)
    query = {"for": str(whose.pk)} if proxy else {}
    if recent in ("decided", "appeals"):
        query["recent"] = recent
    return render(
        request,
        "claims/my_claims.html",
        {
            "page": page,
            "whose": whose,
            "proxies": proxies,
            "query": urlencode(query),
            "recent": recent if recent in ("decided", "appeals") else "",
        },
    )


def _declare(
    request: HttpRequest, actor: Person, target: selectors.DeclareTarget
) -> tuple[DeclareForm | None, Claim | None]:
    """The declaration form for the target and, once it is sent and accepted, the claim."""
    if target.community is None:
        return None, None
    form = DeclareForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        catalogue=catalogue(target.community),
    )
    if request.method != "POST" or not form.is_valid():
        return form, None
    data = form.cleaned_data
    try:
        claim = services.declare_service(
            actor=actor,
            person=target.person,
            organization=target.organization,
            rule_item_id=data["rule_item"],
            quantity=data["quantity"],
            occurred_on=data["occurred_on"],
            description=data["description"],
            photos=data["photos"],
        )
    except DomainError as exc:
        _add_error(form, exc)
        return form, None
    return form, claim


@resident_view
def declare(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    targets = selectors.declare_targets(actor)
    key = request.POST.get("for") or request.GET.get("for") or ""
    target = next((t for t in targets if t.key == key), targets[0])
    form, claim = _declare(request, actor, target)
    if claim is not None:
        messages.success(
            request,
            _("Your claim is sent: %(points)s points once the review group approves it.")
            % {"points": claim.points},
        )
        return redirect("claims:detail", claim_id=claim.pk)
    return render(
        request,
        "claims/declare.html",
        {
            "form": form,
            "targets": targets,
            "target": target,
            "base_template": "base.html",
            "action": reverse("claims:declare"),
        },
    )


def _detail_page(
    request: HttpRequest, claim: Claim, appeal_form: AppealForm | None = None
) -> HttpResponse:
    actor = person_of(request)
    context = _claim_context(claim, actor, staff=False)
    deadline = selectors.appeal_deadline(claim)
    claimant_side = actor.pk == claim.person_id or any(
        p.principal_id == claim.person_id for p in principals_of(actor)
    )
    now = timezone.now()
    context.update(
        deadline=deadline,
        may_appeal=claimant_side and deadline is not None and now <= deadline,
        window_closed=claimant_side and deadline is not None and now > deadline,
        appeal_form=appeal_form or AppealForm(),
        in_console=authz.can(actor, authz.VIEW_CLAIMS, claim.community),
    )
    return render(request, "claims/detail.html", context, status=400 if appeal_form else 200)


@resident_view
def detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _detail_page(request, selectors.get_claim_for(person_of(request), claim_id))


@resident_view
@require_POST
def appeal(request: HttpRequest, claim_id: int) -> HttpResponse:
    actor = person_of(request)
    claim = selectors.get_claim_for(actor, claim_id)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_claim(claim=claim, actor=actor, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, _("Your appeal is sent. Another reviewer will decide and tell you why.")
            )
            return redirect("claims:detail", claim_id=claim.pk)
    return _detail_page(request, claim, appeal_form=form)


@resident_view
def photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    """The evidence itself, only to those who may see the claim; never a public file."""
    item = selectors.get_photo_for(person_of(request), photo_id)
    try:
        handle = item.image.open("rb")
    except FileNotFoundError:
        raise NotFound(_("There is no such photo.")) from None
    response = FileResponse(handle, content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


# --- The review group: queue, one claim, cadence ------------------------------------------------


def _back_to(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target.startswith("/console/claims/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return default


@console_view
def queue(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.VIEW_CLAIMS)
    communities = list(visible_communities(actor, authz.VIEW_CLAIMS))
    community = next((c for c in communities if c.code == request.GET.get("community")), None)
    form = QueueFilterForm(
        request.GET or None,
        communities=[(c.code, c.name) for c in communities],
        items=selectors.queue_items(actor, community),
    )
    data = form.cleaned_data if form.is_valid() else {}
    stage = data.get("stage") or ""
    # A stage (the to-do's links) names its own statuses: appeals are of decided claims.
    status = "all" if stage else data.get("status") or Status.PENDING
    claims = selectors.review_queue(
        actor,
        stage=stage,
        status="" if status == "all" else status,
        community=community,
        rule_item=data.get("item"),
        provenance=data.get("provenance") or "",
        older_than_days=data.get("age"),
    )
    page = paginate(request, claims, per_page=25)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "claims/console/queue.html",
        {
            "form": form,
            "page": page,
            "reviewable": selectors.reviewable_ids(actor, page.object_list),
            "status": status,
            "filtered": any(
                data.get(k) for k in ("stage", "community", "item", "provenance", "age")
            ),
            "query": query.urlencode(),
            "now": timezone.now(),
        },
    )


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.strip().isdigit()]


@console_view
@require_POST
def approve_many(request: HttpRequest) -> HttpResponse:
    """Batch approval from the queue (or one row's button): each claim on its own."""
    actor = person_of(request)
    back = _back_to(request, reverse("claims:queue"))
    ids = (
        _ids([request.POST["one"]])
        if request.POST.get("one")
        else _ids(request.POST.getlist("claim"))
    )
    if not ids:
        messages.error(request, _("Choose at least one claim to approve."))
        return redirect(back)
    result = services.approve_claims(claim_ids=ids, reviewer=actor)
    if result.approved:
        posted = sum(1 for c in result.approved if c.status == Status.APPROVED)
        messages.success(
            request,
            _(
                "Approved: %(approved)s. Points posted for %(posted)s; "
                "%(waiting)s wait for a second reviewer."
            )
            % {
                "approved": len(result.approved),
                "posted": posted,
                "waiting": len(result.approved) - posted,
            },
        )
    for pk, reason in result.refused:
        messages.error(
            request, _("Claim %(id)s was not approved: %(reason)s") % {"id": pk, "reason": reason}
        )
    return redirect(back)


def _render_review(
    request: HttpRequest, claim: Claim, status: int = 200, **forms: Any
) -> HttpResponse:
    actor = person_of(request)
    context = _claim_context(claim, actor, staff=True)
    can_revoke = claim.status == Status.APPROVED and authz.can(
        actor, authz.REVOKE_CLAIMS, claim.community
    )
    context.update(
        can_review=selectors.can_review(actor, claim),
        can_revoke=can_revoke,
        can_decide_appeal=selectors.can_decide_appeal(actor, claim),
        reviewed_by_me=any(r.reviewer_id == actor.pk for r in context["reviews"]),
        reject_form=forms.get("reject_form") or ReasonForm(prefix="reject"),
        revoke_form=forms.get("revoke_form") or ReasonForm(prefix="revoke"),
        appeal_form=forms.get("appeal_form") or AppealDecisionForm(prefix="appeal"),
        points_spent=forms.get("points_spent", False),
        can_adjust=claim.organization_id is None
        and authz.can(actor, authz.ADJUST_POINTS, claim.community),
        staff_entered=claim.source == Source.STAFF,
    )
    return render(request, "claims/console/review.html", context, status=status)


@console_view
def review(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = selectors.get_claim_for(person_of(request), claim_id)
    return _render_review(request, claim)


@console_view
@require_POST
def approve(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = selectors.get_claim_for(person_of(request), claim_id)
    try:
        claim = services.approve_claim(claim=claim, reviewer=person_of(request))
    except DomainError as exc:
        messages.error(request, exc.render())
        return redirect("claims:review", claim_id=claim.pk)
    if claim.status == Status.APPROVED:
        messages.success(
            request, _("Approved: %(points)s points are posted.") % {"points": claim.points}
        )
    else:
        messages.success(
            request,
            _(
                "Your approval is recorded. This claim needs two reviewers: "
                "it now waits for a second reviewer."
            ),
        )
    return redirect("claims:review", claim_id=claim.pk)


@console_view
@require_POST
def reject(request: HttpRequest, claim_id: int) -> HttpResponse:
    actor = person_of(request)
    claim = selectors.get_claim_for(actor, claim_id)
    form = ReasonForm(request.POST, prefix="reject")
    if form.is_valid():
        try:
            services.reject_claim(claim=claim, reviewer=actor, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The claim is rejected; the volunteer sees the reason."))
            return redirect("claims:review", claim_id=claim.pk)
    return _render_review(request, claim, status=400, reject_form=form)


@console_view
@require_POST
def revoke(request: HttpRequest, claim_id: int) -> HttpResponse:
    actor = person_of(request)
    claim = selectors.get_claim_for(actor, claim_id)
    form = ReasonForm(request.POST, prefix="revoke")
    spent = False
    if form.is_valid():
        try:
            services.revoke_claim(claim=claim, actor=actor, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            spent = exc.code == "points_spent"
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The claim is revoked and its points reversed."))
            return redirect("claims:review", claim_id=claim.pk)
    return _render_review(
        request, claim, status=409 if spent else 400, revoke_form=form, points_spent=spent
    )


@console_view
@require_POST
def decide_appeal(request: HttpRequest, claim_id: int) -> HttpResponse:
    actor = person_of(request)
    claim = selectors.get_claim_for(actor, claim_id)
    form = AppealDecisionForm(request.POST, prefix="appeal")
    decision = request.POST.get("decision")
    if decision not in ("uphold", "dismiss"):
        form.add_error(None, _("Choose to uphold or to dismiss the appeal."))
    elif form.is_valid():
        try:
            result = services.decide_appeal(
                claim=claim,
                reviewer=actor,
                uphold=decision == "uphold",
                note=form.cleaned_data["note"],
                quantity=form.cleaned_data["quantity"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if result.status == AppealStatus.UPHELD:
                messages.success(request, _("The appeal is upheld; the points are posted."))
            else:
                messages.success(request, _("The appeal is dismissed; the volunteer sees why."))
            return redirect("claims:review", claim_id=claim.pk)
    return _render_review(request, claim, status=400, appeal_form=form)


@console_view
def cadence(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.VIEW_CLAIMS)
    rows = selectors.pending_by_age(actor)
    labels = selectors.bucket_labels()
    totals = [sum(row.buckets[i] for row in rows) for i in range(len(labels))]
    return render(
        request,
        "claims/console/cadence.html",
        {
            "page": paginate(request, rows, per_page=50),
            "labels": labels,
            "totals": totals,
            "total": sum(totals),
            "oldest_bucket_days": selectors.AGE_BUCKETS[-1][0],
            "reviewers": selectors.reviewers_of(actor),
        },
    )


@console_view
def declare_for_person(request: HttpRequest, person_id: int) -> HttpResponse:
    """Staff enter service for a resident without a phone; reviewers still check it."""
    actor = person_of(request)
    person = get_person_for(actor, person_id)
    authz.require(actor, authz.ENTER_CLAIMS, person.community)
    target = selectors.DeclareTarget("", person, None, person.community)
    form, claim = _declare(request, actor, target)
    if claim is not None:
        messages.success(
            request,
            _("The claim for %(name)s is entered and waits for the review group.")
            % {"name": person.name},
        )
        return redirect("claims:review", claim_id=claim.pk)
    return render(
        request,
        "claims/declare.html",
        {
            "form": form,
            "targets": [],
            "target": target,
            "for_person": person,
            "base_template": "console/base.html",
            "action": reverse("claims:declare_for_person", args=[person.pk]),
        },
    )
