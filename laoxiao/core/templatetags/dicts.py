"""``{% for k, v in some_dict|pairs %}``: walk a dict whatever its keys are called.

A template's ``d.items`` first looks up the *key* ``"items"``: a change log row whose changes hold a
field called ``items`` (an inspection's checklist) or a query string ``?items=x`` made ``.items``
the value of that key, not the pairs, and the page answered 500. Templates never call ``.items``,
``.keys`` or ``.values`` on a dict; they use these filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.http import QueryDict

register = template.Library()


@register.filter
def pairs(value: Any) -> list[tuple[Any, Any]]:
    """The (key, value) pairs of a dict; of a QueryDict, each key with its last value."""
    if isinstance(value, QueryDict):
        return [(k, value[k]) for k in value]
    if isinstance(value, Mapping):
        return list(dict.items(value) if isinstance(value, dict) else value.items())
    return []


@register.filter
def dict_keys(value: Any) -> list[Any]:
    return [k for k, _v in pairs(value)]


@register.filter
def dict_values(value: Any) -> list[Any]:
    return [v for _k, v in pairs(value)]
