"""Demo accounts: one user of each kind, for trying the platform on the demo city.

All share the password ``laoxiao-demo``. They are made through ``accounts.actions.user_create``
(so each creation is in the change log); an existing user name is left alone.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count

from laoxiao.accounts import roles
from laoxiao.accounts.actions import user_create
from laoxiao.accounts.models import ResponsibleUnit, User
from laoxiao.core import clock
from laoxiao.core.changelog import log_change
from laoxiao.core.models import ChangeLog
from laoxiao.demo.kernel import CITY_CODE
from laoxiao.people.models import Child, Elder, FamilyLink
from laoxiao.providers.models import Provider
from laoxiao.regions.models import Region

DEMO_PASSWORD = "laoxiao-demo"  # noqa: S105 - a published demo password, by design
DEMO_URL = "http://127.0.0.1:8000"
XIANGSHAN = "340603"
SUIXI = "340621"
DEMO_TOWNSHIP = "相南街道"  # in 相山区
REPORTER_UNIT_NAME = "市民政局"


@dataclasses.dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    region: str  # "city", "xiangshan", "suixi", "township", "community" or "" (none)
    unit_name: str | None = None
    provider: str = ""  # provider operators: the kind of demo provider in 相山区 they operate


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "市级管理员", "city_admin", "city"),
    DemoUser("xiangshan_mz", "相山区民政局", "civil_affairs_county", "xiangshan"),
    DemoUser("xiangshan_wj", "相山区卫健委", "health_county", "xiangshan"),
    DemoUser("suixi_mz", "濉溪县民政局", "civil_affairs_county", "suixi"),
    DemoUser("suixi_wj", "濉溪县卫健委", "health_county", "suixi"),
    DemoUser("xiangnan_mz", "相南街道民政", "civil_affairs_township", "township"),
    DemoUser("xiangnan_wj", "相南街道卫健", "health_township", "township"),
    DemoUser("xiangnan_sq", "社区网格员", "community_worker", "community"),
    DemoUser("xiangnan_sq2", "社区网格员（二）", "community_worker", "community"),
    DemoUser("provider_demo", "服务机构操作员", "provider_operator", "", provider="eldercare_home"),
    DemoUser("provider_childcare", "托育机构操作员", "provider_operator", "", provider="childcare_centre"),
    DemoUser("provider_centre", "居家养老服务站操作员", "provider_operator", "", provider="community_centre"),
    DemoUser("family_demo", "家属（演示）", "family_member", ""),
    DemoUser("mzj_reporter", "市民政局填报员", "bureau_reporter", "", unit_name=REPORTER_UNIT_NAME),
    DemoUser("wjw_reporter", "市卫健委填报员", "bureau_reporter", "", unit_name="市卫健委"),
    DemoUser("fgw_reporter", "市发改委填报员", "bureau_reporter", "", unit_name="市发改委"),
)


class DemoCityMissing(Exception):
    """The demo accounts need the city's regions: run ``laoxiao demo-city`` first."""


def _demo_regions() -> dict[str, Any]:
    city = Region.objects.filter(code=CITY_CODE.ljust(12, "0")).first()
    if city is None:
        raise DemoCityMissing
    found: dict[str, Any] = {"city": city, "": None}
    for key, code6 in (("xiangshan", XIANGSHAN), ("suixi", SUIXI)):
        found[key] = Region.objects.filter(code=code6.ljust(12, "0")).first()
    townships = Region.objects.filter(level=Region.Level.TOWNSHIP, code__startswith=XIANGSHAN)
    township = townships.filter(name=DEMO_TOWNSHIP).first() or townships.first()
    found["township"] = township
    community = None
    if township is not None:
        kids = Region.objects.filter(level=Region.Level.COMMUNITY, code__startswith=township.scope_prefix)
        community = kids.filter(is_rural=False).first() or kids.first()
    found["community"] = community
    return found


def _unit_code(name: str | None) -> str | None:
    if not name:
        return None
    unit = ResponsibleUnit.objects.filter(name=name).first()
    return unit.code if unit else None


def demo_accounts_ensure(*, actor: Any) -> tuple[list[str], list[dict[str, str]]]:
    """Create the missing demo users; returns (created user names, one row per demo user)."""
    regions = _demo_regions()
    created: list[str] = []
    for spec in DEMO_USERS:
        if User.objects.filter(username=spec.username).exists():
            continue
        region = regions.get(spec.region)
        if spec.region and region is None:
            continue  # that part of the demo city is not there (e.g. a different region tree)
        display = spec.display_name
        if spec.role == "community_worker" and region is not None:
            display = f"{region.name}{spec.display_name.removeprefix('社区')}"
        user_create(
            actor=actor,
            username=spec.username,
            password=DEMO_PASSWORD,
            role_codes=[spec.role],
            region_codes=[region.code] if region is not None else [],
            display_name=display,
            unit_code=_unit_code(spec.unit_name),
        )
        created.append(spec.username)
    for spec in DEMO_USERS:
        if spec.provider:
            _assign_provider(actor, spec)
        if spec.role == "family_member":
            _family_links(actor, spec)
    rows = [_row(spec) for spec in DEMO_USERS]
    return created, [r for r in rows if r]


