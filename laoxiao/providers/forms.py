"""Page forms for providers. They only clean input; the actions validate and write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from laoxiao.core.forms import HardenedForm
from laoxiao.providers.models import ChildcareClass, Provider, StaffMember

PROVIDER_FIELDS = [
    "uscc",
    "name",
    "kind",
    "centre_level",
    "ownership",
    "supply_tier",
    "address",
    "lon",
    "lat",
    "operator_name",
    "contact_name",
    "opened_on",
    "serves_meals",
    "is_demonstration",
    "is_backbone",
    "is_medical_integrated",
    "has_medical_room",
    "beds",
    "nursing_beds",
    "occupied_beds",
    "inclusive_slots",
    "floor_area",
]

DATE = forms.DateInput(attrs={"type": "date"})


def _date_widgets(fields: dict[str, forms.Field]) -> None:
    for field in fields.values():
        if isinstance(field, forms.DateField):
            field.widget = DATE


class ProviderForm(HardenedForm):
    region_code = forms.ChoiceField(label=_("Community"))
    contact_phone = forms.CharField(
        label=_("contact phone"),
        required=False,
        max_length=20,
        help_text=_("Stored encrypted. Leave empty to keep the current number."),
    )

    def __init__(
        self,
        *args: Any,
        regions: list[tuple[str, str]],
        editing: bool = False,
        locked: tuple[str, ...] = (),
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        fields = forms.fields_for_model(Provider, fields=PROVIDER_FIELDS)
        _date_widgets(fields)
        for name in PROVIDER_FIELDS:
            self.fields[name] = fields[name]
        cast(forms.ChoiceField, self.fields["region_code"]).choices = [("", "—"), *regions]
        # keep the region and the phone after the profile fields
        self.order_fields([*PROVIDER_FIELDS[:6], "region_code", *PROVIDER_FIELDS[6:], "contact_phone"])
        if editing:
            self.fields["uscc"].disabled = True
        for name in locked:  # decisions of the authorities, shown but not editable by an operator
            if name in self.fields:
                self.fields[name].disabled = True

    def changed_values(self) -> dict[str, Any]:
        """The cleaned values the user changed (and a phone typed in), for ``provider_update``."""
        data = {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}
        data.pop("uscc", None)
        if not self.cleaned_data.get("contact_phone"):
            data.pop("contact_phone", None)
        return data

    def all_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        return {
            k: v for k, v in data.items() if v is not None or k in ("lon", "lat", "opened_on", "floor_area")
        }


class FilingForm(HardenedForm):
    to_status = forms.ChoiceField(choices=Provider.FilingStatus.choices, widget=forms.HiddenInput)
    reasons = forms.CharField(
        label=_("Reasons (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def reason_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("reasons", "").splitlines() if line.strip()]


class DocumentForm(HardenedForm):
    kind = forms.CharField(label=_("document"), max_length=40)
    number = forms.CharField(label=_("number"), max_length=100, required=False)
    issued_on = forms.DateField(label=_("issued"), required=False, widget=DATE)
    expires_on = forms.DateField(label=_("expires"), required=False, widget=DATE)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args: Any, kinds: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if kinds:
            self.fields["kind"] = forms.ChoiceField(label=_("document"), choices=kinds)


class ClassForm(HardenedForm):
    name = forms.CharField(label=_("name"), max_length=50)
    class_type = forms.ChoiceField(label=_("class type"), choices=ChildcareClass.ClassType.choices)
    capacity = forms.IntegerField(label=_("capacity"), min_value=0)
    carers = forms.IntegerField(label=_("carers"), min_value=0)


class CertificateFields(HardenedForm):
    certificate_kind = forms.CharField(label=_("certificate"), max_length=100, required=False)
    certificate_number = forms.CharField(label=_("certificate number"), max_length=100, required=False)
    certificate_issued_on = forms.DateField(label=_("certificate issued"), required=False, widget=DATE)
    certificate_expires_on = forms.DateField(label=_("certificate expires"), required=False, widget=DATE)

    def certificate(self) -> dict[str, Any] | None:
        kind = self.cleaned_data.get("certificate_kind")
        if not kind:
            return None
        return {
            "kind": kind,
            "number": self.cleaned_data.get("certificate_number", ""),
            "issued_on": self.cleaned_data.get("certificate_issued_on"),
            "expires_on": self.cleaned_data.get("certificate_expires_on"),
        }


class StaffForm(CertificateFields):
    name = forms.CharField(label=_("name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    role = forms.ChoiceField(label=_("role"), choices=StaffMember.Role.choices)
    hired_on = forms.DateField(label=_("hired"), required=False, widget=DATE)
    left_on = forms.DateField(label=_("left"), required=False, widget=DATE)

    field_order = ["name", "id_number", "role", "hired_on", "left_on"]


class CertificateForm(CertificateFields):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["certificate_kind"].required = True


class PriceForm(HardenedForm):
    item_code = forms.ChoiceField(label=_("service item"))
    price = forms.DecimalField(label=_("price (yuan)"), min_value=0, max_digits=10, decimal_places=2)
    effective_from = forms.DateField(label=_("effective from"), widget=DATE)

    def __init__(self, *args: Any, items: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["item_code"]).choices = items
