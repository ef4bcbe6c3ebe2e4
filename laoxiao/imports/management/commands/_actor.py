from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from laoxiao.accounts.actions import system_actor
from laoxiao.accounts.models import User


def resolve_actor(username: str | None) -> Any:
    if not username:
        return system_actor()
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"没有此用户 / no such active user: {username}")
    return user
