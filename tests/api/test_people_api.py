from jifen.audit.models import AuditEvent
from jifen.people.models import Person
from tests.api.conftest import assert_error


def test_a_resident_registers_themself_and_has_consented(world, api):
    response = api().post(
        "/people",
        {
            "name": "赵小梅",
            "phone": "13612345678",
            "password": "spring-rain-7",
            "community": "350524100001",
        },
    )
    assert response.status_code == 201, response.content
    person = Person.objects.get(phone="13612345678")
    assert person.consent_at is not None
    assert response.json()["volunteer_no"] == person.volunteer_no
    assert AuditEvent.objects.filter(action="person.register", target_id=person.pk).exists()


def test_staff_register_a_resident_who_is_asked_for_consent_later(world, api):
    response = api(world.staff).post(
        "/people", {"name": "赵大爷", "phone": "13612345679", "community": "350524100001"}
    )
    assert response.status_code == 201, response.content
    person = Person.objects.get(phone="13612345679")
    assert person.consent_at is None
    assert person.registered_by == world.staff


def test_staff_cannot_register_into_another_community(world, api):
    response = api(world.other_staff).post(
        "/people", {"name": "赵大爷", "phone": "13612345679", "community": "350524100001"}
    )
    assert_error(response, 403, "forbidden")
    assert not Person.objects.filter(phone="13612345679").exists()


def test_a_duplicate_phone_is_refused_and_nothing_is_written(world, api):
    before = Person.objects.count()
    response = api().post(
        "/people",
        {
            "name": "重复",
            "phone": world.resident.phone,
            "password": "spring-rain-7",
            "community": "350524100001",
        },
    )
    assert_error(response, 409, "phone_taken")
    assert Person.objects.count() == before


def test_bad_input_gets_the_error_shape_never_a_500(world, api):
    anonymous = api()
    assert_error(anonymous.post("/people", raw="{not json"), 400, "invalid_input")
    assert_error(anonymous.post("/people", {"name": "x"}), 400, "invalid_input")
    assert_error(
        anonymous.post(
            "/people",
            {
                "name": "名" * 5000,
                "phone": "13612345670",
                "password": "spring-rain-7",
                "community": "350524100001",
            },
        ),
        400,
        "invalid_name",
    )
    assert_error(
        anonymous.post(
            "/people",
            {
                "name": "赵",
                "phone": "13612345670",
                "password": "spring-rain-7",
                "community": "nope",
            },
        ),
        404,
        "unknown_region",
    )
    assert_error(anonymous.get("/me"), 401, "not_authenticated")
    assert_error(anonymous.get("/no/such/path"), 404, "not_found")
    assert not Person.objects.filter(phone="13612345670").exists()


def test_errors_speak_english_when_asked(world, api):
    zh = assert_error(api().get("/me"), 401, "not_authenticated")
    en = assert_error(api(language="en").get("/me"), 401, "not_authenticated")
    assert zh["message"] != en["message"]
    assert "log in" in en["message"].lower()


def test_me_and_token_revocation(world, api):
    client = api(world.resident)
    me = client.get("/me")
    assert me.status_code == 200
    assert me.json()["volunteer_no"] == world.resident.volunteer_no
    assert client.delete("/auth/token").status_code == 200
    assert_error(client.get("/me"), 401, "invalid_token")


def test_a_person_sees_phone_in_full_only_for_themself_and_staff(world, api):
    own = api(world.resident).get(f"/people/{world.resident.pk}").json()
    assert own["phone"] == world.resident.phone
    by_staff = api(world.staff).get(f"/people/{world.resident.pk}").json()
    assert by_staff["phone"] == world.resident.phone
    assert_error(api(world.neighbour).get(f"/people/{world.resident.pk}"), 404, "not_found")
    assert_error(api(world.other_staff).get(f"/people/{world.resident.pk}"), 404, "not_found")
