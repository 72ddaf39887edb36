"""留言 · 投诉 · 咨询: every message answered on time (事事有回音、件件有着落).

A resident writes to a region — their community or village, or a region above it — on a
topic of that region's menu, publicly or privately, with photos. The topic gives the
working days to answer (counted with the calendar incidents use, 调休 included). Staff of
the region answering now (``handling_region``) reply; the author rates the answer, and
may once say "not resolved", which reopens the message with a new deadline. A message
left unanswered past its deadline goes up to the next region (``jifen tick``), which
gets its own deadline. Staff may turn a message into a grid incident or a service
request (linked both ways); a deliberation links back to it from its own side.

The statuses and the steps between them are ``STEPS`` below and nothing else; every
step taken is an ``Event``.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

BODY_MAX = 2000
REPLY_MAX = 2000
NOTE_MAX = 500


class Status(models.TextChoices):
    OPEN = "open", pgettext_lazy("message status", "waiting for an answer")
    ANSWERED = "answered", pgettext_lazy("message status", "answered")
    REOPENED = "reopened", pgettext_lazy("message status", "not resolved, reopened")
    CLOSED = "closed", pgettext_lazy("message status", "closed")


@dataclass(frozen=True)
class Step:
    name: str
    sources: frozenset[str]
    target: str | None  # None: the status stays (an escalation, a link)

    @property
    def label(self) -> str | Promise:
        return STEP_LABELS[self.name]


def _step(name: str, sources: tuple[str, ...], target: str | None) -> Step:
    return Step(name, frozenset(sources), target)


S = Status
# The workflow, whole. Staff may answer again after an answer (a follow-up); the
# author's rating closes the message, or — once — reopens it as not resolved; an answer
# the author leaves unrated for RATE_DAYS closes by itself (``jifen tick``). Staff close
# only what waits for them (spam, a duplicate: with a reason the author reads), never an
# answer: that would take the author's "not resolved" away. The author may withdraw
# their message at any time before it closes. What waits unanswered past its deadline
# goes up a region, keeping its status.
# fmt: off
STEPS: dict[str, Step] = {step.name: step for step in (
    #     step            from                                 to
    _step("reply",        (S.OPEN, S.REOPENED, S.ANSWERED),    S.ANSWERED),
    _step("rate",         (S.ANSWERED,),                       S.CLOSED),
    _step("not_resolved", (S.ANSWERED,),                       S.REOPENED),
    _step("close",        (S.OPEN, S.REOPENED),                S.CLOSED),
    _step("withdraw",     (S.OPEN, S.REOPENED, S.ANSWERED),    S.CLOSED),
    _step("auto_close",   (S.ANSWERED,),                       S.CLOSED),
    _step("escalate",     (S.OPEN, S.REOPENED),                None),
    _step("to_incident",  (S.OPEN, S.REOPENED, S.ANSWERED),    None),
    _step("to_request",   (S.OPEN, S.REOPENED, S.ANSWERED),    None),
)}
# fmt: on
STEP_LABELS: dict[str, str | Promise] = {
    "write": pgettext_lazy("message step", "written"),
    "reply": pgettext_lazy("message step", "answered"),
    "rate": pgettext_lazy("message step", "rated"),
    "not_resolved": pgettext_lazy("message step", "not resolved, reopened"),
    "close": pgettext_lazy("message step", "closed"),
    "withdraw": pgettext_lazy("message step", "withdrawn by its writer"),
    "auto_close": pgettext_lazy("message step", "closed: the answer was not rated in time"),
    "escalate": pgettext_lazy("message step", "overdue, sent up a level"),
    "to_incident": pgettext_lazy("message step", "turned into a grid incident"),
    "to_request": pgettext_lazy("message step", "turned into a service request"),
    "to_deliberation": pgettext_lazy("message step", "taken to deliberation"),
}
ALLOWED: dict[str, frozenset[str]] = {
    status: frozenset(
        step.target for step in STEPS.values() if status in step.sources and step.target
    )
    for status in Status.values
}
# Days the author has to rate an answer (or say it did not resolve anything) before the
# message closes by itself.
RATE_DAYS = 7
# Waiting for staff: the clock runs.
WAITING = frozenset({S.OPEN, S.REOPENED})
OPEN = frozenset({S.OPEN, S.ANSWERED, S.REOPENED})


# The menu every county starts with (code, name, working days to answer); staff change
# it, and a community may replace a topic with its own of the same code.
DEFAULT_TOPICS: tuple[tuple[str, str, int], ...] = (
    ("policy", "政策咨询", 3),
    ("sanitation", "环境卫生", 3),
    ("property", "物业服务", 5),
    ("neighbours", "邻里纠纷", 5),
    ("village-finance", "村务财务", 5),
    ("suggestion", "意见建议", 10),
    ("complaint", "投诉举报", 5),
    ("other", "其他", 5),
)


def may_take(step: str, status: str) -> bool:
    return status in STEPS[step].sources


class Topic(models.Model):
    """A topic of the message menu with its working days to answer. A county's topics
    serve every region below it; a community's of the same code replaces it there."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=50)
    due_days = models.PositiveSmallIntegerField(_("working days to answer"), default=5)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("message topic")
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="message_topic_code"),
            models.CheckConstraint(
                condition=Q(due_days__gte=1, due_days__lte=60),
                name="message_topic_due_days_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Message(models.Model):
    # Where it was addressed (a community or village, or a region above it) and who must
    # answer now: the same region, or a region above after an escalation.
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("addressed to")
    )
    handling_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("answered by")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="resident_messages",
        verbose_name=_("author"),
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, related_name="messages", verbose_name=_("topic")
    )
    body = models.TextField(_("message"), max_length=BODY_MAX)
    public = models.BooleanField(_("public"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("written"), default=timezone.now, db_index=True)
    # The deadline now (a reopening or an escalation sets a new one) and the first one.
    due_at = models.DateTimeField(_("due"))
    first_due_at = models.DateTimeField()
    first_answered_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    # "Not resolved" may be said once.
    reopened_at = models.DateTimeField(null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(default=0)
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("grid incident"),
    )
    service_request = models.ForeignKey(
        "requests.ServiceRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("service request"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("resident's message")
        indexes = [
            models.Index(fields=["region", "created_at"]),
            models.Index(fields=["handling_region", "status", "due_at"]),
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["topic", "created_at"]),
            models.Index(fields=["author", "-created_at"]),
            models.Index(fields=["public", "region", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="message_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="message_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.topic.name}"


class Reply(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The region the answer was given for (the handling region then).
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, related_name="+"
    )
    body = models.TextField(_("answer"), max_length=REPLY_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("answer")

    def __str__(self) -> str:
        return f"answer {self.pk} to message {self.message_id}"


class Event(models.Model):
    """One step taken: who, when, from what to what, at which region, with what note."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=16)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor = models.ForeignKey(  # None: the system (jifen tick)
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=NOTE_MAX, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["message", "created_at"])]

    def __str__(self) -> str:
        return f"{self.step} of message {self.message_id}"

    @property
    def label(self) -> str | Promise:
        return STEP_LABELS.get(self.step, self.step)


class Photo(models.Model):
    """A photo with the message, re-encoded like a claim's (no EXIF survives)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="messages/%Y/%m/")
    content_type = models.CharField(max_length=16)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of message {self.message_id}"
