"""The console pages: check a file (dry run), confirm it, approve it; who may see what."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jifen.imports.models import Batch, BatchStatus, Upload
from jifen.people.models import Person
from jifen.points.models import Transfer, TransferKind
from tests.conftest import World
from tests.imports.helpers import HISTORY, PEOPLE, rule, xlsx


def logged_in(person: Person) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(person)
    return client


def upload(client: Client, kind: str, data: bytes, community: str) -> object:
    return client.post(
        f"/console/imports/check/{kind}/",
        {f"{kind}-community": community, f"{kind}-file": SimpleUploadedFile("a.xlsx", data)},
    )


def test_staff_check_a_history_file_see_the_error_fix_it_and_import(world: World) -> None:
    rule(world.wenchang)
    client = logged_in(world.staff)
    page = client.get("/console/imports/")
    assert page.status_code == 200 and b"history-file" in page.content
    bad = xlsx(HISTORY, [[world.resident.phone, "2023-05-01", "XF01", 2, 21, ""]])
    checked = upload(client, "history", bad, world.wenchang.code)
    assert checked.status_code == 200
    text = checked.content.decode()
    assert 'data-row="2"' in text and "积分" in text and "gives 20 points" in text
    assert not Upload.objects.exists() and not Batch.objects.exists()
    good = xlsx(HISTORY, [[world.resident.phone, "2023-05-01", "XF01", 2, 20, ""]])
    checked = upload(client, "history", good, world.wenchang.code)
    kept = Upload.objects.get()
    assert f"/console/imports/uploads/{kept.pk}/confirm/" in checked.content.decode()
    done = client.post(f"/console/imports/uploads/{kept.pk}/confirm/")
    batch = Batch.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"/console/imports/{batch.pk}/")
    assert not Upload.objects.exists()
    # The reviewer approves on the batch page.
    reviewer = logged_in(world.reviewer)
    assert (
        f"/console/imports/{batch.pk}/approve/"
        in reviewer.get(f"/console/imports/{batch.pk}/").content.decode()
    )
    assert (
        f"/console/imports/{batch.pk}/approve/"
        not in client.get(f"/console/imports/{batch.pk}/").content.decode()
    )
    reviewer.post(f"/console/imports/{batch.pk}/approve/")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.POSTED
    assert Transfer.objects.filter(kind=TransferKind.IMPORTED).count() == 1


def test_a_bad_file_on_the_page_is_a_form_error(world: World) -> None:
    client = logged_in(world.staff)
    answer = upload(client, "people", b"not a workbook", world.wenchang.code)
    assert answer.status_code == 400 and b".xlsx" in answer.content


def test_others_cannot_use_the_pages(world: World) -> None:
    data = xlsx(PEOPLE, [["李秀兰", "13912340001"]])
    # Staff of another community cannot choose this one.
    answer = upload(logged_in(world.other_staff), "people", data, world.wenchang.code)
    assert answer.status_code == 400
    assert not Person.objects.filter(phone="13912340001").exists()
    assert logged_in(world.merchant).get("/console/imports/").status_code == 403
    assert logged_in(world.resident).get("/console/imports/").status_code in (302, 403)
    # Another's kept upload is not found.
    staff = logged_in(world.staff)
    upload(staff, "people", data, world.wenchang.code)
    kept = Upload.objects.get()
    assert (
        logged_in(world.town_admin).post(f"/console/imports/uploads/{kept.pk}/confirm/").status_code
        == 404
    )
    assert staff.post(f"/console/imports/uploads/{kept.pk}/confirm/").status_code == 302
    assert Person.objects.filter(phone="13912340001").exists()
    # A batch of another town is not found.
    batch = Batch.objects.get()
    assert logged_in(world.other_staff).get(f"/console/imports/{batch.pk}/").status_code == 404
    assert logged_in(world.staff).get("/console/imports/template/nope/").status_code == 404
    assert logged_in(world.staff).get("/console/imports/template/people/").status_code == 200


def test_the_community_chooses_who_approves_imported_history(world: World) -> None:
    from jifen.points.models import CommunityPolicy, ImportApproval
    from jifen.points.services import policy_for

    assert policy_for(world.wenchang).import_approval == ImportApproval.REVIEW
    staff = logged_in(world.staff)
    page = staff.get("/console/imports/").content.decode()
    assert 'action="/console/imports/approval/"' in page
    choice = {"mode-community": world.wenchang.code, "mode-import_approval": "admins"}
    assert (
        logged_in(world.other_staff).post("/console/imports/approval/", choice).status_code == 400
    )
    assert logged_in(world.reviewer).post("/console/imports/approval/", choice).status_code == 400
    assert not CommunityPolicy.objects.exists()
    assert staff.post("/console/imports/approval/", choice).status_code == 302
    assert policy_for(world.wenchang).import_approval == ImportApproval.ADMINS
    bad = {**choice, "mode-import_approval": "anyone"}
    assert staff.post("/console/imports/approval/", bad).status_code == 400
    assert policy_for(world.wenchang).import_approval == ImportApproval.ADMINS
