"""Security headers and the client's address (issue 10, docs/security.md "Sign-in, headers and duplicates").

- ``NoStoreMiddleware``: every answer to a signed-in user (page or API) and every API answer carries
  ``Cache-Control: no-store`` and ``Pragma: no-cache`` so that no browser or proxy cache keeps a
  page with personal data after sign-out; static files are served by whitenoise before this runs.
- ``client_ip``: the address throttling counts by. Behind ``LAOXIAO_TRUSTED_PROXY_COUNT`` reverse
  proxies the client is the entry that many places from the right of X-Forwarded-For; with 0
  (the default) it is REMOTE_ADDR and the header, which anyone can send, is ignored.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def client_ip(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    count = int(getattr(settings, "LAOXIAO_TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    chain = [p.strip() for p in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if p.strip()]
    if len(chain) < count:
        return chain[0] if chain else remote
    return chain[-count]


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and getattr(user, "is_authenticated", False))
        if signed_in or request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
