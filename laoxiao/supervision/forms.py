"""Forms of the supervision pages: they clean input; the actions check scope and rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from laoxiao.core.forms import HardenedForm
from laoxiao.supervision.models import (
    Complaint,
    ComplaintStep,
    Incident,
    Inspection,
    RiskSignal,
)

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT = forms.Textarea(attrs={"rows": 3})


class ProviderForm(HardenedForm):
    """A form that names a provider from those the actor supervises."""

    provider = forms.ChoiceField(label=_("Provider"))

    def __init__(self, *args: Any, providers: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["provider"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [(p.uscc, f"{p.name} ({p.uscc})") for p in providers]


class InspectionForm(ProviderForm):
    date = forms.DateField(label=_("Date"), widget=DATE)
    kind = forms.ChoiceField(label=_("Kind"), choices=Inspection.Kind.choices)
    inspectors = forms.CharField(label=_("Inspectors"), max_length=300)
    result = forms.ChoiceField(label=_("Result"), choices=Inspection.Result.choices)
    summary = forms.CharField(label=_("Summary"), required=False, widget=TEXT)


class ComplaintForm(ProviderForm):
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    source = forms.ChoiceField(label=_("Source"), choices=Complaint.Source.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Complaint.Category.choices)
    description = forms.CharField(label=_("Description"), widget=TEXT)


class ComplaintStepForm(HardenedForm):
    action = forms.ChoiceField(
        label=_("Step"),
        choices=[c for c in ComplaintStep.Action.choices if c[0] != ComplaintStep.Action.RECEIVED],
    )
    note = forms.CharField(label=_("Note"), required=False, widget=TEXT)
    outcome = forms.CharField(label=_("Outcome (when resolving)"), required=False, widget=TEXT)
    substantiated = forms.NullBooleanField(
        label=_("Substantiated (when resolving)"),
        required=False,
        widget=forms.Select(choices=[("unknown", "—"), ("true", _("Yes")), ("false", _("No"))]),
    )


class IncidentForm(ProviderForm):
    occurred_at = forms.DateTimeField(label=_("Occurred at"), widget=DATETIME)
    reported_at = forms.DateTimeField(
        label=_("Reported at"), required=False, widget=DATETIME, help_text=_("Empty: now")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Incident.Kind.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Incident.Severity.choices)
    description = forms.CharField(label=_("Description"), widget=TEXT)


class IncidentCloseForm(HardenedForm):
    handling = forms.CharField(label=_("Handling"), widget=TEXT)
    closed_on = forms.DateField(label=_("Closed on"), widget=DATE)


class RiskSignalForm(ProviderForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=RiskSignal.Kind.choices)
    detected_on = forms.DateField(label=_("Detected on"), widget=DATE)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    description = forms.CharField(label=_("Description"), widget=TEXT)


class RiskStatusForm(HardenedForm):
    status = forms.ChoiceField(label=_("Status"), choices=RiskSignal.Status.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=TEXT)


class FollowUpForm(HardenedForm):
    on = forms.DateField(label=_("Followed up on"), widget=DATE)
    done = forms.BooleanField(label=_("Put right"), required=False)
    note = forms.CharField(label=_("Note"), required=False)


class GradeForm(HardenedForm):
    grade = forms.TypedChoiceField(label=_("Grade"), coerce=int, choices=[(g, str(g)) for g in range(1, 6)])
    rated_on = forms.DateField(label=_("Rated on"), widget=DATE)
    body = forms.CharField(label=_("Rating body"), max_length=200)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DATE)
    note = forms.CharField(label=_("Note"), required=False)


class DemonstrationForm(HardenedForm):
    granted = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda v: v == "1",
        choices=[("1", _("grant demonstration status")), ("0", _("withdraw demonstration status"))],
    )
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE)
    body = forms.CharField(label=_("Deciding body"), max_length=200)
    note = forms.CharField(label=_("Note"), required=False)
