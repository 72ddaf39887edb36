"""A helper's claim made from a resident's request says what it is: made by the system on
the resident's confirmation (nobody entered it), confirmed by the resident rather than
verified on site, worth the points agreed for the request — and it leads to the request."""

import pytest
from django.test import Client
from django.utils.html import escape

from jifen.claims.models import Provenance
from jifen.people.models import Person
from jifen.requests import services
from tests.browser.helpers import zh
from tests.requests.conftest import asked, helper, menu  # noqa: F401 - fixtures


@pytest.fixture
def as_person():
    def login(person: Person) -> Client:
        client = Client()  # the deployment's language, Chinese
        client.force_login(person)
        return client

    return login


@pytest.fixture
def confirmed(world, menu, asked, helper):  # noqa: F811 - fixtures
    services.publish(actor=world.staff, request=asked, points=30)  # the item's rate is 10
    services.accept(actor=helper, request=asked)
    services.mark_done(actor=helper, request=asked, note="换了开关")
    return services.confirm(actor=world.resident, request=asked, rating=4, comment="谢谢")


def test_the_claim_is_the_systems_confirmed_by_the_resident(confirmed):
    claim = confirmed.claim
    assert claim.created_by is None
    assert claim.provenance == Provenance.CONFIRMED
    assert claim.points == 30


def test_the_review_page_tells_the_request_the_rating_and_the_agreed_points(
    world, confirmed, as_person
):
    page = as_person(world.reviewer).get(f"/console/claims/{confirmed.claim_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert zh("points agreed for the request: %(n)s") % {"n": 30} in html
    assert "× 10" not in html  # not the rule item's rate times one
    link = f'<a href="/console/requests/{confirmed.pk}/">'
    assert link + escape(zh("From a resident's request #%(id)s") % {"id": confirmed.pk}) in html
    assert zh("rated %(n)s of 5") % {"n": 4} in html
    assert zh("confirmed by the resident") in html
    assert zh("verified on site") not in html
    entered = zh("entered by %(name)s") % {"name": world.resident.name}
    assert escape(entered) not in html


def test_the_helpers_claim_page_leads_to_the_request(helper, confirmed, as_person):  # noqa: F811
    html = as_person(helper).get(f"/claims/{confirmed.claim_id}/").content.decode()
    assert f'href="/requests/{confirmed.pk}/"' in html
    assert zh("points agreed for the request: %(n)s") % {"n": 30} in html
