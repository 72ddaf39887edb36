"""Monthly figures of service requests and wishes (点单 · 心愿 月度统计), per community,
and for the town and county of those who see them.

A request counts in the month it was submitted (the deployment's time zone). For each
month and region:

- ``requests`` and ``wishes``: how many were submitted;
- ``completed``: of those, how many are completed (confirmed, by hand or by ``jifen tick``);
- ``accept_seconds``: the median time from submission to the first time it was in
  someone's hands (taken or dispatched: 接单/派单), over those that got there;
- ``done_seconds``: the median time from submission to being reported done, over those
  reported done (done or completed);
- ``rating``: the average of the requesters' ratings (automatic confirmations have none);
- ``auto_share``: of the completed, the share confirmed automatically (nobody answered);
- ``overdue``: how many went past their deadline: reported done after the due day, or
  still in hand with the due day behind.

Whatever the number of requests, the figures cost the same few queries: the viewer's
roles, the requests of the year (one row each, only the columns needed), the first
assignment of each (one aggregate) and the names of the towns and counties totalled.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import Level, Region
from jifen.requests.models import Event, Kind, ServiceRequest, Status

REACHED_DONE = (Status.DONE, Status.COMPLETED)


@dataclass(frozen=True)
class Figures:
    month: str  # YYYY-MM
    region_code: str
    region_name: str
    level: str  # community, town or county
    requests: int
    wishes: int
    completed: int
    accept_seconds: int | None
    done_seconds: int | None
    rating: float | None
    auto_share: float | None  # 0..1 of the completed
    overdue: int

    @property
    def is_total(self) -> bool:
        return self.level != Level.COMMUNITY

    @property
    def submitted(self) -> int:
        return self.requests + self.wishes


@dataclass
class _Tally:
    requests: int = 0
    wishes: int = 0
    completed: int = 0
    auto: int = 0
    overdue: int = 0
    accept: list[float] = field(default_factory=list)
    done: list[float] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)

    def add(self, row: dict[str, Any], first_assigned: datetime | None, today: date) -> None:
        if row["kind"] == Kind.WISH:
            self.wishes += 1
        else:
            self.requests += 1
        if row["status"] == Status.COMPLETED:
            self.completed += 1
            self.auto += bool(row["auto_confirmed"])
        if row["rating"] is not None:
            self.ratings.append(row["rating"])
        if first_assigned is not None:
            self.accept.append((first_assigned - row["created_at"]).total_seconds())
        if row["status"] in REACHED_DONE and row["done_at"] is not None:
            self.done.append((row["done_at"] - row["created_at"]).total_seconds())
        if is_late(row, today):
            self.overdue += 1

    def figures(self, month: str, region: tuple[str, str, str]) -> Figures:
        return Figures(
            month=month,
            region_code=region[0],
            region_name=region[1],
            level=region[2],
            requests=self.requests,
            wishes=self.wishes,
            completed=self.completed,
            accept_seconds=_median(self.accept),
            done_seconds=_median(self.done),
            rating=round(sum(self.ratings) / len(self.ratings), 1) if self.ratings else None,
            auto_share=self.auto / self.completed if self.completed else None,
            overdue=self.overdue,
        )


def _median(values: list[float]) -> int | None:
    return round(statistics.median(values)) if values else None


def is_late(row: dict[str, Any], today: date) -> bool:
    """Past its deadline: reported done after the due day, or in hand with it behind."""
    due = row["due_on"]
    if due is None:
        return False
    if row["status"] == Status.ASSIGNED:
        return bool(due < today)
    if row["status"] in REACHED_DONE and row["done_at"] is not None:
        return bool(timezone.localdate(row["done_at"]) > due)
    return False


def year_bounds(year: int) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def _ancestor_paths(path: str) -> list[str]:
    """``/a/b/c/`` → ``/a/``, ``/a/b/`` (the regions above, not the region itself)."""
    codes = [c for c in path.split("/") if c]
    return ["/" + "/".join(codes[:n]) + "/" for n in range(1, len(codes))]


def monthly(viewer: Person, year: int, community: Region | None = None) -> list[Figures]:
    """The figures of ``year`` in the viewer's regions (or of one community in them):
    per month, newest first; in a month the totals (county, then towns) and then each
    community in the order of the region tree."""
    start, end = year_bounds(year)
    requests = ServiceRequest.objects.filter(
        authz.regions_q(viewer, authz.VIEW_REQUESTS, "community"),
        created_at__gte=start,
        created_at__lt=end,
    )
    if community is not None:
        requests = requests.filter(community__path__startswith=community.path)
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in requests.values(
            "id",
            "kind",
            "status",
            "created_at",
            "done_at",
            "due_on",
            "rating",
            "auto_confirmed",
            "community__code",
            "community__name",
            "community__path",
        )
    ]
    first_assigned = dict(
        Event.objects.filter(request__in=requests, to_status=Status.ASSIGNED)
        .values("request_id")
        .annotate(first=Min("at"))
        .values_list("request_id", "first")
    )
    # Totals for the towns and counties within the viewer's reach (not for a community
    # staff member, whose reach is the community itself).
    tops = authz.region_paths(viewer, authz.VIEW_REQUESTS)
    wanted = {
        path
        for row in rows
        for path in _ancestor_paths(row["community__path"])
        if any(path.startswith(top) for top in tops)
    }
    if community is not None:
        wanted = set()
    above: dict[str, tuple[str, str, str]] = {}
    if wanted:
        above = {
            r.path: (r.code, r.name, r.level)
            for r in Region.objects.filter(path__in=wanted, level__in=[Level.TOWN, Level.COUNTY])
        }
    today = timezone.localdate()
    tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    names: dict[str, tuple[str, str, str]] = dict(above)
    for row in rows:
        month = timezone.localtime(row["created_at"]).strftime("%Y-%m")
        path = row["community__path"]
        names[path] = (row["community__code"], row["community__name"], Level.COMMUNITY)
        for key in (path, *(p for p in _ancestor_paths(path) if p in above)):
            tallies[(month, key)].add(row, first_assigned.get(row["id"]), today)
    return [
        tallies[key].figures(key[0], names[key[1]])
        for key in sorted(tallies, key=lambda k: (_neg_month(k[0]), k[1]))
    ]


def _neg_month(month: str) -> int:
    year, number = month.split("-")
    return -(int(year) * 12 + int(number))


def duration_text(seconds: int | None) -> str:
    """For people: hours under two days, else days, one decimal (``5.5 h`` / ``3.2 d``)."""
    if seconds is None:
        return "—"
    hours = seconds / 3600
    if hours < 48:
        return _("%(n)s h") % {"n": f"{hours:.1f}"}
    return _("%(n)s d") % {"n": f"{hours / 24:.1f}"}


def share_text(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"
