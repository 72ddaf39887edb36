from datetime import date

import pytest

from jifen.points import services
from jifen.points.ledger import Posting, account_for, post, system_account
from jifen.points.models import AccountKind, Transfer, TransferKind
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared


class Ledger:
    """Short ways to move points in tests, all through the real posting code."""

    def __init__(self) -> None:
        self.n = 0

    def key(self, prefix: str = "t") -> str:
        self.n += 1
        return f"{prefix}:{self.n}"

    def award(self, person, amount: int, service_date: date | None = None) -> Transfer:
        return services.award_points(
            person=person,
            amount=amount,
            key=self.key("award"),
            actor=None,
            service_date=service_date,
        )

    def redeem(self, person, amount: int) -> Transfer:
        return post(
            Posting(
                debit=account_for(person),
                credit=system_account(person.community, AccountKind.SHOP),
                amount=amount,
                kind=TransferKind.REDEMPTION,
                key=self.key("redeem"),
            )
        )


@pytest.fixture
def ledger() -> Ledger:
    return Ledger()
