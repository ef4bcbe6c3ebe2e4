"""API authentication: the browser's session (with CSRF) or a bearer token for integrations."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from laoxiao.accounts.actions import token_authenticate

        user = token_authenticate(token)
        if user is None:
            return None
        request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and getattr(user, "is_active", False):
            return user
        return None


AUTH = [TokenAuth(), ActiveSessionAuth()]
