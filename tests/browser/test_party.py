"""在职党员回家报到 as people live it: a party member reports home on a 360 px phone; their
service in the September home days (a working day, in office hours) waits for staff, who
approve it on the console; after the quarter ended the unit's contact seals the quarter's
service record on a phone, downloads its PDF, and the public check page — opened from
the record, as its QR code would open it — recomputes the seal and finds it whole."""

from datetime import date

from playwright.sync_api import expect

from jifen.claims import services as claims
from jifen.party.models import Report, Service, ServiceStatus, Statement
from jifen.people.models import Organization, OrganizationMember
from jifen.points.services import save_rule_item
from tests.browser.helpers import DESKTOP, PHONE, assert_fits, log_in
from tests.browser.test_requests import browser_page
from tests.conftest import make_person

MONDAY = date(2026, 9, 28)  # the last week of September: an official working day


def test_a_member_reports_home_serves_and_the_unit_receives_a_sealed_record(
    world, browser, live_server, screenshot, tmp_path
):
    employer = Organization.objects.create(region=world.county, name="县税务局", kind="organ")
    contact = make_person(world.jinyue, "税务老郑")
    OrganizationMember.objects.create(organization=employer, person=contact, is_contact=True)
    member = make_person(world.wenchang, "林党员")
    item = save_rule_item(
        actor=None,
        region=world.county,
        code="HOURLY",
        name="环境整治",
        category="邻里互助",
        unit="hour",
        points=10,
        effective_from=date(2020, 1, 1),
    ).item

    # (1) The member reports home on their phone, naming the employer.
    phone = browser_page(browser, live_server, PHONE)
    log_in(phone, member.phone)
    phone.goto("/party/")
    phone.locator("#id_employer").select_option(str(employer.pk))
    phone.locator("[data-report-form] button[type=submit]").click()
    phone.wait_for_load_state()
    expect(phone.locator("[data-employer]")).to_have_attribute("data-employer", str(employer.pk))
    assert_fits(phone)
    screenshot(phone, "party-phone-reported")
    report = Report.objects.get(person=member)
    member.refresh_from_db()
    assert member.is_reporting_party_member and member.employer == "县税务局"
    # The quarter before this one: the report ran since June (data in a past quarter).
    Report.objects.filter(pk=report.pk).update(started_on=date(2026, 6, 1))

    # (2) They served in the home days, on a working day; the review group approved it.
    claim = claims.declare_service(
        actor=member, rule_item_id=item.pk, quantity="2", occurred_on=MONDAY
    )
    claims.approve_claim(claim=claim, reviewer=world.reviewer)
    phone.reload()
    service_row = phone.locator("[data-service]")
    expect(service_row).to_have_attribute("data-status", ServiceStatus.PENDING)

    # (3) Staff approve it on the console. On a phone each service is a block with its
    # buttons on screen (not at the end of a row scrolled sideways).
    staff_phone = browser_page(browser, live_server, PHONE)
    log_in(staff_phone, world.staff.phone)
    staff_phone.goto("/console/party/approvals/")
    box = staff_phone.locator("[data-reject]").bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["viewport"]["width"]
    staff = browser_page(browser, live_server, DESKTOP)
    log_in(staff, world.staff.phone)
    staff.goto("/console/party/approvals/")
    staff.locator("[data-approve]").click()
    staff.wait_for_load_state()
    assert Service.objects.get().status == ServiceStatus.APPROVED
    phone.reload()
    expect(phone.locator("[data-service]")).to_have_attribute("data-status", "approved")

    # (4) The unit's contact seals 2026Q3 on a phone and downloads the PDF.
    unit = browser_page(browser, live_server, PHONE)
    log_in(unit, contact.phone)
    unit.goto("/party/units/")
    unit.locator(f"[data-unit='{employer.pk}'] a").click()
    unit.locator("[data-quarter='2026Q3'] [data-seal]").click()  # confirms
    unit.wait_for_load_state()
    statement = Statement.objects.get(organization=employer, quarter="2026Q3")
    expect(unit.locator("[data-seal]")).to_have_text(statement.seal)
    expect(unit.locator(f"[data-line='{member.volunteer_no}'] td").nth(4)).to_have_text("2")
    assert_fits(unit)
    screenshot(unit, "party-phone-statement")
    with unit.expect_download() as download:
        unit.locator("a[data-pdf]").first.click()
    saved = tmp_path / "statement.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    # (5) Anyone checks it: the public page recomputes the seal from the published lines.
    unit.locator("a[data-public]").click()
    unit.wait_for_load_state()
    expect(unit.locator("[data-matches]")).to_have_attribute("data-matches", "true")
    expect(unit.locator("[data-held]")).to_have_attribute("data-held", "true")
    expect(unit.locator("main")).not_to_contain_text("林党员")
    assert_fits(unit)
    screenshot(unit, "party-phone-public-check")
