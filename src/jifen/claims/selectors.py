"""Reads of claims: the review queue, a volunteer's claims, one claim with its history,
and the review cadence (一周一审核)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.audit.models import AuditEvent
from jifen.claims.models import Appeal, AppealStatus, Claim, Decision, Photo, Review, Status
from jifen.lib.errors import NotFound
from jifen.people import authz
from jifen.people.models import (
    Organization,
    OrganizationMember,
    Person,
    Proxy,
    Role,
    RoleGrant,
)
from jifen.points.models import RuleItem, RuleVersion
from jifen.points.services import policy_for
from jifen.regions.models import Region

RELATED = ("person", "organization", "community", "rule_version__item", "created_by")


def _with_counts(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    return claims.select_related(*RELATED).annotate(
        # Both counts join one-to-many tables: without distinct, each approval would be
        # counted once per photo.
        approvals=Count("reviews", filter=Q(reviews__decision=Decision.APPROVE), distinct=True),
        photo_count=Count("photos", distinct=True),
        # 申诉中: an appeal waits for a decision (the badge in every list of claims).
        appealing=Exists(Appeal.objects.filter(claim=OuterRef("pk"), status=AppealStatus.OPEN)),
    )


def visible_claims(viewer: Person) -> QuerySet[Claim]:
    """Claims of the communities where the viewer may see claims."""
    return Claim.objects.filter(authz.regions_q(viewer, authz.VIEW_CLAIMS, "community"))


def review_queue(
    viewer: Person,
    *,
    status: str = Status.PENDING,
    community: Region | None = None,
    rule_item: int | None = None,
    provenance: str = "",
    older_than_days: int | None = None,
    person: int | None = None,
    stage: str = "",
) -> QuerySet[Claim]:
    """Claims in the viewer's regions, oldest first (the one waiting longest on top);
    with ``stage``, only those of ``waiting_for`` (whatever their status)."""
    claims = visible_claims(viewer)
    if stage:
        claims = claims.filter(pk__in=waiting_for(viewer, stage).values("pk"))
    if status:
        claims = claims.filter(status=status)
    if community is not None:
        claims = claims.filter(community__path__startswith=community.path)
    if rule_item:
        claims = claims.filter(rule_version__item_id=rule_item)
    if provenance:
        claims = claims.filter(provenance=provenance)
    if older_than_days:
        claims = claims.filter(created_at__lt=timezone.now() - timedelta(days=older_than_days))
    if person:
        claims = claims.filter(person_id=person)
    return _with_counts(claims).order_by("created_at", "id")


def claims_of(person: Person) -> QuerySet[Claim]:
    """The volunteer's own claims, newest first."""
    return (
        _with_counts(Claim.objects.filter(person=person))
        .select_related("appeal")
        .order_by("-created_at", "-id")
    )


def may_see(viewer: Person, claim: Claim) -> bool:
    if viewer.pk in (claim.person_id, claim.created_by_id):
        return True
    if authz.can(viewer, authz.VIEW_CLAIMS, claim.community):
        return True
    return Proxy.objects.filter(
        principal_id=claim.person_id, agent=viewer, revoked_at__isnull=True
    ).exists()


def get_claim_for(viewer: Person, claim_id: int) -> Claim:
    """One claim, for its claimant, their proxy, or staff and reviewers of its community;
    for anyone else it does not exist."""
    claim = _with_counts(Claim.objects.filter(pk=claim_id)).select_related("appeal").first()
    if claim is None or not may_see(viewer, claim):
        raise NotFound(_("There is no such claim."))
    return claim


def reviews_of(claim: Claim) -> QuerySet[Review]:
    return claim.reviews.select_related("reviewer").order_by("at", "id")


def history(claim: Claim) -> QuerySet[AuditEvent]:
    """Everything that happened to the claim, oldest first: created, reviews, appeal,
    posting, reversal."""
    return (
        AuditEvent.objects.filter(target_type=Claim._meta.label_lower, target_id=claim.pk)
        .select_related("actor", "on_behalf_of")
        .order_by("at", "id")
    )


def can_review(viewer: Person, claim: Claim) -> bool:
    """Would the buttons do anything? (The services decide; this only hides buttons.)"""
    return claim.pk in reviewable_ids(viewer, [claim])


def _own(viewer: Person, claim: Claim, organizations: set[int], principals: set[int]) -> bool:
    """Mirrors ``services.refuse_own``: the viewer's own claim, their household's, their
    organisation's (``organizations``: where they are a member), one of a resident they
    are the proxy of (``principals``), or one they entered."""
    if viewer.pk in (claim.person_id, claim.created_by_id) or claim.person_id in principals:
        return True
    household = claim.person.household_id
    if household is not None and household == viewer.household_id:
        return True
    return claim.organization_id is not None and claim.organization_id in organizations


