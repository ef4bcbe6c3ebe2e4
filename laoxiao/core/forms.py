"""The base of every page form: what no database can hold is a field error, never a 500.

``HardenedForm`` (or ``HardenedMixin`` on another form class) gives each field, when the form is
made, the checks of ``laoxiao.core.hostile``: an integer field without bounds is bounded to the
signed 64-bit range (a model's narrower column range is checked again when the record is saved,
and the views turn that ``ValidationError`` into field errors too), a text field refuses a lone
surrogate (Django already refuses NUL). Float and decimal fields already refuse infinities and NaN.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from laoxiao.core.hostile import INT64_MAX, INT64_MIN, check_string


def harden(field: forms.Field) -> None:
    if isinstance(field, forms.IntegerField) and not isinstance(field, forms.FloatField | forms.DecimalField):
        if field.max_value is None or field.max_value > INT64_MAX:
            field.max_value = INT64_MAX
            field.validators.append(MaxValueValidator(INT64_MAX))
        if field.min_value is None or field.min_value < INT64_MIN:
            field.min_value = INT64_MIN
            field.validators.append(MinValueValidator(INT64_MIN))
    if isinstance(field, forms.CharField) and check_string not in field.validators:
        field.validators.append(check_string)


class HardenedMixin:
    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            harden(field)


class HardenedForm(HardenedMixin, forms.Form):
    pass
