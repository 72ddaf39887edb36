"""``jifen tick`` confirms a done request its requester left unanswered: once."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from jifen.claims.models import Claim, Source
from jifen.ops.tick import JOBS
from jifen.requests import services
from jifen.requests.models import Event, ServiceRequest, Status


def tick() -> str:
    out = StringIO()
    call_command("tick", stdout=out)
    return out.getvalue()


def test_the_job_is_in_the_tick(db):
    assert "requests_confirm" in dict(JOBS)


def test_tick_confirms_an_unanswered_request_once(world, menu, asked, helper):
    services.dispatch(actor=world.staff, request=asked, person=helper)
    services.mark_done(actor=helper, request=asked)
    first = tick()
    asked.refresh_from_db()
    assert asked.status == Status.DONE  # the requester still has time
    assert "confirmed automatically" not in first
    # Seven days (the default confirm_days) and a minute later, nobody answered.
    ServiceRequest.objects.filter(pk=asked.pk).update(
        done_at=timezone.now() - timedelta(days=7, minutes=1)
    )
    second = tick()
    assert "requests: 1 unanswered request(s) confirmed automatically" in second
    asked.refresh_from_db()
    assert asked.status == Status.COMPLETED and asked.auto_confirmed and asked.rating is None
    third = tick()
    assert "confirmed automatically" not in third
    assert Event.objects.filter(request=asked, step="auto_confirm").count() == 1
    assert Event.objects.get(request=asked, step="auto_confirm").actor is None
    assert Claim.objects.filter(source=Source.REQUEST, source_id=asked.pk).count() == 1


def test_tick_leaves_the_confirmed_and_the_in_hand(world, menu, asked, helper):
    services.dispatch(actor=world.staff, request=asked, person=helper)
    ServiceRequest.objects.filter(pk=asked.pk).update(done_at=timezone.now() - timedelta(days=30))
    tick()
    asked.refresh_from_db()
    assert asked.status == Status.ASSIGNED  # not reported done: nothing to confirm
