"""Errors every layer shares. Actions raise them; the API and pages map them in one place.

- ``ValidationError`` (Django's) → 422 with the fields at fault
- ``PermissionDenied`` (Django's) → 403 for an action the actor may not take on what it can see
- ``NotFound`` → 404, also for what lies outside the actor's regions (never "forbidden")
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError


class NotFound(Exception):
    """The object does not exist, or lies outside what the actor may see."""


__all__ = ["NotFound", "PermissionDenied", "ValidationError"]
