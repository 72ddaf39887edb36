"""Claims as people make and check them: a volunteer declares on a phone with a photo, the
review group approves at a desk (two of them for a large claim) or rejects, the volunteer
appeals, and a third reviewer decides."""

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from jifen.claims import services
from jifen.claims.models import AppealStatus, Claim, Status
from jifen.people.models import Person, Role, RoleGrant
from jifen.points.selectors import balance_of
from jifen.points.services import save_rule_item
from tests.browser.helpers import DESKTOP, PHONE, assert_fits, log_in, open_menu, zh
from tests.conftest import World, make_person


@pytest.fixture
def uploads(settings, tmp_path: Path) -> Path:
    """The live server stores the photos in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


def reviewer_of(world: World, name: str) -> Person:
    person = make_person(world.wenchang, name)
    RoleGrant.objects.create(person=person, role=Role.REVIEWER, region=world.wenchang)
    return person


def new_page(browser: Any, live_server: Any, device: dict[str, Any], answer: Any = None) -> Any:
    """Another person's browser; they say yes to every question unless ``answer`` says."""
    context = browser.new_context(base_url=live_server.url, **device)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", answer or (lambda dialog: dialog.accept()))
    return page


def item(world: World, code: str, name: str, unit: str, points: int) -> Any:
    return save_rule_item(
        actor=None,
        region=world.wenchang,
        code=code,
        name=name,
        category="扶老助残",
        unit=unit,
        points=points,
        effective_from=date(2020, 1, 1),
    ).item


def test_a_large_claim_declared_on_a_phone_is_approved_by_two_reviewers(
    world: World, phone, browser, live_server, screenshot, uploads, tmp_path
) -> None:
    clinic = item(world, "clinic", "义诊服务", "hour", 20)
    item(world, "sweep", "楼道清扫", "hour", 10)
    second = reviewer_of(world, "郑复核")
    photo = tmp_path / "evidence.jpg"
    Image.new("RGB", (800, 600), (180, 60, 60)).save(photo, "JPEG")
    yesterday = timezone.localdate() - timedelta(days=1)

    # (a) The volunteer declares 3 hours of a 20-points-per-hour item on a 360 px phone.
    log_in(phone, world.resident.phone)
    phone.locator("main a[href='/claims/new/']").first.click()
    expect(phone.locator("main h1")).to_have_text(zh("Declare service"))
    phone.locator("#id_rule_item").select_option(str(clinic.pk))
    phone.locator("#id_quantity").fill("3")
    phone.locator("#id_occurred_on").fill(yesterday.isoformat())
    phone.locator("#id_description").fill("社区卫生站义诊，为老人量血压 3 小时")
    phone.locator("#id_photos").set_input_files(str(photo))
    expect(phone.locator("[data-photo-preview] img")).to_have_count(1)
    screenshot(phone, "claim-declare-phone")
    assert_fits(phone)
    phone.locator("main form button.primary").click()
    phone.wait_for_load_state()
    claim = Claim.objects.get()
    assert (claim.points, claim.approvals_needed, claim.photos.count()) == (60, 2, 1)
    expect(phone.locator("main h1")).to_have_text("义诊服务")
    expect(phone.locator("main .photos img")).to_have_count(1)
    assert phone.locator("main .photos img").evaluate("img => img.naturalWidth") > 0

    open_menu(phone)
    phone.locator(".topnav a[href='/claims/']").click()
    expect(phone.locator("main h1")).to_have_text(zh("My claims"))
    card = phone.locator(".claim-card").first
    expect(card).to_contain_text("义诊服务")
    expect(card).to_contain_text(zh("waiting for review"))
    expect(card).to_contain_text("60")
    screenshot(phone, "my-claims-pending-phone")
    assert_fits(phone)

    # (b) The first reviewer approves at a desk; the claim waits for a second reviewer.
    first = new_page(browser, live_server, DESKTOP)
    log_in(first, world.reviewer.phone)
    first.locator(".topnav a[href='/console/']").click()
    first.locator(".sidebar a[href='/console/claims/']").click()
    expect(first.locator("table.queue tbody tr")).to_have_count(1)
    expect(first.locator("table.queue")).to_contain_text(world.resident.name)
    screenshot(first, "claims-queue-desktop")
    first.locator(".sidebar a[href='/console/claims/cadence/']").click()
    expect(first.locator("main table").first).to_contain_text(world.wenchang.name)
    expect(first.locator("main table").nth(1)).to_contain_text(world.reviewer.name)
    screenshot(first, "claims-cadence-desktop")
    first.go_back()
    first.locator(f"table.queue a[href='/console/claims/{claim.pk}/']").first.click()
    expect(first.locator("main .photos img")).to_have_count(1)
    first.locator(f"form[action='/console/claims/{claim.pk}/approve/'] button").click()
    first.wait_for_load_state()
    expect(first.locator(".messages")).to_contain_text(
        zh(
            "Your approval is recorded. This claim needs two reviewers: "
            "it now waits for a second reviewer."
        )
    )
    expect(first.locator("#decide")).to_contain_text(
        zh(
            "You have approved this claim. It needs two reviewers: "
            "it waits for a second reviewer of the review group."
        )
    )
    expect(first.locator(f"form[action='/console/claims/{claim.pk}/approve/']")).to_have_count(0)
    screenshot(first, "claim-review-waits-for-second-desktop")
    # Nor can they tick it in the queue again.
    first.goto("/console/claims/")
    expect(first.locator("table.queue input[name=claim]")).to_have_count(0)
    assert Claim.objects.get().status == Status.PENDING
    assert balance_of(world.resident).balance == 0

    # The second reviewer approves it from the queue with the batch button.
    other = new_page(browser, live_server, DESKTOP)
    log_in(other, second.phone)
    other.goto("/console/claims/")
    other.locator(f"table.queue input[name=claim][value='{claim.pk}']").check()
    other.locator(".batch-bar button.primary").click()
    other.wait_for_load_state()
    expect(other.locator(".messages")).to_contain_text(
        zh(
            "Approved: %(approved)s. Points posted for %(posted)s; "
            "%(waiting)s wait for a second reviewer."
        )
        % {"approved": 1, "posted": 1, "waiting": 0}
    )
    assert Claim.objects.get().status == Status.APPROVED

    # (c) The volunteer sees the points and the claim approved.
    phone.goto("/")
    open_menu(phone)
    phone.locator(".topnav a[href='/points/']").click()
    expect(phone.locator("main .big-number").first).to_contain_text("60")
    expect(phone.locator(".entry").first).to_contain_text("义诊服务")
    open_menu(phone)
    phone.locator(".topnav a[href='/claims/']").click()
    expect(phone.locator(".claim-card .badge.status-approved")).to_have_text(zh("approved"))
    phone.locator(".claim-card a").first.click()
    expect(phone.locator("main .timeline li")).to_have_count(3)
    screenshot(phone, "claim-approved-phone")
    assert_fits(phone)
    first.context.close()
    other.context.close()


