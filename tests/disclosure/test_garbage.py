"""No input answers 500: random JSON at every write of 村务公开 and at the public list."""

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jifen.disclosure.models import Disclosure

pytestmark = pytest.mark.django_db

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def _keys(names: list[str]):
    return st.dictionaries(st.sampled_from(names), values, max_size=len(names))


PUBLISH = ["region", "category", "title", "body", "table", "period", "decided_on", "follows"]
REPORT = ["region", "month", "title", "income", "expenses", "assets", "debts", "matters"]
SLOW = settings(
    max_examples=25, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
)


@SLOW
@given(body=_keys(PUBLISH))
def test_publish_never_answers_500(api, world, body):
    response = api(world.staff).post("/disclosures", body)
    assert response.status_code < 500, (body, response.content)
    if response.status_code != 201:
        assert "error" in response.json_body


@SLOW
@given(body=_keys(REPORT))
def test_a_report_never_answers_500(api, world, body):
    response = api(world.staff).post("/disclosures/reports", body)
    assert response.status_code < 500, (body, response.content)


@SLOW
@given(
    item=st.integers(min_value=-5, max_value=2**64),
    body=_keys(["note", "title", "table", "sections", "drop_attachments"]),
)
def test_correct_never_answers_500(api, world, item, body):
    response = api(world.staff).post(f"/disclosures/{item}/correct", body)
    assert response.status_code < 500, (body, response.content)
    assert not Disclosure.objects.filter(version__gt=1).exists() or response.status_code == 201


@SLOW
@given(region=st.text(max_size=40), category=st.text(max_size=20), limit=st.integers(-5, 300))
def test_the_public_list_never_answers_500(api, region, category, limit):
    query = urlencode({"region": region, "category": category, "limit": limit})
    assert api().get(f"/public/disclosures?{query}").status_code < 500
