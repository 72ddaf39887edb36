"""Joining: a volunteer signs up on their phone; staff register a resident who then agrees."""

import re

from playwright.sync_api import expect

from jifen.audit.models import AuditEvent
from jifen.people.models import ConsentSource
from tests.browser.helpers import assert_fits, log_in, logged_in_ids, person_with_phone, zh
from tests.conftest import World


def test_a_volunteer_registers_on_a_phone_and_sees_their_volunteer_number(
    phone, world: World, screenshot
) -> None:
    phone.goto("/")
    phone.locator("main .actions a[href='/register/']").click()
    expect(phone.locator("main h1")).to_have_text(zh("Register as a volunteer"))

    phone.locator("#id_name").fill("周小梅")
    phone.locator("#id_phone").fill("13612345678")
    phone.locator("#id_community").select_option(label="凤城镇 · 文昌社区")
    phone.locator("#id_password").fill("spring-walk-2024")
    phone.locator("#id_agree").check()
    screenshot(phone, "register-filled-phone")
    assert_fits(phone)
    phone.locator("main form button[type=submit]").click()

    expect(phone).to_have_url(re.compile(r"/$"))
    person = person_with_phone("13612345678")
    expect(phone.locator("main h1")).to_contain_text("周小梅")
    expect(phone.locator("main .number")).to_have_text(person.volunteer_no)
    expect(phone.locator(".messages")).to_contain_text(person.volunteer_no)
    # Agreeing on the form is the consent: no notice asks again.
    expect(phone.locator("main .notice")).to_have_count(0)
    screenshot(phone, "volunteer-home-phone")
    assert_fits(phone)

    assert person.name == "周小梅"
    assert person.community == world.wenchang
    assert person.registered_by is None
    assert person.consent_source == ConsentSource.SELF_REGISTRATION
    assert person.consent_at is not None
    assert person.check_password("spring-walk-2024")
    assert logged_in_ids() == [person.pk]
    assert AuditEvent.objects.filter(action="person.register", target_id=person.pk).count() == 1


def test_staff_register_a_resident_who_agrees_to_publication_at_first_login(
    desktop, phone, world: World, screenshot
) -> None:
    # At the desk: the staff member registers 郑阿婆, who has come to the office.
    log_in(desktop, world.staff.phone)
    desktop.locator("header a[href='/console/']").click()
    desktop.locator(".sidebar a[href='/console/people/']").click()
    desktop.locator("main a.button[href='/console/people/new/']").click()
    expect(desktop.locator("main h1")).to_have_text(zh("Register a resident"))
    desktop.locator("#id_name").fill("郑阿婆")
    desktop.locator("#id_phone").fill("138 0595 2601")
    desktop.locator("#id_community").select_option(world.wenchang.code)
    desktop.locator("#id_household_label").fill("江滨花园3栋201")
    desktop.locator("#id_password").fill("first-pass-7788")
    screenshot(desktop, "console-register-resident-desktop")
    desktop.locator("main form button[type=submit].primary").click()

    resident = person_with_phone("13805952601")
    expect(desktop).to_have_url(re.compile(rf"/console/people/{resident.pk}/$"))
    expect(desktop.locator("main h1")).to_contain_text("郑阿婆")
    expect(desktop.locator("main h1")).to_contain_text(resident.volunteer_no)
    assert resident.registered_by == world.staff
    assert resident.community == world.wenchang
    assert resident.household is not None and resident.household.label == "江滨花园3栋201"
    assert resident.consent_at is None  # staff cannot agree for her (防止"被志愿")

    # On her own phone: the password staff chose becomes her own first (whoever knows it
    # could be her), then the first login asks about publication.
    log_in(phone, "13805952601", password="first-pass-7788")
    expect(phone).to_have_url(re.compile(r"/password/\?next=(/|%2F)$"))
    phone.locator("#id_old_password").fill("first-pass-7788")
    phone.locator("#id_new_password").fill("her-own-pass-95")
    phone.locator("#id_new_password_again").fill("her-own-pass-95")
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/consent/\?next=(/|%2F)$"))
    expect(phone.locator("main h1")).to_have_text(zh("May we publish your points?"))
    screenshot(phone, "consent-phone")
    assert_fits(phone)
    phone.locator("main button[value=agree]").click()

    expect(phone).to_have_url(re.compile(r"/$"))
    expect(phone.locator(".messages")).to_have_text(
        zh("Thank you. Your consent has been recorded.")
    )
    expect(phone.locator("main .number")).to_have_text(resident.volunteer_no)
    expect(phone.locator("main .notice")).to_have_count(0)
    resident.refresh_from_db()
    assert resident.consent_source == ConsentSource.FIRST_LOGIN
    assert resident.consent_at is not None
    assert AuditEvent.objects.filter(action="person.consent", actor=resident).count() == 1
    assert logged_in_ids() == sorted([world.staff.pk, resident.pk])
