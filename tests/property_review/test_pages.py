"""The pages: staff plan a round through the console's forms; a panel member scores and
records on the phone pages; a contact rectifies; the public pages name no one; who may
open which page."""

import pytest
from django.test import Client

from jifen.property_review import services
from jifen.property_review.models import (
    Finding,
    FindingStatus,
    Inspection,
    Round,
    RoundStatus,
    Score,
)
from tests.property_review.conftest import first_inspection, plan_round

pytestmark = pytest.mark.django_db


def _as(person) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(person)
    return client


def test_staff_plan_and_run_a_round_through_the_console(world, estate):
    staff = _as(world.staff)
    assert staff.get("/console/property-reviews/").status_code == 200
    made = staff.post(
        "/console/property-reviews/",
        {"round-region": world.wenchang.code, "round-quarter": "2026Q4", "round-title": ""},
    )
    assert made.status_code == 302, made.content.decode()[:2000]
    round_ = Round.objects.get()
    again = staff.post(
        "/console/property-reviews/",
        {"round-region": world.wenchang.code, "round-quarter": "2026Q4"},
    )
    assert again.status_code == 409
    url = f"/console/property-reviews/{round_.pk}/"
    for org, compound in zip(estate.companies, estate.compounds, strict=True):
        added = staff.post(
            f"{url}companies/",
            {"company-organization": org.pk, "company-compounds": [compound.code]},
        )
        assert added.status_code == 302, added.content.decode()[:3000]
    assert (
        staff.post(
            f"{url}items/",
            {"item-group": "秩序", "item-title": "快递有序", "item-max_score": "101"},
        ).status_code
        == 400
    )
    assert (
        staff.post(
            f"{url}items/", {"item-group": "秩序", "item-title": "快递有序", "item-max_score": "5"}
        ).status_code
        == 302
    )
    companies = list(round_.companies.order_by("id"))
    compounds = list(round_.compounds.order_by("id"))
    own = staff.post(
        f"{url}inspections/",
        {"inspection-compound": compounds[0].pk, "inspection-inspector": companies[0].pk},
    )
    assert own.status_code == 400 and not Inspection.objects.exists()
    assert (
        staff.post(
            f"{url}inspections/",
            {"inspection-compound": compounds[1].pk, "inspection-inspector": companies[0].pk},
        ).status_code
        == 302
    )
    inspection = Inspection.objects.get()
    conflicted = staff.post(
        f"{url}panel/",
        {
            "panel-inspection": inspection.pk,
            "panel-phone": estate.contacts[1].phone,
            "panel-kind": "owner",
        },
    )
    assert conflicted.status_code == 400
    assert (
        staff.post(
            f"{url}panel/",
            {
                "panel-inspection": inspection.pk,
                "panel-phone": estate.owner.phone,
                "panel-kind": "owner",
            },
        ).status_code
        == 302
    )
    assert staff.post(f"{url}open/").status_code == 302
    round_.refresh_from_db()
    assert round_.status == RoundStatus.OPEN
    page = staff.get(url)
    assert page.status_code == 200
    assert b'data-step="close"' in page.content
    assert staff.post(f"{url}close/").status_code == 302
    assert staff.post(f"{url}publish/").status_code == 302
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PUBLISHED
    xlsx = staff.get(f"{url}scores.xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd")
    assert staff.post(f"{url}nonsense/").status_code == 404


def test_who_may_open_the_console_pages(world, estate):
    round_ = plan_round(world, estate)
    url = f"/console/property-reviews/{round_.pk}/"
    assert _as(world.staff).get(url).status_code == 200
    assert _as(world.county_admin).get(url).status_code == 200
    assert _as(world.other_staff).get(url).status_code == 404
    assert _as(world.resident).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    assert (
        _as(world.staff).get("/console/property-reviews/99999999999999999999/").status_code == 404
    )


def test_a_panel_member_scores_and_records_on_the_phone_pages(world, estate):
    round_ = plan_round(world, estate)
    inspection = first_inspection(round_)
    owner = _as(estate.owner)
    mine = owner.get("/property-reviews/")
    assert mine.status_code == 200
    assert f'data-inspection="{inspection.pk}"'.encode() in mine.content
    url = f"/property-reviews/inspections/{inspection.pk}/"
    assert owner.get(url).status_code == 200
    items = list(round_.items.all())
    bad = owner.post(f"{url}scores/", {f"score-{items[0].pk}": str(items[0].max_score + 1)})
    assert bad.status_code == 400 and b"data-score-error" in bad.content
    assert not Score.objects.exists()
    typed = owner.post(f"{url}scores/", {f"score-{items[0].pk}": "abc"})
    assert typed.status_code == 400
    ok = owner.post(f"{url}scores/", {f"score-{i.pk}": str(i.max_score) for i in items})
    assert ok.status_code == 302
    assert Score.objects.count() == len(items)
    recorded = owner.post(
        f"{url}findings/", {"finding-problem": "单元门禁损坏", "finding-location": "2栋"}
    )
    assert recorded.status_code == 302
    assert Finding.objects.get().problem == "单元门禁损坏"
    assert _as(world.resident).get(url).status_code == 404
    assert _as(estate.owner2).post(f"{url}scores/", {}).status_code == 404


