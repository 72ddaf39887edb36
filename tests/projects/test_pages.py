"""The pages: staff keep the three lists and turn a need into a project on the console; a
unit's contact takes the lead and reports a milestone with a photo on a phone; a party
member takes a need; the public pages need no login and mask people."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from jifen.notices.models import Notice
from jifen.projects import services
from jifen.projects.models import Milestone, Need, NeedStatus, Project, Resource, Status
from tests.conftest import PASSWORD
from tests.projects.conftest import all_reported, draft, led, make_need, published

pytestmark = pytest.mark.django_db


def _client(person) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=person.phone, password=PASSWORD)
    return client


def _png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), "blue").save(out, "PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


def test_staff_see_the_three_tabs_and_list_a_need(world, units):
    client = _client(world.staff)
    for tab in ("projects", "needs", "resources"):
        page = client.get(reverse("projects:console_lists"), {"tab": tab})
        assert page.status_code == 200
        assert f'data-tab="{tab}" aria-current="page"' in page.content.decode()
    made = client.post(
        f"{reverse('projects:console_need_new')}?community={world.wenchang.code}",
        {"title": "楼道无灯", "source": "visit", "source_note": "入户走访"},
    )
    need = Need.objects.get()
    assert made.status_code == 302 and made.url == reverse("projects:console_need", args=[need.pk])
    html = client.get(made.url).content.decode()
    assert f'data-plan="{need.pk}"' in html
    bad = client.post(reverse("projects:console_need_new"), {"title": "", "source": "visit"})
    assert bad.status_code == 400 and Need.objects.count() == 1


def test_staff_turn_a_need_into_a_project_matched_to_a_resource(world, units):
    need = make_need(world)
    resource = services.offer_resource(
        actor=world.staff,
        community=world.wenchang,
        kind="funds",
        title="资助",
        organization=units.bank,
    )
    client = _client(world.staff)
    form = client.get(reverse("projects:console_new"), {"need": need.pk})
    assert form.status_code == 200 and need.title in form.content.decode()
    made = client.post(
        reverse("projects:console_new"),
        {
            "community": world.wenchang.code,
            "title": need.title,
            "summary": "装灯",
            "budget": "1,200.50",
            "milestones": "采购 | 2027-01-10\n安装",
            "needs": [need.pk],
            "resources": [resource.pk],
            "rule_item": units.item.pk,
            "points": "40",
        },
    )
    project = Project.objects.get()
    assert made.status_code == 302, made.content.decode()[:2000]
    assert project.budget_fen == 120_050 and project.points == 40
    assert [m.title for m in project.milestones.all()] == ["采购", "安装"]
    assert list(project.resources.all()) == [resource]
    assert Need.objects.get(pk=need.pk).status == NeedStatus.PLANNED
    client.post(reverse("projects:console_publish", args=[project.pk]))
    assert Project.objects.get(pk=project.pk).status == Status.OPEN
    bad = client.post(
        reverse("projects:console_new"),
        {"community": world.wenchang.code, "title": "x", "milestones": "y | 2027-13-01"},
    )
    assert bad.status_code == 400 and Project.objects.count() == 1


def test_a_contact_takes_the_lead_and_reports_a_milestone_with_a_photo(world, units):
    project = published(world, units)
    client = _client(units.clinic_contact)
    mine = client.get(reverse("projects:mine")).content.decode()
    assert f'data-open-project="{project.pk}"' in mine
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "data-lead-button" in page
    client.post(reverse("projects:lead", args=[project.pk]), {"organization": units.clinic.pk})
    project.refresh_from_db()
    assert project.status == Status.LED and project.lead_organization == units.clinic
    first = project.milestones.first()
    answer = client.post(
        reverse("projects:report", args=[project.pk, first.pk]),
        {f"report-{first.pk}-note": "买好了", f"report-{first.pk}-photo": _png()},
    )
    assert answer.status_code == 302
    first.refresh_from_db()
    assert first.done_at is not None and first.photo and first.note == "买好了"
    public = Client().get(reverse("projects:public_detail", args=[project.pk])).content.decode()
    assert f'data-milestone="{first.pk}" data-done="true"' in public and "<img" in public
    # The other unit's contact is offered nothing and refused.
    other = _client(units.bank_contact)
    second = project.milestones.last()
    page = other.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert f'data-report="{second.pk}"' not in page
    other.post(
        reverse("projects:report", args=[project.pk, second.pk]), {f"report-{second.pk}-note": "x"}
    )
    assert Milestone.objects.get(pk=second.pk).done_at is None


def test_a_bad_photo_comes_back_on_the_form_and_nothing_is_written(world, units):
    project = led(world, units)
    first = project.milestones.first()
    answer = _client(units.clinic_contact).post(
        reverse("projects:report", args=[project.pk, first.pk]),
        {f"report-{first.pk}-photo": SimpleUploadedFile("x.png", b"not a picture")},
    )
    assert answer.status_code == 400
    assert Milestone.objects.get(pk=first.pk).done_at is None


def test_the_contact_completes_from_the_phone(world, units):
    project = all_reported(world, units)
    client = _client(units.clinic_contact)
    assert (
        "data-complete-button"
        in client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    )
    client.post(reverse("projects:complete", args=[project.pk]), {"complete-note": "完工"})
    project.refresh_from_db()
    assert project.status == Status.COMPLETED and project.claim is not None


def test_without_points_set_the_contact_is_told_to_ask_staff_not_offered_completion(world, units):
    project = all_reported(world, units, points=None)
    page = (
        _client(units.clinic_contact)
        .get(reverse("projects:detail", args=[project.pk]))
        .content.decode()
    )
    assert "data-complete-button" not in page
    assert "data-awaiting-reward" in page


def test_the_lead_contact_gives_the_project_back_from_the_phone_before_any_milestone(world, units):
    project = led(world, units)
    url = reverse("projects:detail", args=[project.pk])
    release = reverse("projects:release", args=[project.pk])
    member = _client(units.clinic_member)
    assert "data-release-button" not in member.get(url).content.decode()
    member.post(release, {"reason": "x"})
    assert Project.objects.get(pk=project.pk).status == Status.LED
    contact = _client(units.clinic_contact)
    assert "data-release-button" in contact.get(url).content.decode()
    assert contact.post(release, {"reason": "人手不够"}).status_code == 302
    project.refresh_from_db()
    assert project.status == Status.OPEN and project.lead_organization is None
    again = led(world, units)
    services.report_milestone(
        actor=units.clinic_contact, milestone=again.milestones.first(), note="完成"
    )
    page = contact.get(reverse("projects:detail", args=[again.pk])).content.decode()
    assert "data-release-button" not in page
    contact.post(reverse("projects:release", args=[again.pk]), {})
    assert Project.objects.get(pk=again.pk).lead_organization == units.clinic


def test_staff_take_the_lead_back_on_the_console_and_the_unit_is_told(world, units):
    project = led(world, units)
    staff = _client(world.staff)
    url = reverse("projects:console_detail", args=[project.pk])
    assert 'data-action="release"' in staff.get(url).content.decode()
    release = reverse("projects:console_release", args=[project.pk])
    assert staff.post(release, {"release-reason": ""}).status_code == 400  # a reason, please
    assert Project.objects.get(pk=project.pk).status == Status.LED
    assert staff.post(release, {"release-reason": "三个月没有进展"}).status_code == 302
    project.refresh_from_db()
    assert project.status == Status.OPEN and project.lead_organization is None
    assert Notice.objects.filter(person=units.clinic_contact, kind="projects").exists()
    assert _client(units.clinic_contact).post(release, {"release-reason": "x"}).status_code in (
        302,
        403,
        404,
    )
    assert Project.objects.get(pk=project.pk).status == Status.OPEN


def test_a_party_member_takes_a_need_and_reports_it_met(world, units):
    need = make_need(world)
    client = _client(units.party_member)
    assert f'data-open-need="{need.pk}"' in client.get(reverse("projects:mine")).content.decode()
    client.post(reverse("projects:claim", args=[need.pk]), {"organization": ""})
    assert Need.objects.get(pk=need.pk).claimed_by == units.party_member
    client.post(reverse("projects:need_step", args=[need.pk, "meet"]), {"note": "好了"})
    assert Need.objects.get(pk=need.pk).status == NeedStatus.MET
    resident = _client(world.resident)
    other = make_need(world, "另一件事")
    resident.post(reverse("projects:claim", args=[other.pk]), {"organization": ""})
    assert Need.objects.get(pk=other.pk).status == NeedStatus.OPEN


def test_a_contact_offers_a_resource_on_the_phone(world, units):
    client = _client(units.clinic_contact)
    assert client.get(reverse("projects:offer")).status_code == 200
    client.post(
        reverse("projects:offer"),
        {
            "organization": units.clinic.pk,
            "kind": "expertise",
            "title": "义诊",
            "availability": "周六",
        },
    )
    resource = Resource.objects.get()
    assert resource.organization == units.clinic and resource.community == world.wenchang
    # A member who is not the contact is sent back without a form.
    assert _client(units.clinic_member).get(reverse("projects:offer")).status_code == 302


def test_public_pages_need_no_login_hide_drafts_and_mask_people(world, units):
    hidden = draft(world, units)
    shown = published(world, units)
    services.offer_resource(
        actor=world.staff,
        community=world.wenchang,
        kind="vehicle",
        title="面包车",
        person=world.resident,
    )
    anonymous = Client()
    html = anonymous.get(
        reverse("projects:public_list", args=[world.wenchang.code])
    ).content.decode()
    assert f'data-project="{shown.pk}"' in html and f'data-project="{hidden.pk}"' not in html
    assert "王*英" in html and world.resident.phone not in html
    assert anonymous.get(reverse("projects:public_detail", args=[hidden.pk])).status_code == 404
    assert anonymous.get("/public/projects/99999999999999999999/").status_code == 404
    assert anonymous.get(reverse("projects:public_list", args=["nowhere"])).status_code == 404


def test_console_pages_refuse_residents_and_other_staff(world, units):
    project = draft(world, units)
    assert _client(world.resident).get(reverse("projects:console_lists")).status_code == 403
    assert (
        _client(world.other_staff)
        .get(reverse("projects:console_detail", args=[project.pk]))
        .status_code
        == 404
    )
    _client(world.other_staff).post(reverse("projects:console_publish", args=[project.pk]))
    assert Project.objects.get(pk=project.pk).status == Status.DRAFT


def test_staff_take_every_step_on_the_console(world, units):
    project = draft(world, units, points=None)
    client = _client(world.staff)
    assert client.get(reverse("projects:console_detail", args=[project.pk])).status_code == 200
    client.post(
        reverse("projects:console_reward", args=[project.pk]),
        {"reward-rule_item": units.item.pk, "reward-points": "30", "reward-budget": "99.9"},
    )
    project.refresh_from_db()
    assert project.points == 30 and project.budget_fen == 9990
    client.post(
        reverse("projects:console_assign", args=[project.pk]),
        {"assign-organization": units.bank.pk},
    )
    client.post(
        reverse("projects:console_milestone", args=[project.pk]), {"milestone-title": "验收"}
    )
    for m in Project.objects.get(pk=project.pk).milestones.all():
        client.post(
            reverse("projects:console_report", args=[project.pk, m.pk]),
            {f"report-{m.pk}-note": "ok"},
        )
    client.post(reverse("projects:console_complete", args=[project.pk]), {"complete-note": "ok"})
    project.refresh_from_db()
    assert project.status == Status.COMPLETED
    assert project.claim.organization == units.bank
    assert project.claim.person == units.bank_contact
    html = client.get(reverse("projects:console_detail", args=[project.pk])).content.decode()
    assert f'data-claim="{project.claim_id}"' in html


def test_a_resident_without_a_unit_is_told_who_takes_needs(world, units):
    make_need(world)
    page = _client(world.resident).get(reverse("projects:mine"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "data-open-need" not in html and "data-offer" not in html
    project = published(world, units)
    detail = _client(world.resident).get(reverse("projects:detail", args=[project.pk]))
    assert detail.status_code == 200 and "data-lead-button" not in detail.content.decode()
    _client(world.resident).post(
        reverse("projects:lead", args=[project.pk]), {"organization": units.clinic.pk}
    )
    assert Project.objects.get(pk=project.pk).status == Status.OPEN
