"""The records behind an indicator value (drill-down). Being written: answers 404 until then."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def indicator_records(request: HttpRequest, code: str) -> HttpResponse:
    raise Http404("not written yet")
