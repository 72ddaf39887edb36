"""Property test of the request workflow: whatever steps random people take, in whatever
order, replayed or not, the table (``models.STEPS``) is the only way between statuses
and the points come once, after review.

A hypothesis state machine drives the services (and, for the replays, the API with an
``Idempotency-Key``) over three requests of 文昌, with a cast of everyone who might
try: the requester, their proxy, two volunteers, a team's leader, staff inside and
outside the region, a reviewer and a stranger. After every step it checks:

- each request's history is a chain: ``submit`` first, then each event goes from the
  status the last one reached, by a step whose sources hold that status, to the step's
  target (so to a status ``ALLOWED`` from it); the request's status is the last event's;
- a completed request has exactly one claim (source ``request``, the request's own) and
  no other request has any; a claim is the helper's, priced at the request's points;
- points moved only for approved claims, once each; the helpers' balances are exactly
  the approved claims' points.

Each example runs inside one transaction rolled back at its end.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from jifen.claims import services as claims
from jifen.claims.models import Claim, Source
from jifen.claims.models import Status as ClaimStatus
from jifen.lib.errors import DomainError
from jifen.people.models import Person, Team, TeamMember
from jifen.points.ledger import account_for, system_account
from jifen.points.models import AccountKind, Transfer
from jifen.points.selectors import balance_of
from jifen.requests import services
from jifen.requests.models import ALLOWED, STEPS, Event, ServiceRequest, Status
from tests.api.conftest import ApiClient
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

# The steps that move a request forward come more often (and first: hypothesis leans to
# the start of the list), so that runs reach the far end and not only the refusals.
STEP_NAMES = [
    *["publish", "accept", "done", "confirm"] * 3,
    *["dispatch_person", "dispatch_team", "assign_member"] * 2,
    "hand_back",
    "dispute",
    "reject",
    "cancel",
]
RATINGS = [1, 3, 5, 0, 6, "5"]  # the last three are refused
# Steps that went through, over all examples: the run must have reached the far end.
TAKEN: Counter[str] = Counter()
REFUSED: Counter[str] = Counter()


class RequestsMachine(RuleBasedStateMachine):
    cast: dict = {}

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        cast = self.cast
        self.world = cast["world"]
        self.people: list[Person] = cast["people"]
        self.helpers: list[Person] = cast["helpers"]
        self.team: Team = cast["team"]
        assert not ServiceRequest.objects.exists() and not Transfer.objects.exists()
        self.requests = [
            services.submit_request(
                actor=self.world.resident,
                community=self.world.wenchang,
                category=category,
                title=f"求助{i}",
                kind=kind,
                address="江滨花园 3 栋 201",
            ).pk
            for i, (category, kind) in enumerate(
                [("REPAIR", "request"), ("WISH", "wish"), ("REPAIR", "request")]
            )
        ]
        self.keys = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- steps by anyone -------------------------------------------------------------------

    @rule(
        which=st.integers(0, 2),
        step=st.sampled_from(STEP_NAMES),
        actor=st.one_of(st.none(), st.integers(0, 9)),
        other=st.integers(0, 9),
        points=st.sampled_from([None, None, 5, 30, 31]),
        rating=st.sampled_from(RATINGS),
    )
    def take(self, which, step, actor, other, points, rating) -> None:
        request = self.requests[which]
        target = self.people[other]
        if actor is None:  # half the time, the one the step is for
            actor = self._rightful(step, request, other)
        person = Person.objects.get(pk=self.people[actor].pk)
        calls = {
            "publish": lambda: services.publish(actor=person, request=request, points=points),
            "reject": lambda: services.reject(actor=person, request=request, reason="不受理"),
            "dispatch_person": lambda: services.dispatch(
                actor=person, request=request, person=target, points=points
            ),
            "dispatch_team": lambda: services.dispatch(
                actor=person, request=request, team=self.team
            ),
            "accept": lambda: services.accept(actor=person, request=request),
            "assign_member": lambda: services.assign_member(
                actor=person, request=request, person=target
            ),
            "hand_back": lambda: services.hand_back(actor=person, request=request, reason="有事"),
            "done": lambda: services.mark_done(actor=person, request=request, note="好了"),
            "confirm": lambda: services.confirm(actor=person, request=request, rating=rating),
            "dispute": lambda: services.dispute(actor=person, request=request, note="没修好"),
            "cancel": lambda: services.cancel(actor=person, request=request, reason="不要了"),
        }
        try:
            with transaction.atomic():
                calls[step]()
            event(f"{step}: taken")
            TAKEN[step] += 1
        except DomainError as refused:
            event(f"{step}: {refused.code}")  # the invariants check it changed nothing
            REFUSED[f"{step}:{refused.code}"] += 1

    def _rightful(self, step: str, request: int, other: int) -> int:
        """Who the table says takes the step: staff check and cancel, a volunteer takes,
        the leader names, the helper reports, the requester confirms."""
        if step in {"publish", "reject", "dispatch_person", "dispatch_team", "cancel"}:
            return 5
        if step == "accept":
            return 2 + other % 2
        if step == "assign_member":
            return 4
        if step in {"confirm", "dispute"}:
            return 0
        assignee = ServiceRequest.objects.get(pk=request).assignee_id
        ids = [p.pk for p in self.people]
        return ids.index(assignee) if assignee in ids else 4

    @rule(which=st.integers(0, 2), rating=st.sampled_from([1, 5]))
    def forward(self, which, rating) -> None:
        """The next step the way it is meant to go, by the one it is meant for: the random
        steps above seldom line up into a whole walk on their own."""
        pk = self.requests[which]
        request = ServiceRequest.objects.get(pk=pk)
        staff, helper, leader = self.people[5], self.people[2], self.people[4]
        second = self.people[3]
        if request.status == Status.SUBMITTED:
            services.publish(actor=staff, request=pk)
        elif request.status == Status.OPEN:
            services.accept(actor=helper, request=pk)
        elif request.status == Status.ASSIGNED and request.assignee_id is None:
            services.assign_member(actor=leader, request=pk, person=second)
        elif request.status == Status.ASSIGNED:
            services.mark_done(actor=request.assignee, request=pk)
        elif request.status == Status.DONE:
            services.confirm(actor=self.world.resident, request=pk, rating=rating)
        elif request.claim is not None and request.claim.status == ClaimStatus.PENDING:
            # The review group's member, or the county's admin when the claim is the
            # member's own (a reviewer may have helped, or vouched for the service).
            for reviewer in (self.world.reviewer, self.world.county_admin):
                try:
                    with transaction.atomic():
                        claims.approve_claim(claim=request.claim.pk, reviewer=reviewer)
                except DomainError as refused:
                    assert refused.code == "self_review", refused.code
                    continue
                TAKEN["approved"] += 1
                break
        else:
            return
        TAKEN[f"forward from {request.status}"] += 1

    @rule(which=st.integers(0, 2), rating=st.sampled_from([4, 5]), twice=st.booleans())
    def confirm_over_http_replayed(self, which, rating, twice) -> None:
        """The requester's phone sends its confirmation, and maybe sends it again."""
        self.keys += 1
        key = {"Idempotency-Key": f"confirm-{which}-{self.keys}"}
        client = ApiClient(self.world.resident)
        path = f"/requests/{self.requests[which]}/confirm"
        first = client.post(path, {"rating": rating}, **key)
        assert first.status_code in (200, 403, 404, 409), first.content
        if twice:
            again = client.post(path, {"rating": rating}, **key)
            assert again.status_code == first.status_code
            assert again.json() == first.json()

    @rule()
    def tick(self) -> None:
        services.confirm_unanswered(timezone.now() + timedelta(days=8))

    @rule(which=st.integers(0, 2))
    def review(self, which) -> None:
        claim = ServiceRequest.objects.get(pk=self.requests[which]).claim
        if claim is None:
            return
        try:
            with transaction.atomic():
                claims.approve_claim(claim=claim.pk, reviewer=self.world.reviewer)
            event("claim approved")
            TAKEN["approved"] += 1
        except DomainError:
            pass

    # --- what always holds -----------------------------------------------------------------

    @invariant()
    def the_table_is_the_only_way(self) -> None:
        for pk in self.requests:
            request = ServiceRequest.objects.get(pk=pk)
            events = list(Event.objects.filter(request=request).order_by("at", "id"))
            assert events[0].step == "submit" and events[0].to_status == Status.SUBMITTED
            status = Status.SUBMITTED
            for taken in events[1:]:
                step = STEPS[taken.step]
                assert taken.from_status == status, (taken.step, status)
                assert status in step.sources and taken.to_status == step.target
                assert taken.to_status in ALLOWED[status]
                status = taken.to_status
            assert request.status == status

    @invariant()
    def a_completed_request_has_exactly_one_claim(self) -> None:
        for pk in self.requests:
            request = ServiceRequest.objects.get(pk=pk)
            made = list(Claim.objects.filter(source=Source.REQUEST, source_id=pk))
            if request.status == Status.COMPLETED:
                assert len(made) == 1 and request.claim_id == made[0].pk
                assert made[0].person_id == request.assignee_id
                assert made[0].points == request.points
                assert (
                    Event.objects.filter(
                        request=request, step__in=["confirm", "auto_confirm"]
                    ).count()
                    == 1
                )
            else:
                assert made == [] and request.claim_id is None

    @invariant()
    def points_come_only_with_an_approval_and_once(self) -> None:
        approved = 0
        for claim in Claim.objects.filter(source=Source.REQUEST):
            moved = Transfer.objects.filter(source_type="claim", source_id=claim.pk).count()
            assert moved == (1 if claim.status == ClaimStatus.APPROVED else 0)
            approved += claim.points if claim.status == ClaimStatus.APPROVED else 0
        held = sum(balance_of(helper).balance for helper in self.helpers)
        assert held == approved
        assert (
            Claim.objects.filter(source=Source.REQUEST, status=ClaimStatus.APPROVED).aggregate(
                n=Sum("points")
            )["n"]
            or 0
        ) == approved