def test_a_rejected_claim_is_appealed_and_a_third_reviewer_upholds_it(
    world: World, phone, browser, live_server, screenshot
) -> None:
    sweep = item(world, "sweep", "楼道清扫", "hour", 10)
    third = reviewer_of(world, "许三审")
    claim = services.declare_service(
        actor=world.resident,
        rule_item_id=sweep.pk,
        quantity=2,
        occurred_on=timezone.localdate() - timedelta(days=2),
        description="清扫江滨花园3栋楼道",
    )

    # A reviewer on their phone: the queue's rows are cards that fit the screen.
    answers = iter([False, True])  # the first "reject?" is cancelled, the second accepted
    reviewer = new_page(
        browser,
        live_server,
        PHONE,
        answer=lambda dialog: dialog.accept() if next(answers) else dialog.dismiss(),
    )
    log_in(reviewer, world.reviewer.phone)
    reviewer.goto("/console/claims/")
    expect(reviewer.locator("table.queue tbody tr")).to_have_count(1)
    screenshot(reviewer, "claims-queue-phone")
    assert_fits(reviewer)
    reviewer.locator(f"table.queue a[href='/console/claims/{claim.pk}/']").first.click()
    reviewer.locator("#id_reject-reason").fill("照片显示的不是3栋楼道")
    screenshot(reviewer, "claim-review-phone")
    assert_fits(reviewer)
    reject = reviewer.locator(".reject-form button")
    reject.click()
    # Cancelled: nothing was sent, and the button still works.
    expect(reject).to_be_enabled()
    assert Claim.objects.get().status == Status.PENDING
    reject.click()
    reviewer.wait_for_load_state()
    expect(reviewer.locator(".messages")).to_contain_text(
        zh("The claim is rejected; the volunteer sees the reason.")
    )
    assert Claim.objects.get().status == Status.REJECTED

    # The volunteer reads the reason and appeals.
    phone.on("dialog", lambda dialog: dialog.accept())
    log_in(phone, world.resident.phone)
    phone.goto("/claims/")
    card = phone.locator(".claim-card").first
    expect(card).to_contain_text("照片显示的不是3栋楼道")
    expect(card.locator(".badge.status-rejected")).to_have_text(zh("rejected"))
    card.locator("a").click()
    expect(phone.locator(".reason-box")).to_contain_text("照片显示的不是3栋楼道")
    phone.locator("#id_reason").fill("是3栋，照片是从二楼拍的，邻居可以作证")
    phone.locator("#appeal button.primary").click()
    phone.wait_for_load_state()
    expect(phone.locator("#appeal .badge.appeal-open")).to_be_visible()
    screenshot(phone, "claim-appealed-phone")
    assert_fits(phone)

    # Another reviewer decides, at a desk, and upholds it.
    desk = new_page(browser, live_server, DESKTOP)
    log_in(desk, third.phone)
    desk.goto(f"/console/claims/{claim.pk}/")
    desk.locator("#id_appeal-note").fill("邻居证实，照片角度问题")
    screenshot(desk, "claim-appeal-decision-desktop")
    desk.locator("#appeal button[value=uphold]").click()
    desk.wait_for_load_state()
    expect(desk.locator(".messages")).to_contain_text(
        zh("The appeal is upheld; the points are posted.")
    )
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED and claim.appeal.status == AppealStatus.UPHELD

    phone.goto("/points/")
    expect(phone.locator("main .big-number").first).to_contain_text("20")
    phone.goto(f"/claims/{claim.pk}/")
    expect(phone.locator("#appeal")).to_contain_text("邻居证实，照片角度问题")
    reviewer.context.close()
    desk.context.close()
