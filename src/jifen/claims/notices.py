"""What claims tell people: the volunteer hears each decision, reviewers are reminded
once a week of the claims waiting for them (一周一审核)."""

from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from jifen.claims.models import Appeal, AppealStatus, Claim, Reminder, Status
from jifen.lib import notify
from jifen.notices import services as notices
from jifen.notices.texts import lines, say, words
from jifen.people import authz
from jifen.people.models import OrganizationMember, Person, Proxy, Role, RoleGrant


def _in_deployment_language(make: Callable[[], notify.Message]) -> notify.Message:
    with translation.override(settings.LANGUAGE_CODE):
        return make()


def decision(claim: Claim) -> None:
    """After the transaction commits, tell the claimant what became of their claim."""

    def message() -> notify.Message:
        # Said with message ids (notices.texts): each reader reads it in their language.
        if claim.status == Status.APPROVED:
            subject = say(_("Your claim %(id)s is approved"), id=claim.pk)
            body = say(
                _("%(points)s points for %(item)s on %(date)s."),
                points=claim.points,
                item=claim.rule_version.name,
                date=claim.occurred_on.isoformat(),
            )
        else:
            subject = say(
                _("Your claim %(id)s is %(status)s"),
                id=claim.pk,
                status=Status(claim.status).label,
            )
            body = say(_("Reason: %(reason)s."), reason=claim.reason)
            if claim.status == Status.REJECTED:
                body = lines(body, _("You may appeal within the time shown on the claim."))
        return notify.Message(
            claim.person,
            subject,
            body,
            kind=f"claim_{claim.status}",
            url=reverse("claims:detail", args=[claim.pk]),
        )

    notices.send([_in_deployment_language(message)])


def appeal_decided(appeal: Appeal) -> None:
    """After the transaction commits, tell the appellant the decision and its note."""

    def message() -> notify.Message:
        subject = say(
            _("Your appeal on claim %(id)s is %(status)s"),
            id=appeal.claim_id,
            status=AppealStatus(appeal.status).label,
        )
        body = words(appeal.note)
        if appeal.points_added:
            body = lines(
                body, say(_("%(points)s more points were posted."), points=appeal.points_added)
            )
        return notify.Message(
            appeal.claim.person,
            subject,
            body,
            kind="appeal_decided",
            url=reverse("claims:detail", args=[appeal.claim_id]),
        )

    notices.send([_in_deployment_language(message)])


def _week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def remind_reviewers(as_of: date) -> int:
    """One reminder per reviewer and ISO week, to reviewers with claims waiting for them;
    safe to run as often as ``jifen tick`` runs. Returns how many were sent."""
    week = _week(as_of)
    reviewers = (
        Person.objects.filter(
            is_active=True,
            pk__in=RoleGrant.objects.filter(role__in=[Role.REVIEWER, Role.ADMIN]).values("person"),
        )
        .exclude(pk__in=Reminder.objects.filter(week=week).values("person"))
        .order_by("pk")
    )
    messages = []
    for reviewer in reviewers.iterator():
        # Only claims they may review (services.refuse_own): not their own, nor ones they
        # entered, their household's, their organisation's or a principal's whose proxy they
        # are; nor ones they reviewed.
        waiting = (
            Claim.objects.filter(
                authz.regions_q(reviewer, authz.REVIEW_CLAIMS, "community"),
                status=Status.PENDING,
            )
            .exclude(person=reviewer)
            .exclude(created_by=reviewer)
            .exclude(
                organization__in=OrganizationMember.objects.filter(person=reviewer).values(
                    "organization"
                )
            )
            .exclude(reviews__reviewer=reviewer)
            .exclude(
                person__in=Proxy.objects.filter(agent=reviewer, revoked_at__isnull=True).values(
                    "principal"
                )
            )
        )
        if reviewer.household_id is not None:
            waiting = waiting.exclude(person__household_id=reviewer.household_id)
        count = waiting.count()
        if not count:
            continue
        oldest = waiting.order_by("created_at").values_list("created_at", flat=True).first()
        try:
            with transaction.atomic():
                Reminder.objects.create(person=reviewer, week=week, pending=count)
        except IntegrityError:  # another tick sent it at this moment
            continue
        days = max(0, (as_of - timezone.localtime(oldest).date()).days) if oldest else 0
        subject = say(_("%(count)s claims wait for your review"), count=count)
        body = say(
            _("The oldest has waited %(days)s days. Please review them this week."), days=days
        )
        messages.append(
            notify.Message(
                reviewer, subject, body, kind="review_reminder", url=reverse("claims:queue")
            )
        )
    # Outside any transaction (each reminder row commits on its own): sent at once.
    return notices.send(messages, after_commit=False)
