"""One error format for the whole API.

Every error answers ``{"detail": <message>, "errors": [{"field": ..., "message": ...}]}``:
422 for invalid input (with the fields), 404 for what does not exist or lies outside the caller's
regions, 403 for an action the caller may not take, 401 without credentials.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from laoxiao.core.errors import NotFound


def _field_of(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form")]
    return ".".join(parts) or "__all__"


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, detail: str, errors: list[dict[str, str]] | None = None):
        return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)

    @api.exception_handler(NinjaValidationError)
    def ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {"field": _field_of(list(e.get("loc", []))), "message": str(e.get("msg", ""))} for e in exc.errors
        ]
        return respond(request, 422, _("The request is not valid."), errors)

    @api.exception_handler(ValidationError)
    def django_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": field, "message": str(m)} for field, msgs in exc.message_dict.items() for m in msgs
            ]
        else:
            errors = [{"field": "__all__", "message": str(m)} for m in exc.messages]
        return respond(request, 422, _("The request is not valid."), errors)

    @api.exception_handler(NotFound)
    def not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
        return respond(request, 404, _("Not found."))

    @api.exception_handler(Http404)
    def http404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, _("Not found."))

    @api.exception_handler(PermissionDenied)
    def denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, str(exc) or _("You may not do this."))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, _("Sign in or send an API token."))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, exc.status_code, str(exc))
