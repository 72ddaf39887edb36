"""Seals witnessed at the same moment (PostgreSQL, real threads): disclosures of three
communities and of one community twice, published at once; every seal lands once in the
county's log and in its town's, numbered without gaps and chained without a fork, and a
region's disclosures still chain one after another."""

import pytest

from jifen.disclosure import services
from jifen.disclosure.models import Disclosure
from jifen.witness import document, selectors
from tests.requests.test_concurrency import in_threads

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]


def test_seals_witnessed_at_once_chain_without_a_fork(world):
    places = [world.wenchang, world.jinyue, world.wanmei, world.wenchang]
    staff = [world.county_admin] * 4
    results = in_threads(
        4,
        lambda i: services.publish(
            actor=staff[i], region=places[i], category="other", title=f"同时发布{i}"
        ),
    )
    assert all(isinstance(r, Disclosure) for r in results), results
    county = selectors.checkpoint(world.county, with_gaps=False)
    assert county["size"] == 4
    document.check_chain(county["entries"], county["size"], county["head"])
    town = selectors.checkpoint(world.town, with_gaps=False)
    assert town["size"] == 3  # 文昌 twice and 金悦; 湾美 is in the other town
    document.check_chain(town["entries"], town["size"], town["head"])
    both = sorted(Disclosure.objects.filter(region=world.wenchang), key=lambda d: d.pk)
    assert both[0].previous_seal == "" and both[1].previous_seal == both[0].seal


def test_a_correction_and_a_publication_at_once_do_not_fork_the_regions_chain(world):
    first = services.publish(actor=world.staff, region=world.wenchang, category="other", title="原")

    def write(i: int) -> Disclosure:
        if i == 0:
            return services.correct(actor=world.staff, item=first.pk, note="更正")
        return services.publish(
            actor=world.staff, region=world.wenchang, category="other", title="新"
        )

    results = in_threads(2, write)
    assert all(isinstance(r, Disclosure) for r in results), results
    chain = sorted(Disclosure.objects.filter(region=world.wenchang), key=lambda d: d.pk)
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.previous_seal == before.seal
