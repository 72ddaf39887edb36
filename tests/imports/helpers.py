"""Excel files for the import tests, made as staff would type them."""

from collections.abc import Iterable, Sequence
from datetime import date
from io import BytesIO
from typing import Any

from openpyxl import Workbook

from jifen.points.models import RuleItem
from jifen.points.services import save_rule_item
from jifen.regions.models import Region

HISTORY = ("手机号", "服务日期", "积分项目", "数量", "积分", "备注")
PEOPLE = ("姓名", "手机号", "身份证号", "户号", "标签", "志愿服务队")


def xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rule(community: Region, code: str = "XF01", points: int = 10, unit: str = "hour") -> RuleItem:
    """An item worth ``points`` per unit from 2020 on."""
    return save_rule_item(
        actor=None,
        region=community,
        code=code,
        name="环境整治",
        category="环境保护",
        unit=unit,
        points=points,
        effective_from=date(2020, 1, 1),
    ).item
