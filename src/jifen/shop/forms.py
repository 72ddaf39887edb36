"""Forms of the shop's console and merchant pages: they parse input; the services decide.

Field names are the services' own (``points``, ``stock``, ``quantity``, ``reason``, ``photo``
…), so a refusal raised with ``field=`` lands on the field it is about.
"""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.lib.widgets import DateInput
from jifen.shop.models import Kind, LimitPeriod
from jifen.shop.models import Status as OrderStatus
from jifen.shop.services import MAX_QUANTITY, ItemTerms


def _choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


class CodeForm(forms.Form):
    """What the counter's big field holds: a pickup code, an order's QR, a card (its QR or
    its printed code), or a resident's pay code."""

    code = forms.CharField(
        label=_("Pickup code, card or pay code"),
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": "",
                "data-scan-input": "",
            }
        ),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=200,
        help_text=_("The resident is told; their points come back at once."),
    )


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), *OrderStatus.choices],
        required=False,
    )


class ItemForm(forms.Form):
    """An item's terms (ItemTerms). The stock is given once, at creation; later it changes
    only by a restock with its note, so an order taken while the form is open is never
    undone by saving it."""

    region = forms.ChoiceField(
        label=_("Offered by"),
        choices=(),
        help_text=_("A town's or the county's item is offered in every community below it."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.GOODS)
    points = forms.IntegerField(label=_("Price in points"), min_value=1)
    stock = forms.IntegerField(label=_("Stock"), min_value=0)
    per_person_limit = forms.IntegerField(
        label=_("Limit per person"),
        min_value=1,
        required=False,
        help_text=_("Empty: no limit."),
    )
    limit_period = forms.ChoiceField(
        label=_("Limit counted"), choices=LimitPeriod.choices, initial=LimitPeriod.MONTH
    )
    available_from = forms.DateField(label=_("On offer from"), required=False, widget=DateInput())
    available_until = forms.DateField(label=_("On offer until"), required=False, widget=DateInput())
    sponsor = forms.CharField(
        label=_("Donor or sponsor"),
        max_length=100,
        required=False,
        help_text=_("爱心商户, 驻区单位 … shown with the item."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        regions: list[tuple[str, str]] | None = None,
        with_stock: bool = True,
        merchant_offer: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if regions is None:
            del self.fields["region"]
        else:
            _choices(self, "region", regions)
        if not with_stock:
            del self.fields["stock"]
        if merchant_offer:  # the merchant is who offers it
            del self.fields["sponsor"]

    def terms(self, stock: int | None = None, sponsor: str = "") -> ItemTerms:
        """The terms entered; ``stock`` and ``sponsor`` for the fields this form leaves out."""
        data = self.cleaned_data
        return ItemTerms(
            name=data["name"],
            points=data["points"],
            stock=data["stock"] if stock is None else stock,
            kind=data["kind"],
            description=data["description"],
            per_person_limit=data["per_person_limit"],
            limit_period=data["limit_period"],
            available_from=data["available_from"],
            available_until=data["available_until"],
            sponsor=data.get("sponsor", sponsor),
        )


def item_initial(item: Any) -> dict[str, Any]:
    return {
        "name": item.name,
        "kind": item.kind,
        "points": item.points,
        "per_person_limit": item.per_person_limit,
        "limit_period": item.limit_period,
        "available_from": item.available_from,
        "available_until": item.available_until,
        "sponsor": item.sponsor,
        "description": item.description,
    }


class RestockForm(forms.Form):
    change = forms.IntegerField(
        label=_("Change of stock"),
        help_text=_("+20 for a delivery, −2 for breakage or after a count."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("Needed when stock is taken away."),
    )


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo of the item"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
        help_text=_("JPEG or PNG; it is shown on the price list."),
    )


class RedeemForm(forms.Form):
    item = forms.ChoiceField(
        label=pgettext_lazy("shop", "Item"), choices=(), widget=forms.RadioSelect
    )
    quantity = forms.IntegerField(
        label=pgettext_lazy("shop", "Quantity"),
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, items: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "item", items)


class WindowForm(forms.Form):
    """The community's redemption window and the shop's terms (CommunityPolicy)."""

    redemption_months = forms.CharField(
        label=_("Months when redeeming is open"),
        max_length=40,
        required=False,
        help_text=_("Month numbers separated by commas, e.g. 1,4,7,10. Empty: every month."),
    )
    redemption_first_day = forms.IntegerField(
        label=_("Opens on day"),
        min_value=1,
        max_value=31,
        required=False,
        help_text=_("Empty: from the 1st."),
    )
    redemption_last_day = forms.IntegerField(
        label=_("Closes after day"),
        min_value=1,
        max_value=31,
        required=False,
        help_text=_("Empty: to the month's end."),
    )
    order_expiry_days = forms.IntegerField(
        label=_("Orders not picked up expire after (days)"), min_value=1, max_value=3650
    )
    point_value = forms.DecimalField(
        label=_("Reference value of one point (yuan)"),
        min_value=Decimal("0"),
        max_value=Decimal("10000"),
        decimal_places=2,
        help_text=_("What a point is worth in goods, for the liability dashboard: 0.10 = 1 jiao."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("redemption_first_day"), data.get("redemption_last_day")
        if first and last and first > last:
            self.add_error("redemption_last_day", _("The last day cannot come before the first."))
        return data

    def policy_changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "redemption_months": data["redemption_months"].replace("，", ",").replace(" ", ""),
            "redemption_first_day": data["redemption_first_day"],
            "redemption_last_day": data["redemption_last_day"],
            "order_expiry_days": data["order_expiry_days"],
            "point_value_fen": int(data["point_value"] * 100),
        }


class TakeForm(forms.Form):
    """A merchant takes points for one of its offers from the resident whose card or pay
    code was just presented (carried to this step, checked again by the service)."""

    card = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)
    paycode = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)
    item = forms.ChoiceField(label=_("Offer"), choices=(), widget=forms.RadioSelect)
    quantity = forms.IntegerField(
        label=pgettext_lazy("shop", "Quantity"),
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, items: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "item", items)
