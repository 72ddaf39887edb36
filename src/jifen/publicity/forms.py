"""Forms of the 公示 pages: they parse input; the services decide."""

import json
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.lib.months import label, previous_month, this_month
from jifen.publicity.models import ObjectionStatus, Status

# How far back the drafting form offers months (a missed month is caught up from here).
MONTHS_OFFERED = 24
# A proof of one person's month is a few kilobytes; far more is not a proof of ours.
MAX_PROOF_CHARS = 500_000


def ended_months(count: int = MONTHS_OFFERED) -> list[tuple[str, str]]:
    """The last ``count`` months that have ended, the most recent first."""
    months, first = [], this_month()
    for _i in range(count):
        first = previous_month(first)
        months.append((label(first), label(first)))
    return months


class _ChoicesForm(forms.Form):
    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices


class DraftForm(_ChoicesForm):
    community = forms.ChoiceField(label=_("Community"), choices=())
    month = forms.ChoiceField(
        label=_("Month"),
        choices=(),
        help_text=_("A month is announced once it is over."),
    )

    def __init__(self, *args: Any, communities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("community", communities)
        self._choices("month", ended_months())
        if communities and not self.is_bound:
            self.initial.setdefault("community", communities[0][0])


class FilterForm(_ChoicesForm):
    community = forms.ChoiceField(label=_("Community"), choices=(), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Every status")), *Status.choices],
        required=False,
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )

    def __init__(self, *args: Any, communities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("community", [("", _("Every community")), *communities])
        self.fields["community"].widget.attrs["data-autosubmit"] = ""


class ObjectionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Every status")), *ObjectionStatus.choices],
        required=False,
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The resident reads it. Say what was checked and what was done."),
    )
    correction = forms.IntegerField(
        label=_("Adjustment number (optional)"),
        required=False,
        min_value=1,
        help_text=_(
            "If the entry was wrong, correct it with an adjustment on the resident's points "
            "statement that names the original entry, then give its number here. The "
            "published month itself never changes."
        ),
    )


class VerifyForm(forms.Form):
    document = forms.CharField(
        label=_("Proof document"),
        max_length=MAX_PROOF_CHARS,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "mono"}),
        help_text=_("Paste the whole proof (JSON), as downloaded."),
    )

    def clean_document(self) -> Any:
        try:
            return json.loads(self.cleaned_data["document"])
        except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested past reason
            raise forms.ValidationError(
                _("This is not a proof document: it should start with {.")
            ) from None


# A proof file is the downloaded JSON of one person's month: kilobytes. A file over this is
# refused before it is read as anything.
MAX_PROOF_BYTES = 512 * 1024
PROOF_SUFFIXES = (".json", ".txt")


class ProofFileForm(forms.Form):
    """The proof file a resident downloaded (or was sent), to check on ``/verify/``."""

    proof = forms.FileField(
        label=_("Proof file"),
        help_text=_("The file you downloaded from “Verify my points”, its name ends in .json."),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json,text/plain"}),
    )

    def clean_proof(self) -> Any:
        upload = self.cleaned_data["proof"]
        if upload.size is None or upload.size > MAX_PROOF_BYTES:
            raise forms.ValidationError(
                _(
                    "This file is too large to be a proof (%(size)s KB; a proof is a few KB, "
                    "at most %(limit)s KB)."
                )
                % {"size": (upload.size or 0) // 1024, "limit": MAX_PROOF_BYTES // 1024}
            )
        if not str(upload.name or "").lower().endswith(PROOF_SUFFIXES):
            raise forms.ValidationError(
                _("Choose the proof file: its name ends in .json (e.g. jifen-proof-….json).")
            )
        raw = upload.read(MAX_PROOF_BYTES + 1)
        try:
            document = json.loads(raw.decode("utf-8-sig"))
        except (ValueError, RecursionError):  # not UTF-8 (a ValueError), not JSON, "[[[[…"
            raise forms.ValidationError(
                _("This file is not a proof: it could not be read as a proof document (JSON).")
            ) from None
        if not isinstance(document, dict):
            raise forms.ValidationError(
                _("This file is not a proof: it could not be read as a proof document (JSON).")
            )
        return document
