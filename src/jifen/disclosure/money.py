"""Money of a disclosure: stored as whole fen (分), read and written in yuan (元).

A form takes ``1,234.5`` or ``-80`` yuan; an amount has at most two decimals and stays
within ``MAX_FEN`` either way (a village's accounts, not a country's). Shown with two
decimals and thousands separators: ``1,234.50``.
"""

import re

from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import InvalidInput

MAX_FEN = 10**14  # one trillion yuan: beyond any village's books, far inside a bigint
_YUAN = re.compile(r"^(-?)(\d{1,13})(?:\.(\d{1,2}))?$")


def check_fen(value: object, field: str) -> int:
    """A whole number of fen within ±``MAX_FEN`` (JSON integers only, never true/2.5)."""
    if isinstance(value, bool) or not isinstance(value, int) or not -MAX_FEN <= value <= MAX_FEN:
        raise InvalidInput(
            _("An amount is a whole number of fen (1 yuan = 100 fen), at most 10^14."),
            code="invalid_amount",
            field=field,
        )
    return value


def parse_yuan(text: str, field: str) -> int:
    """``"1,234.5"`` → 123450 fen; ``invalid_amount`` for anything that is not an amount."""
    cleaned = (
        str(text).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    )
    cleaned = cleaned.removesuffix("元").strip()
    match = _YUAN.match(cleaned)
    if match is None:
        raise InvalidInput(
            _("“%(text)s” is not an amount in yuan (at most two decimals)."),
            code="invalid_amount",
            field=field,
            params={"text": str(text)[:30]},
        )
    sign, whole, cents = match.groups()
    fen = int(whole) * 100 + int((cents or "").ljust(2, "0"))
    return check_fen(-fen if sign else fen, field)


def yuan(fen: int | None) -> str:
    """123450 → ``"1,234.50"``; None → ``""``."""
    if fen is None or isinstance(fen, bool) or not isinstance(fen, int):
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"
