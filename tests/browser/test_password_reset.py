"""A reset password is the person's only once they change it: an admin resets a reviewer's
password at the desk, the reviewer logs in on their phone, is made to choose their own, and
then reaches the work console. Staff are offered no reset of a reviewer at all."""

import re

from playwright.sync_api import expect

from jifen.lib.notify import MemoryBackend
from jifen.people.models import Person
from tests.browser.helpers import assert_fits, log_in, zh
from tests.conftest import World


def test_an_admin_resets_a_reviewer_who_must_change_it_before_reaching_the_console(
    desktop, phone, world: World, screenshot
) -> None:
    MemoryBackend.outbox.clear()
    reviewer = world.reviewer

    # At the desk: the town's administrator sets a new password for the reviewer.
    log_in(desktop, world.town_admin.phone)
    desktop.goto(f"/console/people/{reviewer.pk}/")
    desktop.on("dialog", lambda dialog: dialog.accept())
    reset = desktop.locator(f"form[action='/console/people/{reviewer.pk}/password/']")
    reset.locator("#id_new_password").fill("reset-by-admin-3")
    reset.locator("button[type=submit]").click()
    expect(desktop).to_have_url(re.compile(rf"/console/people/{reviewer.pk}/$"))
    expect(desktop.locator(".messages")).to_have_count(1)
    screenshot(desktop, "console-password-reset-desktop")
    stored = Person.objects.get(pk=reviewer.pk)
    assert stored.check_password("reset-by-admin-3") and stored.must_change_password
    # The reviewer is told, by whom, without the password or the phone.
    [notice] = [m for m in MemoryBackend.outbox if m.person.pk == reviewer.pk]
    said = notice.subject + notice.body
    assert world.town_admin.name in said
    assert "reset-by-admin-3" not in said and reviewer.phone not in said

    # On the reviewer's phone: the given password logs in, and leads to the change.
    log_in(phone, reviewer.phone, password="reset-by-admin-3")
    expect(phone).to_have_url(re.compile(r"/password/\?next=(/|%2F)$"))
    expect(phone.locator("main [role=alert]")).to_be_visible()
    screenshot(phone, "password-change-required-phone")
    assert_fits(phone)
    # The console is out of reach until then.
    phone.goto("/console/claims/")
    expect(phone).to_have_url(re.compile(r"/password/\?next="))

    phone.locator("#id_old_password").fill("reset-by-admin-3")
    phone.locator("#id_new_password").fill("my-own-choice-8")
    phone.locator("#id_new_password_again").fill("my-own-choice-8")
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/console/claims/$"))
    expect(phone.locator(".messages")).to_have_text(zh("Your password has been changed."))
    phone.goto("/console/")
    expect(phone.locator("main h1")).to_have_text(zh("Work console"))
    stored = Person.objects.get(pk=reviewer.pk)
    assert stored.check_password("my-own-choice-8") and not stored.must_change_password


def test_staff_are_offered_no_reset_of_a_reviewers_password(desktop, world: World) -> None:
    log_in(desktop, world.staff.phone)
    desktop.goto(f"/console/people/{world.reviewer.pk}/")
    expect(desktop.locator("main h1")).to_contain_text(world.reviewer.name)
    expect(desktop.locator("form[action$='/password/']")).to_have_count(0)
    expect(desktop.locator("form[action$='/proxies/']")).to_have_count(0)
    expect(desktop.locator(f"a[href='/console/people/{world.reviewer.pk}/edit/']")).to_have_count(0)
    # A resident without a role: the reset is there.
    desktop.goto(f"/console/people/{world.resident.pk}/")
    expect(desktop.locator("form[action$='/password/']")).to_have_count(1)
