from jifen.audit.models import AuditEvent
from jifen.people import services
from jifen.people.models import ConsentSource, Person


def test_me_lists_the_callers_roles_with_region_codes(world, api):
    body = api(world.staff).get("/me").json()
    assert body["roles"] == [{"role": "staff", "region": world.wenchang.code}]
    assert body["phone"] == world.staff.phone
    assert body["volunteer_no"] == world.staff.volunteer_no


def test_a_person_registered_by_staff_consents_through_the_api_once(world, api):
    person = services.register_by_staff(
        actor=world.staff,
        name="赵大爷",
        phone="13612345679",
        community=world.wenchang,
        password="first-pass-77",
    )
    # Staff chose that password: it is changed before anything else (tests/people).
    services.change_password(person=person, old_password="first-pass-77", new_password="own-77-x")
    client = api(person)
    assert client.get("/me").json()["consent_at"] is None
    response = client.post("/me/consent")
    assert response.status_code == 200, response.content
    assert response.json()["consent_at"] is not None
    stored = Person.objects.get(pk=person.pk)
    assert stored.consent_source == ConsentSource.FIRST_LOGIN
    client.post("/me/consent")
    assert Person.objects.get(pk=person.pk).consent_at == stored.consent_at
    assert AuditEvent.objects.filter(action="person.consent", target_id=person.pk).count() == 1
