"""Property test of the incident loop: whatever steps random people take, in whatever
order, with the clock (``jifen tick``) and offline resends in between, the table
(``models.STEPS``) is the only way between statuses, every change is an ``Event``, and a
grid worker's points (claims with source ``incident``) are made at most once per
incident and kind: the report accepted, the fix verified.

A hypothesis state machine drives the services over three incidents of 东片网格 — one
reported by the grid worker, one by a resident, one by staff on the phone — with a cast
of everyone who might try. After every step it checks:

- each incident's history is a chain: ``report`` first, then each event goes from the
  status the last one reached, by a step whose sources hold that status, to the step's
  target (a rating and a 督办 reminder keep it); the incident's status is the last one's;
- the claims of source ``incident`` are exactly the incidents' ``report_claim`` and
  ``close_claim``; each names an ``accept`` or ``verify_ok`` event of its own incident;
  a report claim only for a grid worker's report, a close claim only for a grid worker
  who handled it; never two of a kind for one incident, reopened and closed again or not.

Each example runs inside one transaction rolled back at its end.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from jifen.claims.models import Claim, Source
from jifen.incidents import services
from jifen.incidents.models import ALLOWED, STEPS, Event, Incident, Status
from jifen.lib.errors import DomainError
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

STEP_NAMES = [
    *["accept", "assign_person", "resolve", "verify_ok"] * 3,
    "assign_org",
    "verify_not",
    "escalate",
    "close",
    "reopen",
    "rate",
]
TAKEN: Counter[str] = Counter()
REFUSED: Counter[str] = Counter()
# Steps that keep the status: a rating (its target is None) and the clock's reminder.
KEEP = {"rate", "remind"}


class IncidentsMachine(RuleBasedStateMachine):
    cast: dict = {}

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        cast = self.cast
        self.people = cast["people"]
        self.grids = cast["grids"]
        assert not Incident.objects.exists()
        reporters = [self.people[1], self.people[0], self.people[3]]  # grid, resident, staff
        self.incidents = [
            services.report(
                actor=reporter,
                region=self.grids.east,
                category="HJWS",
                description=f"第{i}件：垃圾堆积",
                client_key=f"phone-{i}",
            ).pk
            for i, reporter in enumerate(reporters)
        ]

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @rule(
        which=st.integers(0, 2),
        step=st.sampled_from(STEP_NAMES),
        actor=st.one_of(st.none(), st.integers(0, 7)),
        other=st.integers(0, 7),
        rating=st.sampled_from([1, 3, 5, 0, 6]),
    )
    def take(self, which, step, actor, other, rating) -> None:
        pk = self.incidents[which]
        if actor is None:
            actor = self._rightful(step, pk)
        person = self.people[actor]
        target = self.people[other]
        calls = {
            "accept": lambda: services.accept(actor=person, incident=pk),
            "assign_person": lambda: services.assign(actor=person, incident=pk, person=target),
            "assign_org": lambda: services.assign(
                actor=person, incident=pk, organization=self.grids.property_co
            ),
            "resolve": lambda: services.resolve(actor=person, incident=pk, note="处理好了"),
            "verify_ok": lambda: services.verify(actor=person, incident=pk, ok=True),
            "verify_not": lambda: services.verify(
                actor=person, incident=pk, ok=False, note="没处理好"
            ),
            "escalate": lambda: services.escalate(actor=person, incident=pk, note="请上级协调"),
            "close": lambda: services.close(actor=person, incident=pk, reason="no_action"),
            "reopen": lambda: services.reopen(actor=person, incident=pk, note="又出现了"),
            "rate": lambda: services.rate(actor=person, incident=pk, rating=rating),
        }
        try:
            with transaction.atomic():
                calls[step]()
            event(f"{step}: taken")
            TAKEN[step] += 1
        except DomainError as refused:
            event(f"{step}: {refused.code}")
            REFUSED[f"{step}:{refused.code}"] += 1

    def _rightful(self, step: str, pk: int) -> int:
        """Who is meant to take it: the grid worker handles, staff close, the handler
        resolves, the reporter reopens and rates."""
        incident = Incident.objects.get(pk=pk)
        ids = [p.pk for p in self.people]
        if step == "close":
            return 3
        if step in {"reopen", "rate"}:
            return ids.index(incident.reporter_id)
        if step == "resolve":
            if incident.organization_id is not None:
                return 6
            return ids.index(incident.assignee_id) if incident.assignee_id in ids else 1
        if incident.tier != "grid":
            return 3 if incident.tier == "community" else 5
        return 1

    @rule(which=st.integers(0, 2), to_person=st.booleans(), fixed=st.booleans())
    def forward(self, which, to_person, fixed) -> None:
        """The next step the way it is meant to go, by the one it is meant for: the random
        steps above seldom line up into a whole walk on their own."""
        pk = self.incidents[which]
        incident = Incident.objects.get(pk=pk)
        handler = self.people[self._rightful("accept", pk)]
        if incident.status == Status.REPORTED:
            # A grid worker accepting their own report earns nothing: staff accept it.
            if handler.pk == incident.reporter_id:
                handler = self.people[3]
            services.accept(actor=handler, incident=pk)
        elif incident.status in (Status.ACCEPTED, Status.REOPENED):
            if to_person:
                services.assign(actor=handler, incident=pk, person=self.people[1])
            else:
                services.assign(actor=handler, incident=pk, organization=self.grids.property_co)
        elif incident.status == Status.ASSIGNED:
            services.resolve(
                actor=self.people[self._rightful("resolve", pk)], incident=pk, note="处理好了"
            )
        elif incident.status == Status.RESOLVED:
            # Four eyes: the first of the reporter, the grid worker, staff, the town's admin
            # who did not resolve it.
            resolver = Event.objects.filter(incident=incident, step="resolve").last().actor_id
            verifier = next(
                p
                for p in (incident.reporter, self.people[1], self.people[3], self.people[5])
                if p is not None and p.pk != resolver
            )
            services.verify(actor=verifier, incident=pk, ok=fixed, note="" if fixed else "没好")
        elif incident.rating is None:
            services.rate(actor=incident.reporter, incident=pk, rating=5)
        else:
            services.reopen(actor=incident.reporter, incident=pk, note="又出现了")
        TAKEN[f"forward from {incident.status}"] += 1

    @rule(days=st.sampled_from([1, 5, 30]))
    def tick(self, days) -> None:
        """The clock: 督办 reminders, and escalation at three times the deadline."""
        later = timezone.now() + timedelta(days=days)
        services.remind_overdue(later)
        TAKEN["escalated by the clock"] += services.escalate_stale(later)

    @rule(which=st.integers(0, 2))
    def resend_offline(self, which) -> None:
        """The phone sends its offline report again when the network returns."""
        reporter = [self.people[1], self.people[0], self.people[3]][which]
        again = services.report(
            actor=reporter,
            region=self.grids.east,
            category="HJWS",
            description=f"第{which}件：垃圾堆积",
            client_key=f"phone-{which}",
        )
        assert again.pk == self.incidents[which]

    # --- what always holds -----------------------------------------------------------------

    @invariant()
    def the_table_is_the_only_way(self) -> None:
        assert Incident.objects.count() == 3
        for pk in self.incidents:
            incident = Incident.objects.get(pk=pk)
            events = list(Event.objects.filter(incident=incident).order_by("at", "id"))
            assert events[0].step == "report" and events[0].to_status == Status.REPORTED
            assert [e.step for e in events].count("report") == 1
            status = Status.REPORTED
            for taken in events[1:]:
                assert taken.from_status == status, (taken.step, status)
                if taken.step in KEEP:
                    assert taken.to_status == status
                    continue
                step = STEPS[taken.step]
                assert status in step.sources and taken.to_status == step.target
                assert taken.to_status in ALLOWED[status]
                status = taken.to_status
            assert incident.status == status
            if incident.rating is not None:
                assert [e.step for e in events].count("rate") == 1

    @invariant()
    def a_grid_workers_points_come_once_per_incident_and_kind(self) -> None:
        made = {c.pk: c for c in Claim.objects.filter(source=Source.INCIDENT)}
        expected = set()
        for pk in self.incidents:
            incident = Incident.objects.get(pk=pk)
            for kind, step in (("report_claim", "accept"), ("close_claim", "verify_ok")):
                claim_id = getattr(incident, f"{kind}_id")
                if claim_id is None:
                    continue
                expected.add(claim_id)
                TAKEN[f"{kind.removesuffix('_claim')} points"] += 1
                source = Event.objects.get(pk=made[claim_id].source_id)
                assert source.incident_id == pk and source.step == step
                assert made[claim_id].person.grants.filter(role="grid").exists()
            if incident.report_claim_id is not None:
                assert incident.source == "grid"
                assert made[incident.report_claim_id].person_id == incident.reporter_id
                accepted = Event.objects.get(pk=made[incident.report_claim_id].source_id)
                assert accepted.actor_id != incident.reporter_id  # not self-accepted
            if incident.close_claim_id is not None:
                verified = Event.objects.get(pk=made[incident.close_claim_id].source_id)
                resolved = (
                    Event.objects.filter(incident=incident, step="resolve", id__lt=verified.pk)
                    .order_by("id")
                    .last()
                )
                assert resolved is not None and resolved.actor_id != verified.actor_id
        assert set(made) == expected


def test_only_the_table_moves_an_incident_and_points_come_once(world, grids) -> None:
    IncidentsMachine.cast = {
        # 0 resident (reporter), 1 the grid's worker, 2 the other grid's worker, 3 staff,
        # 4 reviewer, 5 the town's admin, 6 the property company's contact, 7 a stranger
        "people": [
            world.resident,
            grids.worker,
            grids.other_worker,
            world.staff,
            world.reviewer,
            world.town_admin,
            grids.contact,
            make_person(world.wanmei, "路人甲"),
        ],
        "grids": grids,
    }
    run_state_machine_as_test(
        IncidentsMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=30,
            # The same walks every run: the counts below judge the walk, not luck.
            derandomize=True,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    print(dict(TAKEN), dict(REFUSED))  # noqa: T201 - shown with -s
    for step in ("forward from resolved", "forward from closed", "report points", "close points"):
        assert TAKEN[step] > 0, dict(TAKEN)
    assert sum(n for step, n in TAKEN.items() if step in STEP_NAMES) >= 10, dict(TAKEN)
