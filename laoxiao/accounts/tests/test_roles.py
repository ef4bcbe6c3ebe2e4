"""Roles as groups with permissions; what a user may do (sectors) and where (region prefixes)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from laoxiao.accounts import roles
from laoxiao.accounts.actions import roles_sync, system_actor
from laoxiao.accounts.models import User
from laoxiao.accounts.tests.factories import make_user
from laoxiao.regions import selectors
from laoxiao.regions.models import PopulationFigure, Region


def perms_of(group: str) -> set[str]:
    return {
        f"{app}.{code}"
        for app, code in Group.objects.get(name=group).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_every_role_is_a_group_after_migrate(db: Any) -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {r.code for r in roles.ROLES}
    for role in roles.ROLES:
        assert perms_of(role.code) == set(role.permissions), role.code


def test_the_roles_hold_the_expected_permissions(db: Any) -> None:
    assert roles.MANAGE_REGIONS in perms_of("city_admin")
    assert roles.VIEW_ALL_CHANGELOG in perms_of("city_admin")
    worker = perms_of("community_worker")
    assert roles.SECTOR_ELDERCARE in worker
    assert roles.SECTOR_CHILDCARE not in worker
    assert roles.REVEAL not in worker
    health = perms_of("health_county")
    assert {roles.SECTOR_CHILDCARE, roles.SECTOR_HEALTH} <= health
    assert roles.SECTOR_ELDERCARE not in health
    assert roles.MANAGE_REGIONS not in perms_of("civil_affairs_county")
    assert perms_of("provider_operator") == set()


def test_roles_sync_restores_a_tampered_group(db: Any) -> None:
    group = Group.objects.get(name="community_worker")
    group.permissions.clear()
    Group.objects.filter(name="bureau_reporter").delete()
    roles_sync()
    assert roles.SECTOR_ELDERCARE in perms_of("community_worker")
    assert perms_of("bureau_reporter") == {roles.REPORT_PLAN}


def test_sectors(city: dict[str, Any], admin_user: Any, xiangshan_officer: Any, suixi_officer: Any) -> None:
    assert admin_user.sectors() == {"eldercare", "childcare", "health"}
    assert xiangshan_officer.sectors() == {"eldercare"}
    assert suixi_officer.sectors() == {"childcare", "health"}
    worker = make_user("worker", ["community_worker"], ["340603001001"])
    assert worker.sectors() == {"eldercare"}
    assert make_user("op", ["provider_operator"], []).sectors() == set()


def test_role_codes(city: dict[str, Any], suixi_officer: Any) -> None:
    assert suixi_officer.role_codes() == ["health_county"]


# --- region prefixes --------------------------------------------------------------------------------


def test_region_prefixes(city: dict[str, Any], admin_user: Any, xiangshan_officer: Any, nobody: Any) -> None:
    superuser = User.objects.create_superuser("root", password="x")
    assert superuser.region_prefixes() is None
    assert system_actor().region_prefixes() is None
    assert nobody.region_prefixes() == ()
    assert xiangshan_officer.region_prefixes() == ("340603",)
    assert admin_user.region_prefixes() == ("3406",)
    township = make_user("town", ["civil_affairs_township"], ["340603001000"])
    assert township.region_prefixes() == ("340603001",)
    community = make_user("comm", ["community_worker"], ["340621100002"])
    assert community.region_prefixes() == ("340621100002",)
    two = make_user("two", ["civil_affairs_township"], ["340621100000", "340603001001"])
    assert two.region_prefixes() == ("340603001001", "340621100")


def test_what_a_township_officer_sees(city: dict[str, Any]) -> None:
    township = make_user("town", ["civil_affairs_township"], ["340603001000"])
    codes = [r.code for r in selectors.region_list(actor=township)]
    assert codes == ["340603001000", "340603001001", "340603001002"]
    assert [r.code for r in selectors.region_roots(actor=township)] == ["340603001000"]


def test_roots_leave_out_a_region_inside_another_assigned_region(city: dict[str, Any]) -> None:
    user = make_user("both", ["civil_affairs_county"], ["340603000000", "340603001001", "340621100000"])
    assert [r.code for r in selectors.region_roots(actor=user)] == ["340603000000", "340621100000"]


@pytest.mark.parametrize("who", ["admin_user", "xiangshan_officer", "suixi_officer"])
def test_an_inactive_user_sees_nothing(request: pytest.FixtureRequest, who: str) -> None:
    user = request.getfixturevalue(who)
    user.is_active = False
    user.save(update_fields=["is_active"])
    user = User.objects.get(pk=user.pk)
    assert user.region_prefixes() == ()
    assert not Region.objects.visible_to(user).exists()
    assert not PopulationFigure.objects.visible_to(user).exists()
    assert selectors.region_roots(actor=user) == []
    assert not user.has_perm(roles.EXPORT)
    assert user.sectors() == set()


def test_an_anonymous_actor_sees_nothing(city: dict[str, Any]) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not Region.objects.visible_to(AnonymousUser()).exists()
    assert not Region.objects.visible_to(None).exists()
