"""``jifen seed scale --messages N``: the inspectors' benchmark data, small."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from jifen.inspection import figures
from jifen.messages.models import Message, Reply
from jifen.regions.models import Region


def test_seed_scale_with_messages(db):
    call_command(
        "seed",
        "scale",
        "--volunteers",
        "40",
        "--communities",
        "4",
        "--months",
        "1",
        "--messages",
        "600",
    )
    assert Message.objects.count() == 600
    # Every answered message has its answer, and they were written oldest first.
    assert Reply.objects.count() == Message.objects.filter(answered_at__isnull=False).count()
    created = list(Message.objects.order_by("id").values_list("created_at", flat=True))
    assert created == sorted(created)
    county = Region.objects.get(code="SCALE")
    today = timezone.localdate()
    s = figures.summary(
        viewer=None, region=county, start=today - timedelta(days=3 * 365 + 1), end=today
    )
    assert s.total.received == 600
    assert 0 < s.total.overdue < 600 and s.total.answered > 500
    assert len(s.by_area) >= 4 and len(s.by_town) == 1
