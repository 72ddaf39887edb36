"""Reads of imports: what a person may see, and one batch's rows."""

from django.db.models import QuerySet

from jifen.imports import services
from jifen.imports.models import Batch, Entry, Kind
from jifen.lib.errors import NotFound
from jifen.people.models import Person


def batches_for(actor: Person) -> QuerySet[Batch]:
    """Imports of the communities where the actor imports or approves, newest first."""
    return (
        Batch.objects.filter(services.queue_q(actor))
        .select_related("community", "created_by")
        .order_by("-created_at", "-pk")
    )


def waiting_for(actor: Person) -> QuerySet[Batch]:
    """History imports waiting for approval that the actor could approve (not their own)."""
    return batches_for(actor).filter(kind=Kind.HISTORY, status="pending").exclude(created_by=actor)


def get_batch_for(actor: Person, batch_id: int) -> Batch:
    batch = batches_for(actor).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound()
    return batch


def entries_of(batch: Batch) -> QuerySet[Entry]:
    return (
        Entry.objects.filter(batch=batch).select_related("person", "rule_version").order_by("row")
    )
