"""Refuse requests whose path or query string holds a NUL byte: no database stores one, and
PostgreSQL would raise on it (a 500). Such input is never valid here, so it answers 400."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "\x00" in request.path
            or "%00" in request.META.get("QUERY_STRING", "")
            or any("\x00" in v for values in request.GET.lists() for v in values[1])
        ):
            return HttpResponseBadRequest("NUL byte in request")
        return self.get_response(request)
