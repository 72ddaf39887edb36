from typing import Any

from django.db import models

from jifen.audit.context import current_channel
from jifen.audit.models import AuditEvent


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    region: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    on_behalf_of: Any = None,
) -> AuditEvent:
    """Keep one audit row; call inside the transaction of the write it describes."""
    return AuditEvent.objects.create(
        actor=actor,
        on_behalf_of=on_behalf_of,
        action=action,
        region=region,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        before=before,
        after=after,
        channel=current_channel(),
    )
