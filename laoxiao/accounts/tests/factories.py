from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group

from laoxiao.accounts.models import RegionAssignment, User
from laoxiao.regions.models import Region

PASSWORD = "pw-for-tests-only"


def make_user(username: str, roles: Iterable[str], regions: Iterable[str], **extra: Any) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    user.groups.set(Group.objects.filter(name__in=list(roles)))
    for code in regions:
        RegionAssignment.objects.create(user=user, region=Region.objects.get(code=code), region_code=code)
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions or prefixes
