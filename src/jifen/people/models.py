"""Residents and volunteers, households, organisations, merchants, teams and roles.

A Person is also the login account (phone + password). Personal details (name,
phone, ID) sit on this table only; the ledger refers to people by id, so a
person can be erased (details blanked) while every point and seal stays intact.
"""

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    STAFF = "staff", _("Community staff")
    REVIEWER = "reviewer", _("Review group member")
    MERCHANT = "merchant", _("Merchant")
    KIOSK = "kiosk", _("Public screen")
    GRID = "grid", _("Grid worker")
    INSPECTOR = "inspector", _("Inspector")


class ConsentSource(models.TextChoices):
    """How consent was given; ``DECLINED`` (with no ``consent_at``) records that the
    person said no — at registration or by withdrawing — so they are not asked again.
    Blank: never asked (registered by staff, not yet logged in)."""

    SELF_REGISTRATION = "self", _("At self-registration")
    COMMAND_LINE = "cli", _("Created from the command line")
    FIRST_LOGIN = "login", _("Confirmed at login")
    DECLINED = "declined", _("Declined")


class PersonManager(BaseUserManager["Person"]):
    def get_by_natural_key(self, username: str | None) -> "Person":
        return self.get(phone=username)


class Household(models.Model):
    """A 户: the people who live at one address; reviewers never review their own household."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("address"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(fields=["region", "label"], name="household_unique_label")
        ]

    def __str__(self) -> str:
        return self.label


class Person(AbstractBaseUser):
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=11, unique=True)
    # The ID number itself is never stored: a keyed hash finds duplicates, the
    # masked form (3505**********1234) is what a certificate may print.
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    id_number_masked = models.CharField(max_length=18, blank=True)
    volunteer_no = models.CharField(_("volunteer number"), max_length=16, unique=True, null=True)
    community = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home community"),
    )
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    is_party_member = models.BooleanField(_("party member"), default=False)
    # 在职党员回家报到: a party member who works elsewhere reports to the home community.
    is_reporting_party_member = models.BooleanField(
        _("in-service party member reporting home"), default=False
    )
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    # Optional: where reminders go when the email notification backend is on.
    email = models.EmailField(_("email"), blank=True)
    is_veteran = models.BooleanField(_("veteran"), default=False)
    referrer = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    registered_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent_at = models.DateTimeField(_("consented to publication at"), null=True, blank=True)
    consent_source = models.CharField(max_length=8, choices=ConsentSource.choices, blank=True)
    is_active = models.BooleanField(default=True)
    # Set when someone else chose the password (a reset, a first password at the desk):
    # whoever chose it could log in as this person until they change it, so until then
    # the pages lead to the password change and the API answers 403
    # password_change_required, and no role is given to them.
    must_change_password = models.BooleanField(default=False)
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[PersonManager] = PersonManager()  # type: ignore[assignment]

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["community", "name"])]

    def __str__(self) -> str:
        return self.name

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    @property
    def has_consented(self) -> bool:
        return self.consent_at is not None

    def natural_key(self) -> tuple[Any, ...]:
        return (self.phone,)


class RoleGrant(models.Model):
    """A role held over a region and everything below it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    granted_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["person", "role", "region"], name="grant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.region}"


class Proxy(models.Model):
    """A family member who may act for an elderly resident (代办); every act is logged as such."""

    principal = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="proxies")
    agent = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="principals")
    relation = models.CharField(_("relation"), max_length=20)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("proxy")
        verbose_name_plural = _("proxies")
        constraints = [
            models.UniqueConstraint(
                fields=["principal", "agent"],
                condition=Q(revoked_at__isnull=True),
                name="proxy_one_active",
            ),
            models.CheckConstraint(
                condition=~Q(principal=models.F("agent")), name="proxy_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} → {self.principal}"


class OrganizationKind(models.TextChoices):
    ORGAN = "organ", _("government organ")
    ENTERPRISE = "enterprise", _("enterprise")
    SOCIAL = "social", _("social organisation")
    PROPERTY = "property", _("property company")
    SCHOOL = "school", _("school or hospital")
    OTHER = "other", _("other unit")


class Organization(models.Model):
    """驻区单位: a unit based in the region that earns unit points and claims micro-projects."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind of unit"),
        max_length=12,
        choices=OrganizationKind.choices,
        default=OrganizationKind.OTHER,
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    members = models.ManyToManyField(Person, through="OrganizationMember", related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="organization_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class OrganizationMember(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    is_contact = models.BooleanField(_("contact person"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "person"], name="org_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.organization}"


class Merchant(models.Model):
    """爱心商户: a partner shop; its operators take points for discounts and services."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    operators = models.ManyToManyField(Person, related_name="merchants", blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="merchant_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """志愿服务队: its leader earns a monthly bonus when it has enough members."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="led_teams")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    """Membership with dates, so "members at the month's end" can be asked of any month."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="team_memberships")
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "person"],
                condition=Q(left_on__isnull=True),
                name="team_member_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.team}"


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 is stored."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token of {self.person_id} from {self.created_at:%Y-%m-%d}"


class LoginFailure(models.Model):
    """A failed login, kept for the throttle window; the phone only as a keyed hash."""

    phone_digest = models.CharField(max_length=64, db_index=True)
    address = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"failed login at {self.at:%Y-%m-%d %H:%M}"
