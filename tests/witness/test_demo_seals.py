"""The demo's disclosures are spread over past weeks; their seals must still hold.

Backdating ``published_at`` after publishing changed the sealed content: every demo
disclosure then looked rewritten behind Jifen's back to ``jifen verify --against`` and to
anyone rehashing ``/public/disclosures/{id}/sealed`` against the checkpoint."""

import hashlib

import pytest
from django.utils import timezone

from jifen.demo.seed_disclosure import seed_demo_disclosures
from jifen.disclosure import services as disclosures
from jifen.disclosure.models import Disclosure
from jifen.ops import against
from jifen.people import services as people
from jifen.people.models import Role
from jifen.regions.models import Region
from jifen.regions.services import add_region
from jifen.witness import selectors
from jifen.witness.models import Entry
from tests.witness.conftest import checkpoint_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_regions(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    add_region(actor=None, code="350524", name="安溪县", level="county")
    for code, name, level, parent in (
        ("350524100", "凤城镇", "town", "350524"),
        ("350524106", "参内镇", "town", "350524"),
        ("350524100001", "文昌社区", "community", "350524100"),
        ("350524106001", "湾美社区", "community", "350524106"),
    ):
        add_region(actor=None, code=code, name=name, level=level, parent_code=parent)
    for phone, name, code in (
        ("13800000002", "陈文昌", "350524100001"),
        ("13800000007", "李湾美", "350524106001"),
    ):
        region = Region.objects.get(code=code)
        person = people.create_person_from_cli(
            name=name, phone=phone, password="x" * 12, community=region
        )
        people.grant_role(actor=None, person=person, role=Role.STAFF, region=region)


def test_the_demo_disclosures_are_spread_in_time_and_their_seals_hold(demo_regions):
    seed_demo_disclosures()
    items = list(Disclosure.objects.select_related("region").order_by("pk"))
    assert len(items) >= 9
    # Spread over the past weeks, as the demo wants.
    oldest = min(item.published_at for item in items)
    assert (timezone.now() - oldest).days >= 30
    for item in items:
        count, root, seal = disclosures.seal_now(item)
        assert (root, seal) == (item.content_root, item.seal), item.pk
        assert hashlib.sha256(disclosures.sealed_content(item)).hexdigest() == item.content_root
        entry = Entry.objects.get(
            log__region__code="350524", kind="disclosure", subject=str(item.pk)
        )
        assert (entry.seal, entry.root, entry.count) == (item.seal, item.content_root, count)
        # The checkpoint names the month it was published in.
        assert entry.period == timezone.localtime(item.published_at).strftime("%Y-%m")
    county = Region.objects.get(code="350524")
    outcome = against.check(checkpoint_bytes(selectors.checkpoint(county)))
    assert outcome.code == against.OK, outcome.lines