def demo_provider(kind: str) -> Any:
    """The demo provider an operator account runs: a filed provider of ``kind`` in 相山区 (the
    largest, then by credit code), else any of that kind; None before the providers exist."""
    qs = Provider.objects.filter(kind=kind).order_by("-beds", "uscc")
    if kind == "community_centre":  # the centre with the most home-care orders (the demo month)
        qs = qs.annotate(orders=Count("service_orders")).order_by("-orders", "uscc")
    return (
        qs.filter(region_code__startswith=XIANGSHAN, filing_status=Provider.FilingStatus.FILED).first()
        or qs.filter(region_code__startswith=XIANGSHAN).first()
        or qs.first()
    )


def _assign_provider(actor: Any, spec: DemoUser) -> None:
    """Give a demo operator without a provider its demo provider (logged); one that has one keeps it."""
    user = User.objects.filter(username=spec.username).first()
    if user is None or user.provider_id is not None:
        return
    provider = demo_provider(spec.provider)
    if provider is None:
        return
    user.provider = provider
    user.save(update_fields=["provider"])
    log_change(
        actor=actor,
        action=ChangeLog.Action.UPDATE,
        target=user,
        changes={"provider": [None, provider.pk]},
        note=f"demo operator of {provider.name}",
    )


FAMILY_RELATIONS = ("子女", "父母")  # the demo family member is a child of the elder, a parent of the child


def _family_links(actor: Any, spec: DemoUser) -> None:
    """Link the demo family member (live: consented, not revoked) to one older person with
    home-care orders from the family in 相山区 (else anyone) and to one young child there; existing
    links are kept."""
    user = User.objects.filter(username=spec.username).first()
    if user is None or FamilyLink.objects.filter(user=user).exists():
        return
    elder = (
        Elder.objects.filter(region_code__startswith=XIANGSHAN, service_orders__channel="family")
        .order_by("pk")
        .first()
        or Elder.objects.filter(region_code__startswith=XIANGSHAN).order_by("pk").first()
        or Elder.objects.order_by("pk").first()
    )
    child = (
        Child.objects.filter(region_code__startswith=XIANGSHAN).order_by("pk").first()
        or Child.objects.order_by("pk").first()
    )
    for person, relation in ((elder, FAMILY_RELATIONS[0]), (child, FAMILY_RELATIONS[1])):
        if person is None:
            continue
        field = "elder" if isinstance(person, Elder) else "child"
        link = FamilyLink.objects.create(
            user=user,
            region_code=person.region_code,
            relation=relation,
            consent_on=clock.today(),
            **{field: person},
        )
        log_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            target=link,
            changes={field: [None, person.pk]},
            note="demo family link",
        )


_SECTORS = (
    (roles.SECTOR_ELDERCARE, "养老 elder care"),
    (roles.SECTOR_CHILDCARE, "托育 childcare"),
    (roles.SECTOR_HEALTH, "健康随访 health follow-up"),
)


def _row(spec: DemoUser) -> dict[str, str]:
    user = (
        User.objects.filter(username=spec.username)
        .select_related("provider")
        .prefetch_related("groups")
        .first()
    )
    if user is None:
        return {}
    role_codes = user.role_codes()
    perms = {p for code in role_codes for p in roles.ROLE_BY_CODE[code].permissions}
    assigned = [a.region for a in user.region_assignments.select_related("region")]
    where = ", ".join(r.name for r in assigned) or "—"
    if user.is_superuser or any(r.level == "city" for r in assigned):
        scope = "全市 the whole city"
    elif assigned:
        scope = "、".join(r.name for r in assigned) + " 及以下 and below"
    else:
        scope = "无区域 no region"
    sectors = "; ".join(label for perm, label in _SECTORS if perm in perms)
    if "provider_operator" in role_codes:
        provider = user.provider
        sees = (
            f"its own provider: {provider.name} ({provider.get_kind_display()})"
            if provider is not None
            else "no provider yet: run laoxiao demo-city, then demo-accounts again"
        )
    elif "family_member" in role_codes:
        links = user.family_links.live().select_related("elder", "child")
        names = [
            f"{link.elder.name if link.elder else link.child.name} ({link.relation})"
            for link in links
            if link.elder or link.child
        ]
        sees = "linked people: " + ", ".join(names) if names else "no linked person yet"
    elif "bureau_reporter" in role_codes:
        try:
            unit = user.unit
        except ObjectDoesNotExist:  # pragma: no cover
            unit = None
        sees = (
            f"plan tasks and indicators of {unit.name}"
            if unit
            else "no unit (responsible units not loaded: run laoxiao load-reference, then set the unit)"
        )
    else:
        sees = f"{scope}: {sectors}" if sectors else scope
    return {
        "username": user.username,
        "role": ", ".join(role_codes) or "—",
        "region": where,
        "sees": sees,
    }