def _organizations_of(viewer: Person, claims: list[Claim]) -> set[int]:
    if not any(c.organization_id is not None for c in claims):
        return set()
    return set(
        OrganizationMember.objects.filter(person=viewer).values_list("organization_id", flat=True)
    )


def _principals_of(viewer: Person, claims: list[Claim]) -> set[int]:
    if not claims:
        return set()
    return set(
        Proxy.objects.filter(agent=viewer, revoked_at__isnull=True).values_list(
            "principal_id", flat=True
        )
    )


def reviewable_ids(viewer: Person, claims: Iterable[Claim]) -> set[int]:
    """Of these claims, the ones the viewer may still approve or reject: ``can_review``
    for a whole page of the queue in two queries instead of one per row."""
    candidates = [
        c
        for c in claims
        if c.status == Status.PENDING and authz.can(viewer, authz.REVIEW_CLAIMS, c.community)
    ]
    organizations = _organizations_of(viewer, candidates)
    principals = _principals_of(viewer, candidates)
    candidates = [c for c in candidates if not _own(viewer, c, organizations, principals)]
    if not candidates:
        return set()
    reviewed = set(
        Review.objects.filter(reviewer=viewer, claim_id__in=[c.pk for c in candidates]).values_list(
            "claim_id", flat=True
        )
    )
    return {c.pk for c in candidates if c.pk not in reviewed}


def can_decide_appeal(viewer: Person, claim: Claim) -> bool:
    """An open appeal, and the viewer a reviewer who neither reviewed the claim nor is
    on its side (``services.decide_appeal`` decides; this only hides the form)."""
    if not authz.can(viewer, authz.REVIEW_CLAIMS, claim.community):
        return False
    if not Appeal.objects.filter(claim=claim, status=AppealStatus.OPEN).exists():
        return False
    if _own(viewer, claim, _organizations_of(viewer, [claim]), _principals_of(viewer, [claim])):
        return False
    return not claim.reviews.filter(reviewer=viewer).exists()


def get_photo_for(viewer: Person, photo_id: int) -> Photo:
    """A photo of evidence, for whoever may see its claim; for anyone else it does not exist."""
    photo = Photo.objects.select_related("claim__community").filter(pk=photo_id).first()
    if photo is None or not may_see(viewer, photo.claim):
        raise NotFound(_("There is no such photo."))
    return photo


@dataclass
class DeclareTarget:
    """Whose service a person may declare: their own, a principal's (as a registered
    family proxy), or an organisation's unit points (as its member)."""

    key: str  # "" for oneself, "p<id>" for a principal, "o<id>" for an organisation
    person: Person
    organization: Organization | None
    community: Region | None
    relation: str = ""


def declare_targets(actor: Person) -> list[DeclareTarget]:
    targets = [DeclareTarget("", actor, None, actor.community)]
    proxies = Proxy.objects.filter(agent=actor, revoked_at__isnull=True).select_related(
        "principal__community"
    )
    for proxy in proxies.order_by("principal__name", "pk"):
        principal = proxy.principal
        targets.append(
            DeclareTarget(f"p{principal.pk}", principal, None, principal.community, proxy.relation)
        )
    # Only a unit's contact declares for it (claims.services says so too).
    memberships = OrganizationMember.objects.filter(person=actor, is_contact=True).select_related(
        "organization__region"
    )
    for membership in memberships.order_by("organization__name", "pk"):
        org = membership.organization
        targets.append(DeclareTarget(f"o{org.pk}", actor, org, org.region))
    return targets


def appeal_deadline(claim: Claim) -> datetime | None:
    """Until when the claim's decision may be appealed (申诉); None when it cannot be:
    still pending, revoked, or appealed already. The service checks it again."""
    if claim.status not in (Status.REJECTED, Status.APPROVED) or claim.decided_at is None:
        return None
    if Appeal.objects.filter(claim=claim).exists():
        return None
    return claim.decided_at + timedelta(days=policy_for(claim.community).appeal_days)


def queue_items(viewer: Person, community: Region | None = None) -> list[tuple[int, str]]:
    """(id, name) of the service items the viewer's claims may be for, for the queue's
    filter: the items of the community (or of every region in reach) and the regions
    above it, inactive ones included since old claims still name them."""
    if community is not None:
        within = Q(region__code__in=community.ancestor_codes())
    else:
        paths = authz.region_paths(viewer, authz.VIEW_CLAIMS)
        above = {code for path in paths for code in path.split("/") if code}
        within = authz.regions_q(viewer, authz.VIEW_CLAIMS, "region") | Q(region__code__in=above)
    names: dict[int, str] = {}
    versions = (
        RuleVersion.objects.filter(item__in=RuleItem.objects.filter(within))
        .order_by("item_id", "version")
        .values_list("item_id", "name")
    )
    for item_id, name in versions:
        names[item_id] = name  # the latest version's name wins
    return sorted(names.items(), key=lambda pair: pair[1])


