"""``jifen seed scale``: a synthetic county at benchmark scale.

It builds one county (region codes prefixed ``SCALE``, so it never meets the demo
county), towns of 20 communities, the people of each community with their
accounts, four service teams per community, and awards spread over the last M
calendar months before the current one, each with its service date.

Everything goes in bulk, one community per transaction, so memory stays flat
however many volunteers are asked for, and a half-finished run leaves whole
communities behind. Points move only through ``jifen.points.ledger.post_many``,
so stored balances, earned totals and the issuer's slots agree with the transfers
and ``jifen verify`` is clean afterwards. Nobody here can log in: every password is
unusable. The generator is seeded, so two runs with the same arguments describe
the same county.
"""

import random
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from jifen.demo.names import GIVEN, SURNAMES
from jifen.people.models import ConsentSource, Person, Team, TeamMember
from jifen.people.validation import luhn_digit
from jifen.points.ledger import Posting, post_many, system_account
from jifen.points.models import Account, AccountKind, RuleVersion, TransferKind
from jifen.points.services import save_rule_item
from jifen.points.settlement import Month
from jifen.regions.models import Level, Region
from jifen.regions.services import add_region

PREFIX = "SCALE"
COUNTY_CODE = PREFIX
PHONE_PREFIX = "166"  # 166 + an 8-digit running number
COMMUNITIES_PER_TOWN = 20
VOLUNTEERS_PER_COMMUNITY = 473  # 142,000 volunteers → 300 communities
TEAM_SIZES = (12, 10, 25, 8)  # leader included; the last is too small for the leader's bonus
RULE_CODE = "SCALE-SERVICE"
HOURS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0)
POINTS_PER_HOUR = 10
# Most volunteers serve every month (they earn the long-term bonus); the others now and then.
REGULAR_SHARE = 0.55
OCCASIONAL_CHANCE = 0.35


@dataclass
class ScaleReport:
    county: str
    communities: int
    volunteers: int
    teams: int
    transfers: int
    first_month: Month
    last_month: Month
    seconds: float


def default_communities(volunteers: int) -> int:
    return max(1, round(volunteers / VOLUNTEERS_PER_COMMUNITY))


def seeded_months(months: int, today: date | None = None) -> list[Month]:
    """The ``months`` calendar months before the current one, oldest first."""
    month = Month.of(today or timezone.localdate())
    result = []
    for _step in range(months):
        month = month.previous()
        result.append(month)
    return result[::-1]


def _reserve_person_ids(count: int) -> list[int]:
    """Ids for people about to be inserted, so each volunteer number is known up front.

    PostgreSQL hands them out from the table's own sequence (safe beside other
    writers); SQLite holds the database's write lock for the whole transaction, so
    the next ids after the highest ever used are ours.
    """
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - model table
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        highest = max(highest, row[0] if row else 0)
    return list(range(highest + 1, highest + 1 + count))


def _volunteer_no(pk: int) -> str:
    """The same scheme as people.services._create_person: the id in 8 digits and a Luhn digit."""
    base = f"{pk:08d}"
    return base + luhn_digit(base)


def _name(rng: random.Random) -> str:
    given = 1 if rng.random() < 0.3 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(given))


