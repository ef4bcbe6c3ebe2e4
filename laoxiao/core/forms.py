"""The base of every page form: what no database can hold is a field error, never a 500.

``HardenedForm`` (or ``HardenedMixin`` on another form class) gives each field, when the form is
made, the checks of ``laoxiao.core.hostile``: an integer field without bounds is bounded to the
signed 64-bit range (a model's narrower column range is checked again when the record is saved,
and the views turn that ``ValidationError`` into field errors too), a text field refuses a lone
surrogate (Django already refuses NUL). Float and decimal fields already refuse infinities and NaN.

``run_action(form, call)`` runs an action for a valid form and puts what it refuses on the form
(the one way for every view; before issue 11 there were six copies in four styles):

1. ``ValidationError`` with fields (``error_dict``): each message on its field when the form has it
   (after ``field_map``: action field → form field, e.g. ``provider_id`` → ``provider``), else
   above the form — as is, or as ``"field: message"`` with ``label_unknown=True`` (the providers'
   pages did that); a ``ValidationError`` without fields: above the form;
2. ``PermissionDenied`` with ``denied=True``: above the form, its message or "You may not do this."
   (otherwise it propagates: a 403);
3. ``NotFound`` with ``not_found=(field, message)``: on that field (None: above the form); otherwise
   it propagates (a 404, ``NotFound`` is an ``Http404``).

It returns the action's result, or None when it put errors on the form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from laoxiao.core.errors import NotFound
from laoxiao.core.hostile import INT64_MAX, INT64_MIN, check_string

T = TypeVar("T")
DENIED_MESSAGE = _("You may not do this.")


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


def apply_errors(
    form: forms.BaseForm,
    exc: ValidationError,
    *,
    field_map: Mapping[str, str] | None = None,
    label_unknown: bool = False,
) -> None:
    """Put an action's ``ValidationError`` (dict or list) on ``form``: known fields on the field,
    the rest above the form (prefixed ``"field: "`` with ``label_unknown``)."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, messages in exc.message_dict.items():
        target = (field_map or {}).get(field, field)
        for message in messages:
            if target in form.fields:
                form.add_error(target, message)
            elif label_unknown and field != "__all__":
                form.add_error(None, f"{field}: {message}")
            else:
                form.add_error(None, message)


def run_action(
    form: forms.BaseForm,
    call: Callable[[], T],
    *,
    field_map: Mapping[str, str] | None = None,
    label_unknown: bool = False,
    denied: bool = False,
    not_found: tuple[str | None, Any] | None = None,
) -> T | None:
    """Run ``call()`` (an action for a valid form); its refusals land on ``form`` (see the module
    docstring). The result, or None when the action refused."""
    try:
        return call()
    except ValidationError as exc:
        apply_errors(form, exc, field_map=field_map, label_unknown=label_unknown)
    except NotFound:
        if not_found is None:
            raise
        form.add_error(not_found[0], not_found[1])
    except PermissionDenied as exc:
        if not denied:
            raise
        form.add_error(None, str(exc) or DENIED_MESSAGE)
    return None
