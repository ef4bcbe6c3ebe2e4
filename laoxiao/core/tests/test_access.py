"""core.access: every branch of the one write-side check."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core import access
from laoxiao.core.errors import NotFound

XS = "340603000000"  # 相山区
XS_COMMUNITY = "340603001001"
SX_COMMUNITY = "340621100001"  # 濉溪县


def provider(pk: int = 7, kind: str = "eldercare_home", region_code: str = XS_COMMUNITY) -> Any:
    return SimpleNamespace(pk=pk, uscc=f"USCC{pk}", kind=kind, region_code=region_code)


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def users(city: dict[str, Any]) -> dict[str, Any]:
    return {
        "admin": make_user("admin", ["city_admin"], [city["city"].code]),
        "super": make_user("root", [], [], is_superuser=True),
        "inactive_super": make_user("old_root", [], [], is_superuser=True, is_active=False),
        "civil": make_user("xs_mz", ["civil_affairs_county"], [XS]),
        "health": make_user("xs_wj", ["health_county"], [XS]),
        "inactive": make_user("gone", ["civil_affairs_county"], [XS], is_active=False),
        "nobody": make_user("nobody", ["civil_affairs_county"], []),
        "worker": make_user("grid", ["community_worker"], [XS_COMMUNITY]),
        "reporter": make_user("rep", ["bureau_reporter"], []),
    }


def test_notfound_is_http404_and_keeps_its_name() -> None:
    assert issubclass(NotFound, Http404)
    from laoxiao.core import errors

    assert errors.NotFound is NotFound


# --- who ---


@pytest.mark.django_db
def test_is_active_actor(users: dict[str, Any]) -> None:
    assert not access.is_active_actor(None)
    assert not access.is_active_actor(AnonymousUser())
    assert not access.is_active_actor(users["inactive"])
    assert access.is_active_actor(users["civil"])


@pytest.mark.django_db
def test_is_city_admin(users: dict[str, Any]) -> None:
    assert access.is_city_admin(users["admin"])
    assert access.is_city_admin(users["super"])
    assert not access.is_city_admin(users["inactive_super"])  # the old tasks.is_city_admin said yes
    assert not access.is_city_admin(users["civil"])
    assert not access.is_city_admin(AnonymousUser())
    assert not access.is_city_admin(None)


# --- where ---


@pytest.mark.django_db
def test_require_region(users: dict[str, Any]) -> None:
    access.require_region(users["civil"], XS_COMMUNITY)
    access.require_region(users["admin"], SX_COMMUNITY)
    access.require_region(users["super"], SX_COMMUNITY)
    for actor, code in [
        (users["civil"], SX_COMMUNITY),  # out of region
        (users["civil"], ""),  # no code
        (users["civil"], None),
        (users["inactive"], XS_COMMUNITY),  # inactive (children's old check let this through by luck)
        (users["inactive_super"], XS_COMMUNITY),
        (users["nobody"], XS_COMMUNITY),  # no regions
        (AnonymousUser(), XS_COMMUNITY),
        (None, XS_COMMUNITY),
    ]:
        with pytest.raises(NotFound):
            access.require_region(actor, code)
    assert access.in_region(users["worker"], XS_COMMUNITY)
    assert not access.in_region(users["worker"], "340603001002")


@pytest.mark.django_db
def test_community_region(city: dict[str, Any]) -> None:
    assert access.community_region(XS_COMMUNITY).code == XS_COMMUNITY
    with pytest.raises(ValidationError) as exc:
        access.community_region("340603999999")
    assert exc.value.message_dict == {"region_code": ["No such region is loaded."]}
    with pytest.raises(ValidationError) as exc:
        access.community_region(None, field="region")
    assert exc.value.message_dict == {"region": ["No such region is loaded."]}
    with pytest.raises(ValidationError) as exc:
        access.community_region(XS)
    assert exc.value.message_dict == {"region_code": ["A provider is registered in a community or village."]}
    with pytest.raises(ValidationError) as exc:
        access.community_region(XS, message=access.CHILD_COMMUNITY_MESSAGE)
    assert exc.value.message_dict == {"region_code": ["A child is registered in a community or village."]}


# --- what ---


def test_sector_of_kind() -> None:
    assert access.sector_of_kind("childcare_centre") == "childcare"
    assert access.sector_of_kind("workplace_childcare") == "childcare"
    assert access.sector_of_kind("eldercare_home") == "eldercare"
    assert access.sector_of_kind("meal_point") == "eldercare"
    assert set(access.SECTOR_PERMISSION) == {"eldercare", "childcare", "health"}


@pytest.mark.django_db
def test_require_sector(users: dict[str, Any]) -> None:
    access.require_sector(users["civil"], "eldercare")
    access.require_sector(users["health"], "health", "childcare")
    access.require_sector(users["super"], "childcare")
    access.require_sector(users["admin"], "childcare")
    with pytest.raises(PermissionDenied) as exc:
        access.require_sector(users["civil"], "childcare")
    assert str(exc.value) == "Your role does not work with these records."
    with pytest.raises(PermissionDenied) as exc:
        access.require_sector(users["health"], "eldercare", message="You may not change children's records.")
    assert str(exc.value) == "You may not change children's records."
    for actor in (users["inactive"], users["inactive_super"], AnonymousUser(), None, users["reporter"]):
        with pytest.raises(PermissionDenied):
            access.require_sector(actor, "eldercare")


@pytest.mark.django_db
def test_require_kind_sector(users: dict[str, Any]) -> None:
    access.require_kind_sector(users["civil"], "eldercare_home")
    access.require_kind_sector(users["health"], "childcare_centre")
    with pytest.raises(PermissionDenied) as exc:
        access.require_kind_sector(users["civil"], "childcare_centre")
    assert str(exc.value) == "Your role does not work with this kind of provider."


@pytest.mark.django_db
def test_require_region_and_sector(users: dict[str, Any]) -> None:
    access.require_region_and_sector(users["civil"], XS_COMMUNITY, "eldercare", "childcare")
    with pytest.raises(NotFound):  # region is checked first
        access.require_region_and_sector(users["reporter"], XS_COMMUNITY, "eldercare")
    with pytest.raises(PermissionDenied):
        access.require_region_and_sector(users["worker"], XS_COMMUNITY, "childcare")


@pytest.mark.django_db
def test_require_can_act(users: dict[str, Any]) -> None:
    home, nursery = provider(7), provider(8, kind="childcare_centre")
    access.require_can_act(users["civil"], home)
    access.require_can_act(users["health"], nursery)
    access.require_can_act(users["admin"], nursery)
    with pytest.raises(PermissionDenied):
        access.require_can_act(users["civil"], nursery)  # wrong sector
    with pytest.raises(NotFound):
        access.require_can_act(users["civil"], provider(9, region_code=SX_COMMUNITY))  # out of region
    with pytest.raises(NotFound):
        access.require_can_act(users["inactive"], home)
    with pytest.raises(NotFound):
        access.require_can_act(AnonymousUser(), home)


@pytest.mark.django_db
def test_provider_operator(users: dict[str, Any]) -> None:
    home = provider(7)
    operator = SimpleNamespace(
        is_authenticated=True,
        is_active=True,
        is_superuser=False,
        provider_id=7,
        has_perm=lambda p: False,
        region_prefixes=lambda: ("340603",),
    )
    assert access.is_operator_of(operator, home)
    assert access.provider_id_of(operator) == 7
    access.require_can_act(operator, home)  # their own provider, without a sector role
    with pytest.raises(PermissionDenied) as exc:
        access.require_can_act(operator, provider(8))  # another provider in their region
    assert str(exc.value) == "A provider operator may change only their own provider."
    with pytest.raises(PermissionDenied) as exc:
        access.require_can_supervise(operator, home)
    assert str(exc.value) == "Only the supervising office may do this."
    access.require_can_supervise(operator, home, allow_operator=True)
    with pytest.raises(NotFound):
        access.require_can_supervise(operator, provider(8))
    operator.is_active = False
    assert not access.is_operator_of(operator, home)
    with pytest.raises(NotFound):
        access.require_can_act(operator, home)
    with pytest.raises(NotFound):
        access.require_can_supervise(operator, home, allow_operator=True)
    assert access.provider_id_of(users["civil"]) is None


@pytest.mark.django_db
def test_require_can_supervise(users: dict[str, Any]) -> None:
    home, nursery = provider(7), provider(8, kind="childcare_centre")
    access.require_can_supervise(users["civil"], home)
    access.require_can_supervise(users["health"], nursery)
    access.require_can_supervise(users["super"], nursery)
    for actor, target in [
        (users["civil"], nursery),  # wrong sector: not found, as before
        (users["civil"], provider(9, region_code=SX_COMMUNITY)),
        (users["inactive"], home),
        (users["inactive_super"], home),
        (AnonymousUser(), home),
    ]:
        with pytest.raises(NotFound):
            access.require_can_supervise(actor, target)


@pytest.mark.django_db
def test_allowed(users: dict[str, Any]) -> None:
    assert access.allowed(access.require_region, users["civil"], XS_COMMUNITY)
    assert not access.allowed(access.require_region, users["civil"], SX_COMMUNITY)
    assert not access.allowed(access.require_sector, users["civil"], "childcare")
