"""API authentication: the browser's session (with CSRF) or a bearer token for integrations.

Bad bearer tokens are throttled by address (issue 10): every failed token lookup counts, and once
``LAOXIAO_API_TOKEN_FAILURE_LIMIT`` failures came from one address within
``LAOXIAO_API_TOKEN_FAILURE_WINDOW`` seconds, every authenticated API call from it (token or
session) answers 429 in the one error format until the window has passed. Each failure is logged
(logger ``laoxiao.auth``), the lockout too. The address is ``core.headers.client_ip``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from laoxiao.accounts.actions import token_authenticate
from laoxiao.core.headers import client_ip

log = logging.getLogger("laoxiao.auth")


def _key(ip: str) -> str:
    return f"api-token-failures:{ip}"


def _failures(ip: str) -> list[float]:
    window = settings.LAOXIAO_API_TOKEN_FAILURE_WINDOW
    now = time.time()
    return [t for t in cache.get(_key(ip), []) if now - t < window]


def check_token_throttle(request: HttpRequest) -> None:
    """Raise 429 when the caller's address has sent too many bad tokens recently."""
    ip = client_ip(request)
    if len(_failures(ip)) >= settings.LAOXIAO_API_TOKEN_FAILURE_LIMIT:
        raise HttpError(429, _("Too many failed sign-in attempts from your address. Try again later."))


def record_token_failure(request: HttpRequest) -> None:
    ip = client_ip(request)
    failures = [*_failures(ip), time.time()]
    cache.set(_key(ip), failures, settings.LAOXIAO_API_TOKEN_FAILURE_WINDOW)
    log.warning("API token refused from %s (%d in window)", ip, len(failures))
    if len(failures) == settings.LAOXIAO_API_TOKEN_FAILURE_LIMIT:
        log.warning("API token lockout for %s", ip)


def reset_token_throttle(ip: str) -> None:
    cache.delete(_key(ip))


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        check_token_throttle(request)
        user = token_authenticate(token)
        if user is None:
            record_token_failure(request)
            check_token_throttle(request)
            return None
        request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        check_token_throttle(request)  # a session does not lift an address's token lockout
        user = super().authenticate(request, key)
        if user is not None and getattr(user, "is_active", False):
            return user
        return None


AUTH = [TokenAuth(), ActiveSessionAuth()]