def test_the_table_is_the_only_way_and_points_come_once(world, menu, daughter, helper) -> None:
    second = make_person(world.wenchang, "吴热心")
    leader = make_person(world.wenchang, "队长甲")
    team = Team.objects.create(region=world.wenchang, name="红马甲服务队", leader=leader)
    TeamMember.objects.create(team=team, person=second, joined_on=timezone.localdate())
    # Every helper who could earn: accounts made once, each example rolls back its own.
    helpers = [helper, second, leader, world.staff, world.reviewer, daughter]
    for person in [*helpers, world.resident]:
        account_for(person)
    system_account(world.wenchang, AccountKind.ISSUER)
    RequestsMachine.cast = {
        "world": world,
        # 0 requester, 1 proxy, 2-3 volunteers, 4 leader, 5 staff, 6 other staff,
        # 7 reviewer, 8 stranger, 9 the county's admin
        "people": [
            world.resident,
            daughter,
            helper,
            second,
            leader,
            world.staff,
            world.other_staff,
            world.reviewer,
            world.stranger,
            world.county_admin,
        ],
        "helpers": helpers,
        "team": team,
    }
    run_state_machine_as_test(
        RequestsMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            # The same sequences every run: the counts below judge the walk, not luck.
            derandomize=True,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    print(dict(TAKEN), dict(REFUSED))  # noqa: T201 - shown with -s
    for step in ("forward from done", "approved"):
        assert TAKEN[step] > 0, dict(TAKEN)
    # and the random steps went through often enough, not only their refusals
    assert sum(n for step, n in TAKEN.items() if step in STEP_NAMES) >= 10, dict(TAKEN)
