"""Imported history in the monthly 公示: listed and sealed in the month it was posted,
with its original service dates; months sealed before are left alone."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from jifen.imports import services
from jifen.lib.months import label, previous_month, this_month
from jifen.points.models import Transfer, TransferKind
from jifen.points.verify import check_ledger
from jifen.publicity import services as publicity
from jifen.publicity.models import Status
from tests.conftest import World
from tests.imports.helpers import HISTORY, rule, xlsx


def test_imported_history_is_sealed_with_the_month_it_was_posted_in(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule(world.wenchang)
    phone = world.resident.phone
    data = xlsx(
        HISTORY,
        [[phone, "2021-03-01", "XF01", 2, 20, ""], [phone, "2022-07-09", "XF01", 1, 10, ""]],
    )
    batch = services.import_history(
        actor=world.staff, community=world.wenchang, data=data, dry_run=False
    ).batch
    assert batch is not None
    # Approved in the middle of last month (the month must have ended to be published).
    month_start = previous_month(this_month())
    then = timezone.make_aware(datetime.combine(month_start + timedelta(days=14), time(10)))
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: then)
        services.approve_batch(actor=world.reviewer, batch=batch)
    imported = list(Transfer.objects.filter(kind=TransferKind.IMPORTED).order_by("pk"))
    assert [t.created_at for t in imported] == [then, then]
    assert sorted(str(t.service_date) for t in imported) == ["2021-03-01", "2022-07-09"]

    announcement = publicity.draft(
        actor=world.staff, community=world.wenchang, month=label(month_start)
    )
    announcement = publicity.publish(actor=world.reviewer, announcement=announcement)
    assert announcement.status == Status.PUBLISHED
    sealed = publicity.unpack_leaves(announcement.leaves)
    assert {t.pk for t in imported} <= set(sealed)
    assert list(publicity.check_seals()) == []
    assert list(check_ledger()) == []
