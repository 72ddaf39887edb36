from django import template

from jifen.disclosure.money import yuan as _yuan

register = template.Library()


@register.filter
def yuan(fen: object) -> str:
    """Whole fen shown in yuan with two decimals: 123450 → 1,234.50."""
    return _yuan(fen) if isinstance(fen, int) else ""


@register.filter
def cell(value: object, money: bool) -> str:
    """A table's cell as shown: a money cell in yuan, text as typed."""
    if money:
        return _yuan(value) if isinstance(value, int) else ""
    return "" if value is None else str(value)


@register.filter
def zip_cells(row: list[object], columns: list[dict[str, object]]) -> list[tuple[object, bool]]:
    return [(value, bool(col.get("money"))) for col, value in zip(columns, row, strict=False)]