def _local(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _check_free(volunteers: int) -> None:
    existing = Region.objects.filter(code=COUNTY_CODE).first()
    if existing is not None:
        communities = Region.objects.filter(
            path__startswith=existing.path, level=Level.COMMUNITY
        ).count()
        people = Person.objects.filter(community__path__startswith=existing.path).count()
        raise CommandError(
            f"the {COUNTY_CODE} county is already here ({communities} communities, "
            f"{people} people): `seed scale` runs once per database; seed a fresh database "
            "to change the size"
        )
    last_phone = f"{PHONE_PREFIX}{volunteers - 1:08d}"
    if Person.objects.filter(phone__gte=f"{PHONE_PREFIX}00000000", phone__lte=last_phone).exists():
        raise CommandError(
            f"phones {PHONE_PREFIX}00000000…{last_phone}, which seed scale gives its "
            "volunteers, are already registered here; use a database without them"
        )


def _regions(communities: int, first: Month) -> list[Region]:
    """The county, its towns and communities, all dated back to the first seeded month."""
    county = add_region(actor=None, code=COUNTY_CODE, name="规模测试县", level=Level.COUNTY)
    result = []
    for index in range(communities):
        town_no = index // COMMUNITIES_PER_TOWN + 1
        town_code = f"{PREFIX}-T{town_no:03d}"
        if index % COMMUNITIES_PER_TOWN == 0:
            add_region(
                actor=None,
                code=town_code,
                name=f"规模测试镇{town_no:03d}",
                level=Level.TOWN,
                parent_code=COUNTY_CODE,
            )
        result.append(
            add_region(
                actor=None,
                code=f"{PREFIX}-C{index + 1:04d}",
                name=f"规模测试社区{index + 1:04d}",
                level=Level.COMMUNITY,
                parent_code=town_code,
            )
        )
    started = first.start()
    Region.objects.filter(path__startswith=county.path).update(created_at=started)
    for region in result:
        region.created_at = started
    return result


def _people(
    community: Region, first_index: int, count: int, rng: random.Random, joined: datetime
) -> list[Person]:
    ids = _reserve_person_ids(count)
    people = []
    for offset, pk in enumerate(ids):
        consented = rng.random() < 0.75
        person = Person(
            id=pk,
            name=_name(rng),
            phone=f"{PHONE_PREFIX}{first_index + offset:08d}",
            volunteer_no=_volunteer_no(pk),
            community=community,
            is_party_member=rng.random() < 0.2,
            is_veteran=rng.random() < 0.05,
            consent_at=joined if consented else None,
            consent_source=ConsentSource.SELF_REGISTRATION if consented else "",
        )
        # What set_unusable_password() stores, without 40 calls to secrets.choice each.
        person.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(20)
        people.append(person)
    Person.objects.bulk_create(people, batch_size=1000)
    return people


def _teams(community: Region, people: list[Person], first: Month) -> int:
    """Four teams per community; leaders of those with 10 or more earn the monthly bonus."""
    teams, members, start = [], [], 0
    for number, size in enumerate(TEAM_SIZES, start=1):
        group = people[start : start + size]
        start += size
        if len(group) < 2:
            break
        teams.append((Team(region=community, name=f"志愿服务队{number}", leader=group[0]), group))
    Team.objects.bulk_create([team for team, _group in teams])
    for team, group in teams:
        members += [TeamMember(team=team, person=p, joined_on=first.first_day) for p in group]
    TeamMember.objects.bulk_create(members, batch_size=1000)
    return len(teams)


def _awards(
    issuer: Account,
    accounts: list[Account],
    months: list[Month],
    rule: RuleVersion,
    rng: random.Random,
) -> Iterator[Posting]:
    for account in accounts:
        regular = rng.random() < REGULAR_SHARE
        for month in months:
            count = (1 + (rng.random() < 0.5)) if regular else int(rng.random() < OCCASIONAL_CHANCE)
            for n in range(count):
                day = month.first_day + timedelta(days=rng.randrange(month.last_day.day))
                hours = rng.choice(HOURS)
                yield Posting(
                    debit=issuer,
                    credit=account,
                    amount=int(hours * POINTS_PER_HOUR),
                    kind=TransferKind.AWARD,
                    key=f"seed-scale:{account.pk}:{month}:{n}",
                    rule_version=rule,
                    service_date=day,
                    created_at=_local(day, 18 + rng.randrange(4), rng.randrange(60)),
                    source_type="seed_scale",
                )


def seed_scale(
    volunteers: int,
    months: int = 3,
    communities: int | None = None,
    *,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> ScaleReport:
    if volunteers < 1 or months < 1:
        raise CommandError("--volunteers and --months must be at least 1")
    communities = communities or default_communities(volunteers)
    if communities < 1 or communities > volunteers:
        raise CommandError("--communities must be between 1 and the number of volunteers")
    started = time.monotonic()
    seeded = seeded_months(months, today)
    first, last = seeded[0], seeded[-1]
    with transaction.atomic():
        _check_free(volunteers)
        regions = _regions(communities, first)
        county = Region.objects.get(code=COUNTY_CODE)
        rule = save_rule_item(
            actor=None,
            region=county,
            code=RULE_CODE,
            name="社区志愿服务",
            category="志愿服务",
            unit="hour",
            points=POINTS_PER_HOUR,
            effective_from=first.first_day,
        )
    per, extra = divmod(volunteers, communities)
    index = transfers = teams = 0
    for number, community in enumerate(regions):
        count = per + (number < extra)
        rng = random.Random(f"{COUNTY_CODE}:{number}")  # noqa: S311 - synthetic data
        with transaction.atomic():
            people = _people(community, index, count, rng, first.start())
            accounts = Account.objects.bulk_create(
                [Account(kind=AccountKind.PERSON, region=community, person=p) for p in people],
                batch_size=1000,
            )
            teams += _teams(community, people, first)
            issuer = system_account(community, AccountKind.ISSUER)
            issuer.region = community
            transfers += post_many(_awards(issuer, accounts, seeded, rule, rng))
        index += count
        if progress and ((number + 1) % 25 == 0 or number + 1 == len(regions)):
            progress(
                f"  {number + 1}/{len(regions)} communities, {index} volunteers, "
                f"{transfers} transfers, {time.monotonic() - started:.1f} s"
            )
    return ScaleReport(
        county=COUNTY_CODE,
        communities=len(regions),
        volunteers=index,
        teams=teams,
        transfers=transfers,
        first_month=first,
        last_month=last,
        seconds=time.monotonic() - started,
    )


# --- Grid incidents at scale (``--incidents N``) ------

INCIDENT_CATEGORIES = (
    # code, name, tier, working days (about 1.4 calendar days each), urgent hours
    ("S-HJWS", "环境卫生", "grid", 3, 0),
    ("S-AQYH", "安全隐患", "community", 1, 24),
    ("S-SSSH", "设施损坏", "grid", 5, 0),
    ("S-LLJF", "邻里纠纷", "community", 5, 0),
    ("S-WZTC", "违章停车", "grid", 2, 0),
    ("S-ZYRM", "噪音扰民", "grid", 3, 0),
    ("S-WYFW", "物业服务", "grid", 5, 0),
    ("S-QT", "其他", "community", 5, 0),
)
GRIDS_PER_COMMUNITY = 4
INCIDENT_COLUMNS = (
    "region_id",
    "community_id",
    "category_id",
    "description",
    "address",
    "source",
    "client_key",
    "status",
    "tier",
    "handling_region_id",
    "accepted_at",
    "due_at",
    "resolved_at",
    "closed_at",
    "close_reason",
    "closed_on_time",
    "rating",
    "escalations",
    "created_at",
    "updated_at",
)


def _incident_places(county: Region) -> list[tuple[int, int, list[int]]]:
    """(community id, its town id, its grids' ids): grids made where there are none."""
    communities = list(Region.objects.filter(path__startswith=county.path, level=Level.COMMUNITY))
    places = []
    for community in communities:
        grids = list(
            Region.objects.filter(path__startswith=community.path, level=Level.GRID).values_list(
                "pk", flat=True
            )
        )
        if not grids:
            grids = [
                add_region(
                    actor=None,
                    code=f"{community.code}-G{n}",
                    name=f"第{n}网格",
                    level=Level.GRID,
                    parent_code=community.code,
                ).pk
                for n in range(1, GRIDS_PER_COMMUNITY + 1)
            ]
        places.append((community.pk, community.parent_id or community.pk, grids))
    return places


def _incident_rows(
    count: int,
    places: list[tuple[int, int, list[int]]],
    categories: list[Any],
    now: datetime,
    years: int,
    rng: random.Random,
) -> Iterator[tuple[Any, ...]]:
    """Incidents spread evenly over the last ``years`` years: nearly all of the older ones
    closed (most on time, some late, a few without a fix), a few left overdue; the last
    month's in every state."""
    span = timedelta(days=365 * years).total_seconds()
    for _n in range(count):
        community, _town, grids = places[rng.randrange(len(places))]
        grid = grids[rng.randrange(len(grids))]
        pk, tier, days, hours = categories[rng.randrange(len(categories))]
        created = now - timedelta(seconds=rng.random() * span)
        age_days = (now - created).days
        accepted = created + timedelta(minutes=30 + rng.randrange(600))
        allowed = timedelta(hours=hours) if hours else timedelta(days=days * 1.4)
        due = accepted + allowed
        handling = grid if tier == "grid" else community
        roll = rng.random()
        resolved = closed = None
        reason, on_time, rating = "", None, None
        if age_days > 30 and roll < 0.95 or age_days <= 30 and roll < 0.4:
            status = "closed"
            if rng.random() < 0.05:
                reason = "no_action"
                closed = accepted + timedelta(hours=rng.randrange(1, 48))
            else:
                late = rng.random() < 0.12
                took = allowed * (1 + rng.random()) if late else allowed * rng.random()
                resolved = accepted + took
                closed = resolved + timedelta(hours=rng.randrange(1, 72))
                reason, on_time = "fixed", not late
                rating = rng.choice((3, 4, 5, 5, 5)) if rng.random() < 0.6 else None
        elif roll < 0.97 or age_days <= 30:
            status = rng.choice(("reported", "accepted", "assigned", "assigned", "resolved"))
            if status == "resolved":
                resolved = accepted + allowed * rng.random()
        else:
            status = "assigned"  # left to rot: overdue for months
        if status == "reported":
            accepted = due = None  # type: ignore[assignment]
        yield (
            grid,
            community,
            pk,
            "规模测试事件",
            "",
            "grid",
            "",
            status,
            tier,
            handling,
            accepted,
            due,
            resolved,
            closed,
            reason,
            on_time,
            rating,
            0,
            created,
            closed or resolved or accepted or created,
        )


def seed_incidents(
    count: int,
    *,
    county_code: str = COUNTY_CODE,
    years: int = 3,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> int:
    """``count`` synthetic grid incidents over the last ``years`` years in the county's
    communities (grids made where there are none), in batches of 100,000 each in its
    own transaction: PostgreSQL by COPY, SQLite by bulk inserts. No history, no photos,
    no claims: they are for the dashboards' figures."""
    from jifen.incidents.models import Category, Incident

    county = Region.objects.filter(code=county_code).first()
    if county is None:
        raise CommandError(f"no county {county_code}: seed the SCALE county first")
    now = now or timezone.now()
    started = time.monotonic()
    with transaction.atomic():
        places = _incident_places(county)
        if not places:
            raise CommandError(f"the county {county_code} has no communities")
        categories = []
        for position, (code, name, tier, days, hours) in enumerate(INCIDENT_CATEGORIES):
            row, _created = Category.objects.get_or_create(
                region=county,
                code=code,
                defaults={
                    "name": name,
                    "tier": tier,
                    "deadline_days": days,
                    "deadline_hours": hours,
                    "position": position,
                },
            )
            categories.append((row.pk, tier, days, hours))
    rng = random.Random(f"{county_code}:incidents:{count}")  # noqa: S311 - synthetic data
    rows = _incident_rows(count, places, categories, now, years, rng)
    table = Incident._meta.db_table
    done, batch = 0, 100_000
    while done < count:
        size = min(batch, count - done)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    columns = ", ".join(INCIDENT_COLUMNS)
                    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                        for _i in range(size):
                            copy.write_row(next(rows))
            else:
                Incident.objects.bulk_create(
                    (
                        Incident(**dict(zip(INCIDENT_COLUMNS, next(rows), strict=True)))
                        for _i in range(size)
                    ),
                    batch_size=2000,
                )
        done += size
        if progress:
            progress(f"  {done}/{count} incidents, {time.monotonic() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return done


# --- Residents' messages at scale (``--messages N``) ------

MESSAGE_WORDS = (
    "路灯不亮",
    "垃圾清运",
    "楼道堆物",
    "噪音扰民",
    "停车难",
    "漏水",
    "电梯故障",
    "绿化修剪",
    "低保申请",
    "医保缴费",
    "土地租金",
    "村务公开",
    "物业费",
    "下水道堵塞",
    "健身器材损坏",
    "流浪犬",
)
MESSAGE_COLUMNS = (
    "region_id",
    "handling_region_id",
    "author_id",
    "topic_id",
    "body",
    "public",
    "status",
    "created_at",
    "due_at",
    "first_due_at",
    "first_answered_at",
    "answered_at",
    "closed_at",
    "rating",
    "rated_at",
    "reopened_at",
    "escalations",
    "updated_at",
)
REPLY_COLUMNS = ("message_id", "author_id", "region_id", "body", "created_at")


def _message_rows(
    count: int,
    authors: list[tuple[int, int, int]],
    topics: list[tuple[int, int]],
    now: datetime,
    years: int,
    rng: random.Random,
) -> Iterator[tuple[tuple[Any, ...], str | None]]:
    """Messages spread evenly over the last ``years`` years, oldest first (each with its
    answer's text, or None): nearly all of the older ones answered and closed (most on
    time, some late, a few reopened once), a few left waiting past due; the last month's
    in every state."""
    span = timedelta(days=365 * years).total_seconds()
    for n in range(count):
        community, town, author = authors[rng.randrange(len(authors))]
        topic, days = topics[rng.randrange(len(topics))]
        # Written in order, as a table fills in life (ids and pages follow time).
        created = now - timedelta(seconds=span * (1 - (n + rng.random()) / count))
        region = town if rng.random() < 0.03 else community
        allowed = timedelta(days=days * 1.4)
        due = first_due = created + allowed
        age_days = (now - created).days
        late = rng.random() < 0.1
        took = allowed * (1 + rng.random()) if late else allowed * rng.random() * 0.8
        first_answer = created + took
        answered = closed = rating = rated = reopened = None
        status = "open"
        roll = rng.random()
        if first_answer < now and (age_days > 30 and roll < 0.98 or age_days <= 30 and roll < 0.6):
            answered = first_answer
            status = "answered"
            reopen_at = first_answer + timedelta(hours=rng.randrange(1, 72))
            if rng.random() < 0.05 and reopen_at < now:  # not resolved, reopened once
                reopened, rating, rated = reopen_at, rng.choice((1, 2)), reopen_at
                due = reopen_at + allowed
                again = reopen_at + allowed * rng.random()
                if again < now:
                    answered = again
                else:
                    status = "reopened"
            if status == "answered" and age_days > 20:
                closed = answered + timedelta(hours=rng.randrange(1, 240))
                if closed < now:
                    status = "closed"
                    if rng.random() < 0.7:
                        rating, rated = rng.choice((3, 4, 5, 5, 5)), closed
                else:
                    closed = None
        elif age_days > 30 and roll < 0.99:
            status, closed = "closed", created + timedelta(days=rng.randrange(1, 20))
        word = MESSAGE_WORDS[rng.randrange(len(MESSAGE_WORDS))]
        body = f"规模测试留言：{word}，请尽快处理。编号{rng.randrange(10**6):06d}"
        yield (
            (
                region,
                region,
                author,
                topic,
                body,
                rng.random() < 0.8,
                status,
                created,
                due,
                first_due,
                answered and first_answer,
                answered,
                closed,
                rating,
                rated,
                reopened,
                0,
                closed or answered or created,
            ),
            f"答复：关于{word}，已安排处理。" if answered else None,
        )


def _skip_row_checks(cursor: Any) -> None:
    """For this transaction, no foreign-key trigger per row (the ids were just read from
    the tables): a bulk load's usual shortcut, which needs a superuser; without one the
    checks run, only slower."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    row = cursor.fetchone()
    if row and row[0]:
        cursor.execute("SET LOCAL session_replication_role = replica")


def seed_messages(
    count: int,
    *,
    county_code: str = COUNTY_CODE,
    years: int = 3,
    now: datetime | None = None,
    replies: bool = True,
    progress: Callable[[str], None] | None = None,
) -> int:
    """``count`` synthetic residents' messages over the last ``years`` years in the
    county's communities (3 % addressed to their town), with an answer each where
    answered, in batches of 100,000 each in its own transaction: PostgreSQL by COPY,
    SQLite by bulk inserts. No history, no photos, no notices: they are for the
    inspectors' summary and search. Their authors are the county's seeded people."""
    from jifen.messages.models import Message, Reply
    from jifen.messages.services import ensure_topics

    county = Region.objects.filter(code=county_code).first()
    if county is None:
        raise CommandError(f"no county {county_code}: seed the SCALE county first")
    now = now or timezone.now()
    started = time.monotonic()
    with transaction.atomic():
        topics = [(t.pk, t.due_days) for t in ensure_topics(county)]
        communities = list(
            Region.objects.filter(path__startswith=county.path, level=Level.COMMUNITY)
        )
        first_person = dict(
            Person.objects.filter(community__in=communities)
            .order_by()
            .values_list("community_id")
            .annotate(first=Min("id"))
        )
        authors = [
            (c.pk, c.parent_id or c.pk, first_person[c.pk])
            for c in communities
            if c.pk in first_person
        ]
        if not authors:
            raise CommandError(f"the county {county_code} has no people to write messages")
    rng = random.Random(f"{county_code}:messages:{count}")  # noqa: S311 - synthetic data
    rows = _message_rows(count, authors, topics, now, years, rng)
    table, reply_table = Message._meta.db_table, Reply._meta.db_table
    done, batch = 0, 100_000
    while done < count:
        size = min(batch, count - done)
        chunk = [next(rows) for _i in range(size)]
        with transaction.atomic():
            made = (
                Message.objects.bulk_create(
                    (Message(**dict(zip(MESSAGE_COLUMNS, row, strict=True))) for row, _a in chunk),
                    batch_size=5000,
                )
                if connection.vendor != "postgresql"
                else None
            )
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    _skip_row_checks(cursor)
                    cursor.execute(
                        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                        "FROM generate_series(1, %s)",
                        [table, size],
                    )
                    ids = [r[0] for r in cursor.fetchall()]
                    columns = ", ".join(("id", *MESSAGE_COLUMNS))
                    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                        for pk, (row, _answer) in zip(ids, chunk, strict=True):
                            copy.write_row((pk, *row))
                    if replies:
                        with cursor.cursor.copy(  # type: ignore[attr-defined]
                            f"COPY {reply_table} ({', '.join(REPLY_COLUMNS)}) FROM STDIN"
                        ) as copy:
                            for pk, (row, answer) in zip(ids, chunk, strict=True):
                                if answer is not None:
                                    copy.write_row((pk, row[2], row[0], answer, row[10]))
            elif replies and made is not None:
                Reply.objects.bulk_create(
                    (
                        Reply(
                            message_id=m.pk,
                            author_id=row[2],
                            region_id=row[0],
                            body=answer,
                            created_at=row[10],
                        )
                        for m, (row, answer) in zip(made, chunk, strict=True)
                        if answer is not None
                    ),
                    batch_size=5000,
                )
        done += size
        if progress:
            progress(f"  {done}/{count} messages, {time.monotonic() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
            cursor.execute(f"ANALYZE {reply_table}")
    return done
