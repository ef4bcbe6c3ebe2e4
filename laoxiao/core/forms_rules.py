"""The form of the rules page: a city administrator adds a version of a rule."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from laoxiao.core.forms import HardenedForm
from laoxiao.core.models import RuleVersion


class RuleVersionForm(HardenedForm):
    key = forms.CharField(label=_("Rule key"), max_length=80)
    effective_from = forms.DateField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    content = forms.CharField(
        label=_("Data (JSON)"), widget=forms.Textarea(attrs={"rows": 6}), max_length=100_000
    )
    certainty = forms.ChoiceField(label=_("Certainty"), choices=RuleVersion.Certainty.choices)
    source = forms.CharField(label=_("Source"), max_length=300, required=False)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=10_000
    )

    def clean_content(self) -> Any:
        try:
            value = json.loads(self.cleaned_data["content"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("Not valid JSON: %(error)s") % {"error": exc.msg}) from None
        if not isinstance(value, dict | list):
            raise forms.ValidationError(_("The data is a JSON object or list."))
        return value
