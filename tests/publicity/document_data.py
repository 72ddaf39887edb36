"""Data for the tests of the documents (certificates, PDFs, the annual selection).

``serve`` goes through the real claim services (declared, reviewed, posted); ``served``
writes an approved claim directly, for figures that need many hours cheaply (a claim
covers at most a day: 24 h). ``published_month`` posts point changes dated in an ended
month and publishes its 公示 through the real services.
"""

import itertools
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from jifen.claims import services as claims
from jifen.claims.models import Claim, Provenance, Source, Status
from jifen.people.models import Person, Role, RoleGrant
from jifen.points.ledger import Posting, account_for, post, system_account
from jifen.points.models import AccountKind, RuleItem, RuleVersion, TransferKind
from jifen.points.services import save_rule_item
from jifen.publicity import services as publicity
from jifen.publicity.models import Announcement
from jifen.regions.models import Region
from tests.conftest import World, make_person

_keys = itertools.count(1)


@dataclass
class Items:
    basic: RuleItem  # 环境整治, 10 points an hour
    skilled: RuleItem  # 义诊, 20 points an hour
    visit: RuleItem  # 探访独居老人, 5 points a time


def make_items(world: World) -> Items:
    def item(code: str, name: str, unit: str, points: int) -> RuleItem:
        return save_rule_item(
            actor=None,
            region=world.county,
            code=code,
            name=name,
            category="邻里互助",
            unit=unit,
            points=points,
            effective_from=date(2015, 1, 1),
        ).item

    return Items(
        basic=item("BASIC", "环境整治", "hour", 10),
        skilled=item("SKILLED", "义诊", "hour", 20),
        visit=item("VISIT", "探访独居老人", "time", 5),
    )


def second_reviewer(world: World) -> Person:
    person = make_person(world.wenchang, "郑复核")
    RoleGrant.objects.create(person=person, role=Role.REVIEWER, region=world.wenchang)
    return person


def serve(
    world: World,
    person: Person,
    item: RuleItem,
    quantity: float,
    on: date,
    reviewers: tuple[Person, ...],
) -> Claim:
    """Service through the real path: entered by staff, approved (twice when it must be)."""
    claim = claims.create_claim(
        person=person,
        rule_item=item,
        quantity=quantity,
        occurred_on=on,
        description="社区志愿服务",
        source=Source.STAFF,
        provenance=Provenance.ON_SITE,
        created_by=world.staff,
        check_age=False,
    )
    for reviewer in reviewers[: claim.approvals_needed]:
        claims.approve_claim(claim=claim, reviewer=reviewer)
    claim.refresh_from_db()
    assert claim.status == Status.APPROVED
    return claim


def served(person: Person, item: RuleItem, hours: str | float, on: date, **fields) -> Claim:
    """An approved claim written directly (no points posted): hours for the figures."""
    version = RuleVersion.objects.filter(item=item).order_by("-version").first()
    assert version is not None
    quantity = Decimal(str(hours))
    return Claim.objects.create(
        person=person,
        community=person.community,
        rule_version=version,
        quantity=quantity,
        occurred_on=on,
        points=int(quantity * version.points),
        source=fields.pop("source", Source.STAFF),
        provenance=Provenance.ON_SITE,
        status=fields.pop("status", Status.APPROVED),
        **fields,
    )


def award(person: Person, points: int, at: datetime | None = None, memo: str = "") -> None:
    """Points from the community's issuer, dated ``at`` (default now)."""
    community = person.community
    assert community is not None
    post(
        Posting(
            debit=system_account(community, AccountKind.ISSUER),
            credit=account_for(person),
            amount=points,
            kind=TransferKind.AWARD,
            key=f"documents-test:{next(_keys)}",
            memo=memo,
            created_at=at,
        )
    )


def redeem(person: Person, points: int, at: datetime | None = None) -> None:
    community = person.community
    assert community is not None
    post(
        Posting(
            debit=account_for(person),
            credit=system_account(community, AccountKind.SHOP),
            amount=points,
            kind=TransferKind.REDEMPTION,
            key=f"documents-test:{next(_keys)}",
            created_at=at,
        )
    )


def local(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def last_month() -> date:
    first = timezone.localdate().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def published_month(
    world: World, community: Region, people: list[Person], lines: int = 6
) -> Announcement:
    """Last month's 公示 of ``community``, with ``lines`` awards spread over ``people``."""
    first = last_month()
    for n in range(lines):
        person = people[n % len(people)]
        award(person, 10 + n % 7, local(first.replace(day=1 + n % 27), 9 + n % 8), memo="环境整治")
    announcement = publicity.draft(actor=world.staff, community=community, month=f"{first:%Y-%m}")
    return publicity.publish(actor=world.reviewer, announcement=announcement)


def pdf_text(data: bytes, tmp_path: Path, name: str = "doc") -> str:
    """The text of a PDF as ``pdftotext`` reads it (poppler-utils)."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    result = subprocess.run(  # noqa: S603 - a fixed tool on a file we wrote
        [_tool("pdftotext"), "-layout", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    )
    return result.stdout


def pdf_fonts(data: bytes, tmp_path: Path, name: str = "doc") -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    result = subprocess.run(  # noqa: S603
        [_tool("pdffonts"), str(path)], capture_output=True, check=True, text=True
    )
    return result.stdout


def pdf_pages(data: bytes, tmp_path: Path, name: str = "doc") -> int:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    result = subprocess.run(  # noqa: S603
        [_tool("pdfinfo"), str(path)], capture_output=True, check=True, text=True
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


def _tool(name: str) -> str:
    """The poppler tool: without it the test is skipped, saying why (in CI it fails)."""
    from tests.pdfcheck import poppler

    return poppler(name)
