"""Input types every router shares: ids the database can hold, and text it can store.

Lengths are looser than the services allow, so that the services answer with their own
precise message; these only keep out what would otherwise reach the database as a 500.
"""

from typing import Annotated

from pydantic import AfterValidator, Field

MAX_ID = 2**63 - 1  # the largest id the database stores; beyond it nothing exists


def printable(value: str) -> str:
    # PostgreSQL cannot store NUL in text: refused here as bad input, not a 500 there.
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Code = Annotated[str, Field(max_length=200), AfterValidator(printable)]
Reason = Annotated[str, Field(max_length=200), AfterValidator(printable)]
Text = Annotated[str, Field(max_length=1000), AfterValidator(printable)]
LongText = Annotated[str, Field(max_length=5000), AfterValidator(printable)]
