"""The review form of the visit review queue."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from laoxiao.core.forms import HardenedForm


class ReviewForm(HardenedForm):
    decision = forms.ChoiceField(
        label=_("decision"), choices=[("clear", _("clear")), ("reject", _("reject"))]
    )
    note = forms.CharField(label=_("note"), max_length=500)
