"""Two staff correcting the same item at once (PostgreSQL, real threads): one new version
is written, the other hears 409 ``superseded``; the item never has two current versions,
and readers counted at the same time are all kept."""

import pytest

from jifen.disclosure import services
from jifen.disclosure.models import Disclosure
from jifen.lib.errors import Conflict
from jifen.people.models import Person
from tests.disclosure.conftest import sections
from tests.requests.test_concurrency import in_threads

pg = pytest.mark.pg
transactional = pytest.mark.django_db(transaction=True)


@pg
@transactional
def test_two_corrections_at_once_make_one_version(world):
    ids = [world.staff.pk, world.town_admin.pk]
    for round_ in range(5):
        item = services.publish(
            actor=world.staff, region=world.wenchang, category="other", title=f"第{round_}条"
        )
        results = in_threads(
            2,
            lambda i, pk=item.pk: services.correct(
                actor=Person.objects.get(pk=ids[i]), item=pk, note=f"更正{i}"
            ),
        )
        made = [r for r in results if isinstance(r, Disclosure)]
        refused = [r for r in results if isinstance(r, Conflict)]
        assert len(made) == 1 and len(refused) == 1, results
        assert refused[0].code == "superseded"
        versions = Disclosure.objects.filter(series_id=item.pk)
        assert versions.count() == 2
        assert versions.filter(is_current=True).count() == 1


@pg
@transactional
def test_readers_counted_at_once_are_all_kept(world):
    item = services.publish(actor=world.staff, region=world.wenchang, category="other", title="x")
    in_threads(8, lambda i: services.count_view(item))
    item.refresh_from_db()
    assert item.views == 8


@pg
@transactional
def test_two_reports_of_one_month_at_once_make_one(world):
    ids = [world.staff.pk, world.town_admin.pk]
    results = in_threads(
        2,
        lambda i: services.publish_monthly_report(
            actor=Person.objects.get(pk=ids[i]),
            region=world.wenchang,
            month="2026-10",
            sections=sections(),
        ),
    )
    made = [r for r in results if isinstance(r, Disclosure)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1 and len(refused) == 1, results
    assert refused[0].code == "already_published"
    assert Disclosure.objects.filter(period="2026-10", is_current=True).count() == 1
