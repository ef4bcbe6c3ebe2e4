"""Writes for accounts: roles, users, region assignments, API tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laoxiao.accounts import roles
from laoxiao.accounts.models import ApiToken, RegionAssignment, ResponsibleUnit, User, hash_token
from laoxiao.core.changelog import log_change, snapshot
from laoxiao.core.models import ChangeLog
from laoxiao.regions.models import Region

SYSTEM_USERNAME = "system"


def roles_sync(*, using: str = "default") -> None:
    """Create or update one group per role with exactly the role's permissions."""
    for role in roles.ROLES:
        group, _created = Group.objects.using(using).get_or_create(name=role.code)
        perms = []
        for dotted in role.permissions:
            app_label, codename = dotted.split(".")
            perms.append(
                Permission.objects.using(using).get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(perms)


def system_actor() -> User:
    """The account that command-line work is done as, unless ``--user`` names another."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_active": True, "is_superuser": True, "display_name": "系统 system"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    password: str | None,
    role_codes: Iterable[str],
    region_codes: Iterable[str],
    display_name: str = "",
    unit_code: str | None = None,
) -> User:
    role_codes = list(role_codes)
    unknown = [c for c in role_codes if c not in roles.ROLE_BY_CODE]
    if unknown:
        raise ValidationError({"roles": _("Unknown role: %(codes)s") % {"codes": ", ".join(unknown)}})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    region_codes = list(dict.fromkeys(region_codes))
    regions = list(Region.objects.filter(code__in=region_codes))
    unknown_regions = sorted(set(region_codes) - {r.code for r in regions})
    if unknown_regions:
        raise ValidationError(
            {"regions": _("Unknown region: %(codes)s") % {"codes": ", ".join(unknown_regions)}}
        )
    user = User(username=username, display_name=display_name)
    if unit_code:
        unit = ResponsibleUnit.objects.filter(code=unit_code).first()
        if unit is None:
            raise ValidationError({"unit": _("Unknown responsible unit: %(code)s") % {"code": unit_code}})
        user.unit = unit
    # city administrators manage accounts in the admin site
    user.is_staff = "city_admin" in role_codes
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.set(Group.objects.filter(name__in=role_codes))
    RegionAssignment.objects.bulk_create(
        [RegionAssignment(user=user, region=r, region_code=r.code) for r in regions]
    )
    city_code = regions[0].code if regions else ""
    log_change(
        actor=actor,
        action=ChangeLog.Action.CREATE,
        target=user,
        region_code=city_code,
        changes={
            **snapshot(user, ["username", "display_name"]),
            "roles": [None, role_codes],
            "regions": [None, [r.code for r in regions]],
        },
    )
    return user


def token_create(*, actor: User, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create an API token for ``user``; returns the token row and the raw token (shown once)."""
    raw = "lx_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], key_hash=hash_token(raw))
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=token,
            region_code="",
            changes={"user": [None, user.username], "name": [None, name]},
        )
    return token, raw


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token: it answers 401 from now on. Revoking twice changes nothing."""
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    log_change(
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        target=token,
        region_code="",
        changes={"revoked_at": [None, token.revoked_at]},
    )
    return token


def token_authenticate(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
