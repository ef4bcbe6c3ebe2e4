"""Refuse requests whose path, query string or urlencoded form body holds a NUL byte: no database stores one, and
PostgreSQL would raise on it (a 500). Such input is never valid here: an API request answers 422
in the API's one error format, naming the parameter; a page answers 400 in the user's language.

(A lone surrogate cannot arrive in a path, a query string or a form: Django decodes them with
replacement characters. It can arrive escaped in a JSON body; ``laoxiao.api.guard`` refuses it.)
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def _nul_fields(request: HttpRequest) -> list[str]:
    fields = []
    if "\x00" in request.path:
        fields.append("path")
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query:
        names = [k for k, values in request.GET.lists() if "\x00" in k or any("\x00" in v for v in values)]
        fields.extend(k.replace("\x00", "\\x00") for k in names)
        if not names:
            fields.append("__all__")
    # a page form's urlencoded body (multipart bodies are left to the view: an upload handler may
    # have to be set before they are read; their text fields go through forms, which refuse NUL)
    if (
        request.method == "POST"
        and request.content_type == "application/x-www-form-urlencoded"
        and not request.path.startswith(API_PREFIX)
    ):
        fields.extend(
            k for k, values in request.POST.lists() if "\x00" in k or any("\x00" in v for v in values)
        )
    return fields


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = _nul_fields(request)
        if not fields:
            return self.get_response(request)
        with translation.override(translation.get_language_from_request(request)):
            message = _("Text may not contain NUL characters.")
            if request.path.startswith(API_PREFIX):
                body = {
                    "detail": _("The request is not valid."),
                    "errors": [{"field": f, "message": message} for f in fields],
                }
                return HttpResponse(
                    json.dumps(body, ensure_ascii=False),
                    status=422,
                    content_type="application/json; charset=utf-8",
                )
            title = _("Bad request")
            page = (
                f'<!doctype html><html lang="{translation.get_language()}"><meta charset="utf-8">'
                f"<title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(message)}</p>"
                f'<p><a href="/">{escape(_("Home"))}</a></p></html>'
            )
            return HttpResponse(page, status=400, content_type="text/html; charset=utf-8")
