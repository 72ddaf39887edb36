from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from jifen.activities import services, tokens
from jifen.activities.models import Activity, SignupStatus
from jifen.claims.models import Claim, Provenance
from jifen.points.services import save_rule_item


def test_lifecycle(world):
    item = save_rule_item(
        actor=None,
        region=world.county,
        code="BASIC",
        name="环境整治",
        category="c",
        unit="hour",
        points=10,
    ).item
    now = timezone.now()
    activity = services.create_activity(
        actor=world.staff,
        region=world.wenchang,
        title="清扫",
        rule_item_id=item.pk,
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=2),
        capacity=1,
        place="江滨花园",
    )
    services.submit_activity(actor=world.staff, activity=activity)
    services.approve_activity(actor=world.reviewer, activity=activity)
    s = services.sign_up(actor=world.resident, activity=activity)
    assert s.status == SignupStatus.CONFIRMED
    token = tokens.make(activity.pk, Activity.objects.get(pk=activity.pk).qr_secret)
    a = services.check_in(actor=world.resident, activity=activity, token=token)
    again = services.check_in(actor=world.resident, activity=activity, token=token)
    assert a.pk == again.pk
    Activity.objects.filter(pk=activity.pk).update(starts_at=now - timedelta(hours=3))
    from jifen.activities.models import Attendance

    Attendance.objects.filter(pk=a.pk).update(checkin_at=now - timedelta(hours=2, minutes=50))
    services.close_activity(actor=world.staff, activity=activity)
    claim = Claim.objects.get()
    assert claim.provenance == Provenance.ON_SITE
    assert claim.quantity == Decimal("2.5")  # 2 h 50 min served: down to the half hour
