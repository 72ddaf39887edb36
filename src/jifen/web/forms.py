"""Page forms: they parse input; the services decide. Domain errors land on their field."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import DomainError
from jifen.lib.widgets import DateInput
from jifen.people.models import Role
from jifen.regions.models import Level, Region


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.render())


def community_choices() -> list[tuple[str, str]]:
    communities = Region.objects.filter(level=Level.COMMUNITY).select_related("parent")
    return [
        (r.code, f"{r.parent.name} · {r.name}" if r.parent else r.name)
        for r in communities.order_by("path")
    ]


class PhoneInput(forms.TextInput):
    input_type = "tel"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(attrs={"autocomplete": "tel", "inputmode": "numeric", **kwargs})


class LoginForm(forms.Form):
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, widget=PhoneInput())
    password = forms.CharField(
        label=_("Password"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class RegisterForm(forms.Form):
    name = forms.CharField(
        label=_("Real name"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, widget=PhoneInput())
    community = forms.ChoiceField(label=_("Your community"), choices=())
    password = forms.CharField(
        label=_("Password"),
        max_length=200,
        help_text=_("At least 8 characters, not only digits."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    referrer = forms.CharField(
        label=_("Referrer's volunteer number (optional)"),
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    # Optional (CONTRACT.md: consent never blocks earning or spending): without it public
    # pages show the volunteer as 志愿者 and their number. It can be changed at any time.
    agree = forms.BooleanField(
        label=_(
            "I agree that the monthly public notice shows my masked name "
            "(e.g. 王*梅) with my points."
        ),
        required=False,
        help_text=_(
            "Optional. Without it, public notices show you only as “volunteer” with your "
            "number. You can change this at any time on your points page."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = community_choices()


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        max_length=200,
        help_text=_("At least 8 characters, not only digits."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data


class PersonDetailsForm(forms.Form):
    name = forms.CharField(label=_("Real name"), max_length=50)
    household_label = forms.CharField(
        label=_("Household address"),
        max_length=100,
        required=False,
        help_text=_("e.g. 江滨花园3栋201; people at one address form a household."),
    )
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    is_party_member = forms.BooleanField(label=_("Party member"), required=False)
    is_reporting_party_member = forms.BooleanField(
        label=_("In-service party member reporting home"), required=False
    )
    employer = forms.CharField(label=_("Employer"), max_length=100, required=False)
    is_veteran = forms.BooleanField(label=_("Veteran"), required=False)
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("Optional; review reminders are sent here when email is set up."),
    )


class PersonCreateForm(PersonDetailsForm):
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, widget=PhoneInput())
    community = forms.ChoiceField(label=_("Community"), choices=())
    id_number = forms.CharField(
        label=_("ID number (optional)"),
        max_length=18,
        required=False,
        help_text=_("Kept only as a check value; it is never shown again."),
    )
    password = forms.CharField(
        label=_("First password (optional)"),
        max_length=200,
        required=False,
        help_text=_("For residents without a smartphone; they can change it later."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    referrer = forms.CharField(
        label=_("Referrer's volunteer number"), max_length=16, required=False
    )

    field_order = [
        "name",
        "phone",
        "community",
        "household_label",
        "id_number",
        "birth_date",
        "is_party_member",
        "is_reporting_party_member",
        "employer",
        "is_veteran",
        "referrer",
        "password",
    ]

    def __init__(self, *args: Any, communities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = communities


class SetPasswordForm(forms.Form):
    new_password = forms.CharField(
        label=_("New password"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    region = forms.ChoiceField(label=_("Over region"), choices=())

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions


class ProxyForm(forms.Form):
    agent = forms.CharField(label=_("Proxy's volunteer number"), max_length=16)
    relation = forms.CharField(
        label=_("Relation"), max_length=20, help_text=_("e.g. 女儿, 儿子, 孙女")
    )


class GroupForm(forms.Form):
    KINDS = [
        ("team", _("Volunteer team")),
        ("organization", _("Organisation")),
        ("merchant", _("Merchant")),
    ]
    kind = forms.ChoiceField(label=_("Kind"), choices=KINDS)
    name = forms.CharField(label=_("Name"), max_length=100)
    region = forms.ChoiceField(label=_("Region"), choices=())
    leader = forms.CharField(
        label=_("Leader / operator volunteer number"),
        max_length=16,
        required=False,
        help_text=_("A team needs its leader; a merchant may name the person who operates it."),
    )
    address = forms.CharField(label=_("Address (merchants)"), max_length=200, required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions


class RegionForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    parent = forms.ChoiceField(label=_("Parent region"), choices=())

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = regions


class AuditFilterForm(forms.Form):
    """The audit log's filters: an action and a region chosen from lists, a person typed."""

    action = forms.ChoiceField(label=_("Action"), choices=(), required=False)
    region = forms.ChoiceField(label=_("Region"), choices=(), required=False)
    actor = forms.CharField(
        label=_("Person (name or volunteer number)"), max_length=50, required=False
    )
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(
        self,
        *args: Any,
        actions: list[tuple[str, Any]],  # (code, name), or (area, [(code, name), …])
        regions: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["action"].choices = every + actions  # type: ignore[attr-defined]
        self.fields["region"].choices = every + regions  # type: ignore[attr-defined]
