"""Reads of imports: what a person may see, what waits for their approval, and one
batch's rows."""

from datetime import datetime

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet

from jifen.imports import services
from jifen.imports.models import Approval, Batch, BatchStatus, Entry, Kind
from jifen.lib.errors import NotFound
from jifen.people import authz
from jifen.people.models import Person
from jifen.points.models import ImportApproval


def batches_for(actor: Person) -> QuerySet[Batch]:
    """Imports of the communities where the actor imports or approves, newest first."""
    return (
        Batch.objects.filter(services.queue_q(actor))
        .select_related("community", "created_by")
        .order_by("-created_at", "-pk")
    )


def _approvable_q(actor: Person) -> Q:
    """Batches whose approval the actor may give (``services.may_approve``): in the
    "admins" mode an administrator over the community, otherwise its review group."""
    by_admins = Q(approval=ImportApproval.ADMINS)
    return (by_admins & authz.regions_q(actor, services.APPROVE_AS_ADMIN, "community")) | (
        ~by_admins & authz.regions_q(actor, authz.REVIEW_CLAIMS, "community")
    )


def _waiting(actor: Person) -> QuerySet[Batch]:
    return Batch.objects.filter(
        _approvable_q(actor),
        ~Exists(Approval.objects.filter(batch=OuterRef("pk"), approver_id=actor.pk)),
        kind=Kind.HISTORY,
        status=BatchStatus.PENDING,
    ).exclude(created_by_id=actor.pk)


def waiting_for(actor: Person) -> QuerySet[Batch]:
    """History imports waiting for an approval the actor may give: never their own, nor one
    they have already approved (it waits for a second person), oldest first."""
    return _waiting(actor).select_related("community", "created_by").order_by("created_at", "pk")


def approval_todo(actor: Person) -> tuple[int, datetime | None] | None:
    """(count, since when the oldest waits) of ``waiting_for``, in one query whatever the
    number of imports; None when the actor approves imported history nowhere."""
    if not (authz.can(actor, authz.REVIEW_CLAIMS) or authz.can(actor, services.APPROVE_AS_ADMIN)):
        return None
    row = _waiting(actor).aggregate(n=Count("pk"), at=Min("created_at"))
    return row["n"], row["at"]


def get_batch_for(actor: Person, batch_id: int) -> Batch:
    batch = batches_for(actor).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound()
    return batch


def entries_of(batch: Batch) -> QuerySet[Entry]:
    return (
        Entry.objects.filter(batch=batch).select_related("person", "rule_version").order_by("row")
    )
