"""A village's staff, an inspector of the town, and helpers for 村务公开's tests."""

import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jifen.disclosure import services
from jifen.people.models import Person, Role, RoleGrant
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.conftest import make_person

LEASE_TABLE = {
    "columns": [{"name": "地块"}, {"name": "面积（亩）"}, {"name": "年租金（元）", "money": True}],
    "rows": [["东山片", "120", 3_600_000], ["溪边片", "80", 2_412_050]],
}


def sections(**override: dict) -> dict:
    base = {
        "income": {
            "lines": [
                {"label": "经营收入", "amount": 1_200_000},
                {"label": "补助收入", "amount": 50},
            ],
            "total": 1_200_050,
        },
        "expenses": {"lines": [{"label": "管理费用", "amount": 300_000}], "total": 300_000},
        "assets": {"lines": [], "total": 0},
        "resources": {"lines": [], "total": 0},
        "debts": {"lines": [], "total": 0},
        "distribution": {"lines": [], "total": 0},
    }
    base.update(override)
    return base


@dataclass
class Village:
    inspector: Person


@pytest.fixture
def village(world) -> Village:
    inspector = make_person(None, "巡察组")
    RoleGrant.objects.create(person=inspector, role=Role.INSPECTOR, region=world.town)
    return Village(inspector=inspector)


def png(size: tuple[int, int] = (20, 10)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def notice(world, media):
    return services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="leases",
        title="东山片土地租赁公告",
        body="公开招租。",
        table=LEASE_TABLE,
    )
