"""Page forms of the people registries. They only parse input; the actions validate and write, and
their ``ValidationError`` fields are put back on the form with ``core.forms.run_action``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from laoxiao.core.forms import HardenedForm
from laoxiao.people.assessment import ScoringRules
from laoxiao.people.models import AbilityAssessment, ChildHealthCheck, WelfareVisit
from laoxiao.regions.models import Region

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


def community_choices(qs: Any = None) -> list[tuple[str, str]]:
    """Communities (and villages) as ``(code, "township community (code)")``."""
    rows = (qs if qs is not None else Region.objects.all()).filter(level=Region.Level.COMMUNITY)
    return [
        (code, f"{parent or ''} {name} ({code})")
        for code, name, parent in rows.order_by("code").values_list("code", "name", "parent__name")
    ]


# --- older people ---------------------------------------------------------------------------------


class AssessmentForm(HardenedForm):
    """An ability assessment: the 26 items of the scoring table (``item_<key>``), the adjustments."""

    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE)
    reason = forms.ChoiceField(label=_("Reason"), choices=AbilityAssessment.Reason.choices)
    coma = forms.BooleanField(label=_("Coma"), required=False)
    dementia = forms.BooleanField(label=_("Dementia"), required=False)
    psychiatric = forms.BooleanField(label=_("Psychiatric diagnosis"), required=False)
    risk_events_30d = forms.IntegerField(label=_("Risk events in 30 days"), min_value=0, initial=0)
    assessor = forms.CharField(label=_("Assessor"), max_length=100, required=False)

    def __init__(self, *args: Any, rules: ScoringRules, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules
        # the ranges go to the browser only: the action scores with the table in force on the date
        for item in rules.items:
            self.fields[f"item_{item.key}"] = forms.IntegerField(
                label=item.name,
                widget=forms.NumberInput(attrs={"min": item.min, "max": item.max, "class": "score"}),
                help_text=f"{item.min}–{item.max}",
            )

    def domains(self) -> list[dict[str, Any]]:
        """The item fields grouped by domain, in the table's order."""
        out = []
        for d in self.rules.domains:
            out.append(
                {
                    "key": d.key,
                    "name": d.name,
                    "max": d.max,
                    "fields": [self[f"item_{i.key}"] for i in self.rules.items if i.domain == d.key],
                }
            )
        return out

    def items(self) -> dict[str, int]:
        return {i.key: self.cleaned_data[f"item_{i.key}"] for i in self.rules.items}

    @property
    def field_map(self) -> dict[str, str]:
        return {i.key: f"item_{i.key}" for i in self.rules.items}


class WelfareVisitForm(HardenedForm):
    visited_on = forms.DateField(label=_("Visited on"), widget=DATE)
    mode = forms.ChoiceField(label=_("Mode"), choices=WelfareVisit.Mode.choices)
    visitor = forms.CharField(label=_("Visitor"), max_length=100, required=False)
    findings = forms.CharField(label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    needs = forms.CharField(label=_("Needs raised"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    follow_up = forms.CharField(
        label=_("Follow-up action"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    routed_to_provider = forms.TypedChoiceField(
        label=_("Route needs to a provider"), required=False, coerce=int, empty_value=None
    )
    routed_to_region = forms.ChoiceField(label=_("Route needs to an office"), required=False)

    def __init__(
        self,
        *args: Any,
        providers: list[tuple[int, str]] | None = None,
        offices: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["routed_to_provider"].choices = [("", "—"), *(providers or [])]  # type: ignore[attr-defined]
        self.fields["routed_to_region"].choices = [("", "—"), *(offices or [])]  # type: ignore[attr-defined]


class QuickVisitForm(HardenedForm):
    """The work list's inline visit: date, mode, findings."""

    visited_on = forms.DateField(label=_("Visited on"), widget=DATE)
    mode = forms.ChoiceField(label=_("Mode"), choices=WelfareVisit.Mode.choices)
    findings = forms.CharField(label=_("Findings"), required=False, max_length=500)


class HealthCheckForm(HardenedForm):
    checked_on = forms.DateField(label=_("Checked on"), widget=DATE)
    provider = forms.CharField(label=_("Provider"), max_length=200, required=False)
    complete = forms.BooleanField(label=_("All parts done"), required=False, initial=True)


class HomePositionForm(HardenedForm):
    """The home's position (WGS-84 degrees): both or neither; the action checks the ranges."""

    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)


class DeathForm(HardenedForm):
    died_on = forms.DateField(label=_("Date of death"), widget=DATE)


class HandoverForm(HardenedForm):
    to_region_code = forms.ChoiceField(label=_("Hand over to community"))
    on = forms.DateField(label=_("On"), widget=DATE, required=False)

    def __init__(self, *args: Any, exclude: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_region_code"].choices = [  # type: ignore[attr-defined]
            c for c in community_choices() if c[0] != exclude
        ]


# --- children -------------------------------------------------------------------------------------


class NewbornVisitForm(HardenedForm):
    visited_on = forms.DateField(label=_("Visited on"), widget=DATE)
    visitor = forms.CharField(label=_("Visitor"), max_length=100, required=False)


class ChildCheckForm(HardenedForm):
    age_point = forms.ChoiceField(label=_("Age point"), choices=ChildHealthCheck.AgePoint.choices)
    checked_on = forms.DateField(label=_("Checked on"), widget=DATE)


class VaccinationForm(HardenedForm):
    dose = forms.ChoiceField(label=_("Dose"))
    given_on = forms.DateField(label=_("Given on"), widget=DATE)

    def __init__(self, *args: Any, doses: list[tuple[str, int]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dose"].choices = [(f"{v}|{n}", f"{v} {n}") for v, n in doses or []]  # type: ignore[attr-defined]

    def vaccine_dose(self) -> tuple[str, int]:
        vaccine, _sep, dose = self.cleaned_data["dose"].rpartition("|")
        return vaccine, int(dose)