# --- Cadence (一周一审核) ---------------------------------------------------------------

AGE_BUCKETS = ((0, 2), (3, 7), (8, 14), (15, None))


@dataclass
class CommunityCadence:
    community: Region
    buckets: list[int]
    total: int
    oldest: date | None


@dataclass
class ReviewerCadence:
    person: Person
    regions: list[str]
    last_7_days: int
    last_30_days: int
    last_review: date | None


def bucket_labels() -> list[str]:
    labels = []
    for low, high in AGE_BUCKETS:
        if high is None:
            labels.append(_("over %(days)s days") % {"days": low - 1})
        else:
            labels.append(_("%(low)s–%(high)s days") % {"low": low, "high": high})
    return labels


def pending_by_age(viewer: Person, today: date | None = None) -> list[CommunityCadence]:
    """Pending claims per community by how long they have waited."""
    today = today or timezone.localdate()
    rows: dict[int, CommunityCadence] = {}
    claims = (
        visible_claims(viewer)
        .filter(status=Status.PENDING)
        .select_related("community")
        .only("created_at", "community__name", "community__code", "community__path")
    )
    for claim in claims.iterator(chunk_size=2000):
        row = rows.get(claim.community_id)
        if row is None:
            row = rows[claim.community_id] = CommunityCadence(
                claim.community, [0] * len(AGE_BUCKETS), 0, None
            )
        waited_since = timezone.localtime(claim.created_at).date()
        age = (today - waited_since).days
        for i, (low, high) in enumerate(AGE_BUCKETS):
            if age >= low and (high is None or age <= high):
                row.buckets[i] += 1
                break
        row.total += 1
        row.oldest = min(row.oldest or waited_since, waited_since)
    return sorted(rows.values(), key=lambda r: r.community.code)


def reviewers_of(viewer: Person) -> list[ReviewerCadence]:
    """The reviewers over the viewer's regions (and below), with how much they reviewed."""
    grants = (
        RoleGrant.objects.filter(
            authz.regions_q(viewer, authz.VIEW_CLAIMS, "region"), role=Role.REVIEWER
        )
        .select_related("person", "region")
        .order_by("person__name", "person_id")
    )
    people: dict[int, ReviewerCadence] = {}
    for grant in grants:
        row = people.get(grant.person_id)
        if row is None:
            row = people[grant.person_id] = ReviewerCadence(grant.person, [], 0, 0, None)
        row.regions.append(grant.region.name)
    now = timezone.now()
    stats = (
        Review.objects.filter(reviewer_id__in=people)
        .values("reviewer_id")
        .annotate(
            week=Count("id", filter=Q(at__gte=now - timedelta(days=7))),
            month=Count("id", filter=Q(at__gte=now - timedelta(days=30))),
            last=Max("at"),
        )
    )
    for row_ in stats:
        row = people[row_["reviewer_id"]]
        row.last_7_days, row.last_30_days = row_["week"], row_["month"]
        row.last_review = timezone.localtime(row_["last"]).date()
    return list(people.values())


# --- To-do (待办, read by jifen.inbox) ---------------------------------------------------------

# A resident's decided claim or answered appeal stays on their to-do this many days.
RECENT_DAYS = 7

# The stages of the review queue a reviewer's to-do names (``waiting_for``).
FIRST_REVIEW, CROSS_CHECK, APPEALS = "first", "cross", "appeals"


def _not_own_q(viewer: Person) -> Q:
    """Mirrors ``services.refuse_own`` in SQL: the claims the viewer may not review (their
    own, their household's, their organisation's, a principal's, one they entered) left out."""
    own = Q(person_id=viewer.pk) | Q(created_by_id=viewer.pk)
    own |= Q(
        person_id__in=Proxy.objects.filter(agent_id=viewer.pk, revoked_at__isnull=True).values(
            "principal_id"
        )
    )
    own |= Q(
        organization_id__in=OrganizationMember.objects.filter(person_id=viewer.pk).values(
            "organization_id"
        )
    )
    if viewer.household_id is not None:
        own |= Q(person__household_id=viewer.household_id)
    return ~own


