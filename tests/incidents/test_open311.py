"""Open311 GeoReport v2 at /open311/v2/ (CONTRACT "Wave 2: grid incidents"): the
specification's paths, fields and error shape, over the same incidents; and an Open311
client library we did not write (``georeport``) reading them from a live server."""

import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone

from jifen.incidents import services
from jifen.incidents.models import Incident
from jifen.people.auth import issue_token

BASE = "/open311/v2"
COUNTY = "350524"


def errors_of(response, status: int) -> list[dict]:
    """The specification's error: a JSON list of {code, description}, code = status."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, list) and body
    assert all(set(e) == {"code", "description"} and e["code"] == status for e in body)
    assert all(e["description"] for e in body)
    return body


@pytest.fixture
def client() -> Client:
    return Client(enforce_csrf_checks=True)  # as a real Open311 client: no CSRF token


def file(client, person, **fields):
    data = {
        "api_key": issue_token(person=person),
        "jurisdiction_id": COUNTY,
        "service_code": "HJWS",
        "description": "路灯不亮，晚上很黑",
        "lat": "24.9876",
        "long": "118.1234",
        "attribute[region]": "350524100001G1",
        **fields,
    }
    return client.post(f"{BASE}/requests.json", {k: v for k, v in data.items() if v is not None})


def test_services_are_the_categories_in_force(world, grids, client):
    response = client.get(f"{BASE}/services.json?jurisdiction_id={COUNTY}")
    assert response.status_code == 200
    services_ = response.json()
    assert [s["service_code"] for s in services_] == ["AQYH", "HJWS"] or {
        s["service_code"] for s in services_
    } == {"AQYH", "HJWS"}
    clean = next(s for s in services_ if s["service_code"] == "HJWS")
    assert set(clean) >= {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert clean["service_name"] == "环境卫生" and clean["type"] == "realtime"
    assert clean["metadata"] is True
    definition = client.get(f"{BASE}/services/HJWS.json?jurisdiction_id={COUNTY}").json()
    assert definition["service_code"] == "HJWS"
    [region] = definition["attributes"]
    assert region["code"] == "region" and region["variable"] is True
    assert region["datatype"] == "string" and region["required"] is False
    errors_of(client.get(f"{BASE}/services/NOPE.json?jurisdiction_id={COUNTY}"), 404)
    errors_of(client.get(f"{BASE}/services.json?jurisdiction_id=999999"), 404)
    errors_of(client.get(f"{BASE}/services.xml?jurisdiction_id={COUNTY}"), 400)
    errors_of(client.get(f"{BASE}/nothing.json"), 404)


def test_one_county_needs_no_jurisdiction_id(world, grids, client):
    assert client.get(f"{BASE}/services.json").status_code == 200


def test_posting_a_request_files_an_incident(world, grids, client):
    response = file(client, world.resident)
    assert response.status_code == 201, response.content
    [answer] = response.json()
    assert set(answer) >= {"service_request_id", "service_notice"}
    incident = Incident.objects.get(pk=int(answer["service_request_id"]))
    assert incident.source == "open311" and incident.reporter == world.resident
    assert incident.region == grids.east and incident.category.code == "HJWS"
    assert str(incident.lat) == "24.987600" and str(incident.lng) == "118.123400"
    assert incident.events.get().step == "report"


def test_a_post_by_address_alone_in_the_reporters_own_community(world, grids, client):
    response = file(
        client,
        world.resident,
        lat=None,
        long=None,
        address_string="文昌路 8 号",
        **{"attribute[region]": None},
    )
    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert incident.region == world.wenchang and incident.address == "文昌路 8 号"


def test_a_post_as_json_too(world, grids, client):
    body = {
        "api_key": issue_token(person=world.resident),
        "jurisdiction_id": COUNTY,
        "service_code": "HJWS",
        "description": "井盖松动",
        "address_string": "文昌路",
        "attribute": {"region": "350524100001G2"},
    }
    response = client.post(f"{BASE}/requests.json", json.dumps(body), "application/json")
    assert response.status_code == 201, response.content
    assert Incident.objects.get().region == grids.west


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"service_code": "NOPE"}, 404),
        ({"service_code": None}, 400),
        ({"api_key": None}, 403),
        ({"api_key": "jf_not-a-token"}, 403),
        ({"jurisdiction_id": "999999"}, 404),
        ({"lat": None, "long": None}, 400),
        ({"lat": "91"}, 400),
        ({"lat": "abc"}, 400),
        ({"description": ""}, 400),
        ({"description": "x" * 5000}, 400),
        ({"attribute[region]": "NOWHERE"}, 400),
        ({"attribute[region]": "350524100"}, 400),  # a town is no place
        ({"service_request_id": "1", "description": "a\x00b"}, 400),
    ],
)
def test_bad_posts_answer_the_specifications_errors(world, grids, client, fields, status):
    errors_of(file(client, world.resident, **fields), status)
    assert Incident.objects.count() == 0


def test_media_url_and_address_id_are_ignored(world, grids, client):
    response = file(
        client, world.resident, media_url="http://example.invalid/a.jpg", address_id="42"
    )
    assert response.status_code == 201
    assert Incident.objects.get().photos.count() == 0


def test_reading_requests_with_status_notes_agency_and_times(world, grids, client):
    token = issue_token(person=grids.worker)
    pk = int(file(client, grids.worker).json()[0]["service_request_id"])
    services.accept(actor=grids.worker, incident=pk)
    row = client.get(f"{BASE}/requests/{pk}.json?jurisdiction_id={COUNTY}&api_key={token}").json()
    [request] = row
    incident = Incident.objects.get(pk=pk)
    assert request["service_request_id"] == str(pk) and request["status"] == "open"
    assert request["service_code"] == "HJWS" and request["service_name"] == "环境卫生"
    assert request["agency_responsible"] == "东片网格"
    assert request["expected_datetime"] == timezone.localtime(incident.due_at).isoformat(
        timespec="seconds"
    )
    assert request["requested_datetime"].endswith("+08:00")
    assert request["updated_datetime"].endswith("+08:00")
    assert request["description"] == "路灯不亮，晚上很黑" and request["lat"] == 24.9876
    assert request["long"] == 118.1234 and request["status_notes"]
    # Without a key, or with one that may not see it: tracked, not read.
    anonymous = client.get(f"{BASE}/requests/{pk}.json?jurisdiction_id={COUNTY}").json()[0]
    assert anonymous["status"] == "open" and "description" not in anonymous
    other = issue_token(person=world.stranger)
    assert (
        "lat"
        not in client.get(
            f"{BASE}/requests/{pk}.json?jurisdiction_id={COUNTY}&api_key={other}"
        ).json()[0]
    )
    services.close(actor=world.staff, incident=pk, reason="no_action", note="已自行恢复")
    closed = client.get(f"{BASE}/requests/{pk}.json?jurisdiction_id={COUNTY}").json()[0]
    assert closed["status"] == "closed" and "已自行恢复" in closed["status_notes"]
    for bad in ("0", "99999999999999999999", "abc"):
        errors_of(client.get(f"{BASE}/requests/{bad}.json?jurisdiction_id={COUNTY}"), 404)


def test_searching_requests_by_id_code_status_and_dates(world, grids, client):
    ids = [int(file(client, world.resident).json()[0]["service_request_id"]) for _ in range(3)]
    services.close(actor=world.staff, incident=ids[0], reason="duplicate")
    Incident.objects.filter(pk=ids[2]).update(created_at=timezone.now() - timedelta(days=100))

    def search(query: str) -> list[int]:
        response = client.get(f"{BASE}/requests.json?jurisdiction_id={COUNTY}&{query}")
        assert response.status_code == 200, response.content
        return [int(r["service_request_id"]) for r in response.json()]

    assert search("") == [ids[1], ids[0]]  # the last 90 days, newest first
    assert search("status=open") == [ids[1]]
    assert search("status=closed") == [ids[0]]
    assert search("status=open,closed") == [ids[1], ids[0]]
    assert search("service_code=AQYH") == []
    assert search("service_code=AQYH,HJWS") == [ids[1], ids[0]]
    assert sorted(search(f"service_request_id={ids[2]},{ids[0]}")) == sorted([ids[2], ids[0]])
    old = (timezone.now() - timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    assert search(f"start_date={quote(old)}") == [ids[2]]
    for bad in (
        "status=pending",
        "start_date=yesterday",
        "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
        "start_date=1999-01-01T00:00:00Z",
        "service_request_id=1,x",
    ):
        errors_of(client.get(f"{BASE}/requests.json?jurisdiction_id={COUNTY}&{bad}"), 400)
    errors_of(client.put(f"{BASE}/requests.json"), 405)


# --- A client library we did not write ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_open311_client_library_reads_what_was_filed(world, grids, live_server):
    """``georeport`` (PyPI, 2025) reads services, a definition and requests from the live
    server. It files nothing (it has no POST), so the request is filed with plain HTTP
    exactly as the specification's POST is written (form fields), then read through it."""
    from georeport import GeoReport

    import requests as http

    root = f"{live_server.url}{BASE}"
    filed = http.post(
        f"{root}/requests.json",
        data={
            "api_key": issue_token(person=grids.worker),
            "jurisdiction_id": COUNTY,
            "service_code": "HJWS",
            "description": "绿化带垃圾",
            "lat": "24.9876",
            "long": "118.1234",
            "attribute[region]": grids.east.code,
        },
        timeout=30,
    )
    assert filed.status_code == 201, filed.text
    pk = filed.json()[0]["service_request_id"]

    client = GeoReport(root, jurisdiction=COUNTY)
    codes = {s["service_code"]: s["service_name"] for s in client.get_service_list()}
    assert codes == {"HJWS": "环境卫生", "AQYH": "安全隐患"}
    assert client.get_service_definition("HJWS")["attributes"][0]["code"] == "region"
    one = client.get_service_request(pk)
    assert one["service_request_id"] == pk and one["status"] == "open"
    assert one["agency_responsible"] == "东片网格"
    listed = client.get_service_requests(service_code="HJWS", status="open")
    assert [r["service_request_id"] for r in listed] == [pk]
    services.accept(actor=grids.worker, incident=int(pk))
    assert client.get_service_request(pk)["expected_datetime"]


def test_a_search_costs_the_same_few_queries_however_many_it_finds(
    world, grids, client, django_assert_max_num_queries
):
    for _ in range(6):
        pk = int(file(client, world.resident).json()[0]["service_request_id"])
        services.close(actor=world.staff, incident=pk, reason="no_action", note="无需处理")
    token = issue_token(person=world.staff)
    # the county, the token (and its touch), the page, the grants, what they see, the notes
    with django_assert_max_num_queries(7):
        found = client.get(f"{BASE}/requests.json?jurisdiction_id={COUNTY}&api_key={token}")
    assert len(found.json()) == 6
    assert all("无需处理" in r["status_notes"] and "description" in r for r in found.json())
