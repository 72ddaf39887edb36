"""The contract's import routes: multipart in, {rows, created, errors} out; templates;
bad files answer a clear error in Chinese, never 500."""

import zipfile
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from jifen.imports import reader
from jifen.imports.models import Batch
from jifen.people.auth import issue_token
from tests.conftest import World
from tests.imports.helpers import HISTORY, PEOPLE, rule, xlsx


def client_for(person: Any) -> Client:
    # English: the Chinese messages come with the translations (merged from the TSV).
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {issue_token(person=person)}", HTTP_ACCEPT_LANGUAGE="en"
    )


def post(client: Client, kind: str, data: bytes, community: str, dry_run: str | None = None) -> Any:
    form: dict[str, Any] = {"file": _file(data), "community": community}
    if dry_run is not None:
        form["dry_run"] = dry_run
    return client.post(f"/api/v1/imports/{kind}", form)


def _file(data: bytes, name: str = "导入.xlsx") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_a_history_import_by_api_dry_run_by_default_then_for_real(world: World) -> None:
    rule(world.wenchang)
    client = client_for(world.staff)
    data = xlsx(HISTORY, [[world.resident.phone, "2023-05-01", "XF01", 2, 20, ""]])
    dry = post(client, "history", data, world.wenchang.code)
    assert dry.status_code == 200
    body = dry.json()
    assert (body["rows"], body["created"], body["errors"]) == (1, 0, [])
    assert body["dry_run"] is True and body["to_create"] == 1
    assert not Batch.objects.exists()
    real = post(client, "history", data, world.wenchang.code, dry_run="false")
    assert real.status_code == 201
    assert real.json()["created"] == 1 and real.json()["status"] == "pending"
    again = post(client, "history", data, world.wenchang.code, dry_run="false")
    assert again.status_code == 200 and again.json()["created"] == 0
    # The review group approves by API.
    batch = real.json()["batch"]
    approved = client_for(world.reviewer).post(f"/api/v1/imports/batches/{batch}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "posted"


def test_errors_by_api_carry_row_column_and_a_chinese_message(world: World) -> None:
    rule(world.wenchang)
    data = xlsx(HISTORY, [[world.resident.phone, "2023-05-01", "XF01", 2, 25, ""]])
    answer = post(client_for(world.staff), "history", data, world.wenchang.code, "false")
    assert answer.status_code == 200
    [error] = answer.json()["errors"]
    assert (error["row"], error["column"]) == (2, "积分")
    assert "gives 20 points" in error["message"] and "says 25" in error["message"]
    assert not Batch.objects.exists()


def test_people_by_api(world: World) -> None:
    data = xlsx(PEOPLE, [["李秀兰", "13912340001"]])
    answer = post(client_for(world.staff), "people", data, world.wenchang.code, "false")
    assert answer.status_code == 201 and answer.json()["created"] == 1


@pytest.mark.parametrize("kind", ["people", "history"])
def test_others_are_refused(world: World, kind: str) -> None:
    data = xlsx(PEOPLE if kind == "people" else HISTORY, [])
    assert post(client_for(world.other_staff), kind, data, world.wenchang.code).status_code == 403
    assert post(client_for(world.resident), kind, data, world.wenchang.code).status_code == 403
    assert post(Client(), kind, data, world.wenchang.code).status_code == 401
    unknown = post(client_for(world.staff), kind, data, "999999")
    assert unknown.status_code == 404
    town = post(client_for(world.town_admin), kind, data, world.town.code)
    assert town.status_code == 400 and town.json()["error"]["code"] == "not_a_community"
    assert client_for(world.resident).get(f"/api/v1/imports/{kind}/template").status_code == 403


@pytest.mark.parametrize("kind", ["people", "history"])
def test_the_templates_hold_the_headers_and_an_example(world: World, kind: str) -> None:
    answer = client_for(world.staff).get(f"/api/v1/imports/{kind}/template")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(answer.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    headers = PEOPLE if kind == "people" else HISTORY
    assert set(headers) <= set(rows[0])
    assert len(rows) == 2 and any(rows[1])


def _no_sheet() -> bytes:
    """A zip that is not a workbook at all."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


def _headers_only_wrong() -> bytes:
    return xlsx(("姓名", "电话"), [["李秀兰", "13912340001"]])


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "not_xlsx"),
        (b"name,phone\n\xe6\x9d\x8e,139\n", "not_xlsx"),
        (b"PK\x03\x04 broken", "not_xlsx"),
        (_no_sheet(), "not_xlsx"),
        (_headers_only_wrong(), "missing_headers"),
    ],
)
def test_a_bad_file_is_a_clear_error_never_a_500(world: World, data: bytes, code: str) -> None:
    answer = post(client_for(world.staff), "people", data, world.wenchang.code)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == code
    assert "xlsx" in error["message"] or "headers" in error["message"]
    if code == "missing_headers":
        assert "手机号" in error["message"]


def test_a_file_too_large_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_BYTES", 1000)
    data = xlsx(PEOPLE, [["李秀兰", f"139{n:08d}"] for n in range(200)])
    answer = post(client_for(world.staff), "people", data, world.wenchang.code)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "file_too_large"


def test_a_file_of_too_many_rows_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_ROWS", 5)
    data = xlsx(PEOPLE, [["李秀兰", f"139{n:08d}"] for n in range(5)])
    answer = post(client_for(world.staff), "people", data, world.wenchang.code)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "too_many_rows"
    fewer = xlsx(PEOPLE, [["李秀兰", f"139{n:08d}"] for n in range(4)])
    assert post(client_for(world.staff), "people", fewer, world.wenchang.code).status_code == 200


def test_an_empty_workbook_sheet_is_missing_headers(world: World) -> None:
    book = Workbook()
    buffer = BytesIO()
    book.save(buffer)
    answer = post(client_for(world.staff), "history", buffer.getvalue(), world.wenchang.code)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "missing_headers"


def test_bad_form_values_and_ids_are_400_or_404_never_500(world: World) -> None:
    rule(world.wenchang)
    client = client_for(world.staff)
    data = xlsx(HISTORY, [[world.resident.phone, "2023-05-01", "XF01", 2, 20, ""]])
    assert post(client, "history", data, world.wenchang.code, dry_run="maybe").status_code == 400
    missing = client.post("/api/v1/imports/history", {"community": world.wenchang.code})
    assert missing.status_code == 400
    for bad in ("0", "-1", "9223372036854775808", "abc"):
        answer = client.get(f"/api/v1/imports/batches/{bad}")
        assert answer.status_code in (400, 404, 422), bad
        assert answer.status_code != 500
    assert client.get("/api/v1/imports/batches/12345").status_code == 404
    # Another community's staff see no batch of this one.
    batch = post(client, "history", data, world.wenchang.code, dry_run="false").json()["batch"]
    assert client_for(world.other_staff).get(f"/api/v1/imports/batches/{batch}").status_code == 404
    approve = client_for(world.other_staff).post(f"/api/v1/imports/batches/{batch}/approve")
    assert approve.status_code == 404
    listed = client_for(world.reviewer).get("/api/v1/imports/batches").json()
    assert [b["id"] for b in listed] == [batch]
