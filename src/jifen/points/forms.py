from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.lib.widgets import DateInput
from jifen.points.models import CommunityPolicy, Unit


class RuleItemForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("Same code as an existing item: a new version of it."),
    )
    name = forms.CharField(label=_("Service item"), max_length=100)
    category = forms.CharField(
        label=_("Category"),
        max_length=50,
        help_text=_("e.g. 环境卫生, 扶老助残, 平安巡逻, 应急救援"),
    )
    unit = forms.ChoiceField(label=_("Counted"), choices=Unit.choices)
    points = forms.IntegerField(
        label=_("Points per unit"),
        min_value=1,
        max_value=1000,
        help_text=_("Difficulty tier: e.g. 5, 10 or 20."),
    )
    effective_from = forms.DateField(label=_("Effective from"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Reason for the change"), max_length=200, required=False)


class AdjustmentForm(forms.Form):
    amount = forms.IntegerField(label=_("Points (+ adds, − takes away)"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("A second staff member must approve before it posts."),
    )


class StatementForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class PolicyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = CommunityPolicy
        fields = [
            "referral_enabled",
            "referral_points",
            "team_leader_enabled",
            "team_leader_points",
            "team_min_size",
            "long_term_enabled",
            "long_term_points",
            "long_term_months",
            "expiry_years",
            "cross_check_points",
            "cross_check_share",
            "claim_max_age_days",
            "appeal_days",
            "attendance_min_share",
        ]
