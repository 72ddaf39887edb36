from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.witness.services import MAX_PASSPHRASE, MIN_PASSPHRASE


def _passphrase_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        min_length=MIN_PASSPHRASE,
        max_length=MAX_PASSPHRASE,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class KeyForm(forms.Form):
    passphrase = _passphrase_field(_("Passphrase (at least 12 characters)"))
    confirm = _passphrase_field(_("The passphrase again"))
    replace = forms.BooleanField(
        label=_("I understand: the current key is superseded; copies it signed still verify"),
        required=False,
    )

    def __init__(self, *args: object, has_key: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.has_key = has_key
        if not has_key:
            del self.fields["replace"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("passphrase") and data.get("passphrase") != data.get("confirm"):
            self.add_error("confirm", _("The two passphrases differ."))
        if self.has_key and not data.get("replace"):
            self.add_error("replace", _("Confirm that the current key is to be superseded."))
        return data


class SignForm(forms.Form):
    passphrase = forms.CharField(
        label=_("Passphrase of the key"),
        max_length=MAX_PASSPHRASE,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