def waiting_for(viewer: Person, stage: str) -> QuerySet[Claim]:
    """What waits for the viewer as a reviewer, in the regions where they review, their own
    side's claims left out: ``first`` — pending claims nobody approved yet; ``cross`` —
    pending claims with one approval that need a second (交叉复核), not approved by the
    viewer; ``appeals`` — claims whose appeal waits for a decision, which the viewer did
    not review (a reviewer other than the first decides)."""
    claims = Claim.objects.filter(
        authz.regions_q(viewer, authz.REVIEW_CLAIMS, "community"), _not_own_q(viewer)
    )
    approved = Review.objects.filter(claim=OuterRef("pk"), decision=Decision.APPROVE)
    mine = Review.objects.filter(claim=OuterRef("pk"), reviewer_id=viewer.pk)
    if stage == FIRST_REVIEW:
        return claims.filter(~Exists(approved), status=Status.PENDING)
    if stage == CROSS_CHECK:
        return claims.filter(Exists(approved), ~Exists(mine), status=Status.PENDING)
    if stage == APPEALS:
        return claims.filter(~Exists(mine), appeal__status=AppealStatus.OPEN)
    raise ValueError(stage)


def reviewer_todo(viewer: Person) -> dict[str, tuple[int, datetime | None]]:
    """{stage: (count, since when the oldest waits)} for ``waiting_for``'s three stages, in
    one query whatever the number of claims. A claim waits from its creation; an appeal
    from its filing."""
    if not authz.can(viewer, authz.REVIEW_CLAIMS):
        return {}
    # Only pending claims and those with an open appeal are looked at (the status index
    # finds the first; open appeals are few), never the whole history of the region.
    open_appeals = Appeal.objects.filter(status=AppealStatus.OPEN).values("claim_id")
    claims = Claim.objects.filter(
        authz.regions_q(viewer, authz.REVIEW_CLAIMS, "community"),
        _not_own_q(viewer),
        Q(status=Status.PENDING) | Q(pk__in=open_appeals),
    ).annotate(
        approved=Exists(Review.objects.filter(claim=OuterRef("pk"), decision=Decision.APPROVE)),
        mine=Exists(Review.objects.filter(claim=OuterRef("pk"), reviewer_id=viewer.pk)),
        appealing=Exists(Appeal.objects.filter(claim=OuterRef("pk"), status=AppealStatus.OPEN)),
        appeal_filed=Subquery(Appeal.objects.filter(claim=OuterRef("pk")).values("filed_at")[:1]),
    )
    first = Q(status=Status.PENDING, approved=False)
    cross = Q(status=Status.PENDING, approved=True, mine=False)
    appeals = Q(appealing=True, mine=False)
    row = claims.filter(first | cross | appeals).aggregate(
        first_n=Count("pk", filter=first),
        first_at=Min("created_at", filter=first),
        cross_n=Count("pk", filter=cross),
        cross_at=Min("created_at", filter=cross),
        appeals_n=Count("pk", filter=appeals),
        appeals_at=Min("appeal_filed", filter=appeals),
    )
    return {
        FIRST_REVIEW: (row["first_n"], row["first_at"]),
        CROSS_CHECK: (row["cross_n"], row["cross_at"]),
        APPEALS: (row["appeals_n"], row["appeals_at"]),
    }


def claimant_todo(
    person: Person, now: datetime | None = None
) -> dict[str, tuple[int, datetime | None]]:
    """{"decided": …, "appeals_answered": …}: the person's claims decided, and their appeals
    answered, in the last ``RECENT_DAYS`` days — (count, the oldest decision's time), in
    one query."""
    since = (now or timezone.now()) - timedelta(days=RECENT_DAYS)
    decided = Q(status__in=[Status.APPROVED, Status.REJECTED], decided_at__gte=since) & ~Q(
        appeal__decided_at__gte=since
    )
    answered = Q(appeal__decided_at__gte=since)
    row = (
        Claim.objects.filter(person_id=person.pk)
        .filter(decided | answered)
        .aggregate(
            decided_n=Count("pk", filter=decided),
            decided_at=Min("decided_at", filter=decided),
            answered_n=Count("pk", filter=answered),
            answered_at=Min("appeal__decided_at", filter=answered),
        )
    )
    return {
        "decided": (row["decided_n"], row["decided_at"]),
        "appeals_answered": (row["answered_n"], row["answered_at"]),
    }


def recently(
    claims: QuerySet[Claim], *, appeals: bool, now: datetime | None = None
) -> QuerySet[Claim]:
    """Of these claims, those decided (or, with ``appeals``, whose appeal was answered) in
    the last ``RECENT_DAYS`` days: the lists the to-do's lines of a resident open."""
    since = (now or timezone.now()) - timedelta(days=RECENT_DAYS)
    if appeals:
        return claims.filter(appeal__decided_at__gte=since)
    return claims.filter(
        status__in=[Status.APPROVED, Status.REJECTED], decided_at__gte=since
    ).exclude(appeal__decided_at__gte=since)
