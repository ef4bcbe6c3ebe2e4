"""Errors every layer shares. Actions raise them; the API and pages map them in one place.

- ``ValidationError`` (Django's) → 422 with the fields at fault
- ``PermissionDenied`` (Django's) → 403 for an action the actor may not take on what it can see
- ``NotFound`` → 404, also for what lies outside the actor's regions (never "forbidden")

``NotFound`` is an ``Http404``: a page view lets it pass and Django answers its 404 page, so views
need no ``try/except NotFound: raise Http404``. The API maps it (and ``Http404``) to the same JSON
404 body (``laoxiao/api/errors.py``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404


class NotFound(Http404):
    """The object does not exist, or lies outside what the actor may see."""


__all__ = ["NotFound", "PermissionDenied", "ValidationError"]