def test_a_contact_rectifies_on_the_phone_and_the_public_page_shows_it(world, estate):
    round_ = plan_round(world, estate)
    finding = services.record_finding(
        actor=estate.owner, inspection=first_inspection(round_), problem="绿化带垃圾"
    )
    contact = _as(estate.contacts[1])
    url = f"/property-reviews/findings/{finding.pk}/"
    assert contact.get(url).status_code == 404  # not sorted yet
    services.track(actor=world.staff, finding=finding)
    assert f'data-finding="{finding.pk}"'.encode() in contact.get("/property-reviews/").content
    assert contact.get(url).status_code == 200
    assert contact.post(f"{url}fix/", {"fix-note": ""}).status_code == 400
    assert contact.post(f"{url}fix/", {"fix-note": "已清理"}).status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.FIXED
    assert _as(estate.contacts[0]).post(f"{url}fix/", {"fix-note": "x"}).status_code == 404
    staff = _as(world.staff)
    verified = staff.post(
        f"/console/property-reviews/findings/{finding.pk}/verify/", {"verify-ok": "yes"}
    )
    assert verified.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.VERIFIED
    public = Client().get(f"/public/property-reviews/{round_.pk}/")
    assert public.status_code == 200
    text = public.content.decode()
    assert f'data-finding="{finding.pk}"' in text and 'data-status="verified"' in text
    for person in (estate.owner, estate.contacts[1], world.staff):
        assert person.name not in text
    # 公开反馈: what the company did is public with the finding; the round's quarter is
    # said as people say it, not as its code.
    assert "data-fix-note" in text and "已清理" in text
    assert round_.quarter not in text.split("<h1", 1)[1].split("</p>", 1)[0]
    assert Client().get(f"/public/{world.wenchang.code}/property-reviews/").status_code == 200
    assert Client().get(f"/public/property-reviews/{round_.pk}/scores.xlsx").status_code == 404


def test_a_finding_handed_to_the_grid_names_its_incident(world, estate):
    from jifen.incidents.services import save_category

    save_category(actor=None, region=world.county, code="road", name="道路破损")
    round_ = plan_round(world, estate)
    finding = services.record_finding(
        actor=estate.owner, inspection=first_inspection(round_), problem="小区外人行道塌陷"
    )
    services.refer(actor=world.staff, finding=finding, category="road")
    finding.refresh_from_db()
    marker = f'data-incident="{finding.incident_id}"'.encode()
    assert marker in Client().get(f"/public/property-reviews/{round_.pk}/").content
    assert marker in _as(estate.owner).get(f"/property-reviews/findings/{finding.pk}/").content


def test_a_draft_round_has_no_public_page(world, estate):
    round_ = plan_round(world, estate, open_it=False)
    assert Client().get(f"/public/property-reviews/{round_.pk}/").status_code == 404


def test_the_console_list_shows_the_findings_waiting_for_staff(world, estate):
    round_ = plan_round(world, estate)
    waiting = services.record_finding(
        actor=estate.owner, inspection=first_inspection(round_), problem="楼道堆物"
    )
    staff = _as(world.staff)
    page = staff.get("/console/property-reviews/?findings=recorded")
    assert f'data-finding="{waiting.pk}"'.encode() in page.content
    assert (
        f'data-finding="{waiting.pk}"'.encode()
        not in staff.get("/console/property-reviews/?findings=fixed").content
    )
    other = _as(world.other_staff).get("/console/property-reviews/?findings=recorded")
    assert f'data-finding="{waiting.pk}"'.encode() not in other.content


def _jpeg(colour: str):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "JPEG")
    return SimpleUploadedFile(f"{colour}.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_staff_verifying_see_which_photo_is_the_problem_and_which_the_fix(world, estate):
    round_ = plan_round(world, estate)
    finding = services.record_finding(
        actor=estate.owner,
        inspection=first_inspection(round_),
        problem="井盖破损",
        photos=[_jpeg("red")],
    )
    services.track(actor=world.staff, finding=finding)
    services.fix(
        actor=estate.contacts[1], finding=finding, note="已更换井盖", photos=[_jpeg("green")]
    )
    for person, url in (
        (world.staff, f"/console/property-reviews/findings/{finding.pk}/"),
        (estate.contacts[1], f"/property-reviews/findings/{finding.pk}/"),
    ):
        page = _as(person).get(url).content
        assert b'data-photo-step="record"' in page and b'data-photo-step="fix"' in page
