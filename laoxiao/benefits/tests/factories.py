"""Builders shared by every benefits test module (each part's own builders are in
``factories_<part>.py``)."""

from __future__ import annotations

from laoxiao.benefits.loader import load_programmes
from laoxiao.benefits.models import Programme
from laoxiao.core.models import RuleVersion
from laoxiao.core.rules import load_rules


def shipped_programme(code: str) -> Programme:
    """The shipped programme ``code``, with the shipped rules: loaded again when a transactional
    test flushed the data migrations' rows."""
    if not Programme.objects.filter(code=code).exists():
        load_programmes()
    if not RuleVersion.objects.filter(key__startswith="benefits.").exists():
        load_rules()
    return Programme.objects.get(code=code)
