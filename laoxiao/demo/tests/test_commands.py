"""``laoxiao demo-city`` and ``laoxiao demo-accounts`` against the database."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from laoxiao.accounts.models import User
from laoxiao.core.models import ChangeLog
from laoxiao.demo.accounts import DEMO_PASSWORD, DEMO_USERS
from laoxiao.demo.kernel import city_totals
from laoxiao.regions.models import PopulationFigure, Region

pytestmark = pytest.mark.django_db

CITY = "340600000000"


def run(name: str, **opts) -> str:
    out = StringIO()
    call_command(name, stdout=out, **opts)
    return out.getvalue()


def totals(year: int) -> dict[str, int]:
    fig = PopulationFigure.objects.get(region_id=CITY, year=year)
    assert fig.source == PopulationFigure.Source.SUMMED
    return {
        k: getattr(fig, k) for k in ("population", "age_0_2", "age_60_plus", "age_65_plus", "age_80_plus")
    }


def test_demo_city_small_scale_builds_the_tree_and_sums_up():
    run("demo-city", scale=0.01, seed=3)
    assert set(Region.objects.filter(level="county").values_list("code", flat=True)) == {
        "340602000000",
        "340603000000",
        "340604000000",
        "340621000000",
    }
    assert Region.objects.filter(level="township").count() == 33
    assert 480 <= Region.objects.filter(level="community").count() <= 630
    entered = PopulationFigure.objects.filter(source="entered")
    assert set(entered.values_list("region__level", flat=True)) == {"community"}
    assert not PopulationFigure.objects.filter(region__level="community", source="summed").exists()
    expected = city_totals(0.01)
    for year in (2020, 2021):
        got = totals(year)
        assert got == {k: expected[k] for k in got}
    # written through the actions: every region and figure has its change-log entry
    assert (
        ChangeLog.objects.filter(target_type="regions.region", action="create").count()
        == Region.objects.count()
    )
    assert (
        ChangeLog.objects.filter(target_type="regions.populationfigure").count()
        == PopulationFigure.objects.count()
    )


def test_same_seed_again_changes_nothing_and_if_empty_skips():
    run("demo-city", scale=0.01, seed=5, years="2021")
    log_rows = ChangeLog.objects.count()
    out = run("demo-city", scale=0.01, seed=5, years="2021")
    assert "created 0, updated 0" in out
    assert ChangeLog.objects.count() == log_rows
    out = run("demo-city", scale=0.01, seed=6, if_empty=True)
    assert "not built" in out
    assert ChangeLog.objects.count() == log_rows
    assert not PopulationFigure.objects.filter(year=2020).exists()


def test_bad_years_are_refused():
    with pytest.raises(CommandError):
        run("demo-city", years="twenty")


def test_scale_one_city_totals_equal_the_plans_figures():
    # providers, supervision and people are checked in test_providers.py and test_people.py
    run("demo-city", skip_people=True, skip=["providers", "supervision"])
    plan = {"population": 1_970_265, "age_60_plus": 324_394, "age_65_plus": 264_889, "age_0_2": 62_902}
    for year in (2020, 2021):
        got = totals(year)
        assert {k: got[k] for k in plan} == plan
        assert got["age_80_plus"] == 48_659
    counties = PopulationFigure.objects.filter(region__level="county", year=2020)
    assert dict(counties.values_list("region_id", "population")) == {
        "340602000000": 239_708,
        "340603000000": 548_918,
        "340604000000": 249_208,
        "340621000000": 932_431,
    }


def test_demo_accounts_need_the_city():
    with pytest.raises(CommandError):
        run("demo-accounts")


def test_demo_accounts_are_created_once_and_see_their_regions():
    run("demo-city", scale=0.01)
    out = run("demo-accounts")
    assert "http://127.0.0.1:8000" in out and DEMO_PASSWORD in out
    users = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])}
    assert len(users) == len(DEMO_USERS)
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())
    assert users["admin"].region_prefixes() == ("3406",)
    assert users["xiangshan_mz"].region_prefixes() == ("340603",)
    assert users["suixi_wj"].region_prefixes() == ("340621",)
    township = Region.objects.get(code=users["xiangnan_mz"].region_assignments.get().region_code)
    assert township.name == "相南街道" and township.code.startswith("340603")
    (worker_prefix,) = users["xiangnan_sq"].region_prefixes()
    assert len(worker_prefix) == 12 and worker_prefix.startswith(township.code[:9])
    assert users["provider_demo"].region_prefixes() == ()
    assert users["mzj_reporter"].unit is not None and users["mzj_reporter"].unit.name == "市民政局"
    assert {name: users[name].unit_id for name in ("wjw_reporter", "fgw_reporter")} == {
        "wjw_reporter": "health_commission",
        "fgw_reporter": "development_reform",
    }
    assert len(DEMO_USERS) == 16
    # the family member: live links to one older person with family orders and one child
    from laoxiao.people.models import FamilyLink
    from laoxiao.services.models import ServiceOrder

    links = FamilyLink.objects.live().filter(user=users["family_demo"])
    assert links.filter(elder__isnull=False).count() == 1 and links.filter(child__isnull=False).count() == 1
    assert ServiceOrder.objects.filter(elder=links.get(elder__isnull=False).elder, channel="family").exists()
    # the demo city made the accounts already (its payment batches are approved by ``admin``)
    assert "nothing created" in out
    centre = users["provider_centre"].provider
    assert centre.kind == "community_centre" and ServiceOrder.objects.filter(provider=centre).exists()
    assert ChangeLog.objects.filter(target_type="accounts.user", action="create").count() == len(DEMO_USERS)
    users_before = User.objects.count()
    out = run("demo-accounts")
    assert User.objects.count() == users_before
    assert "nothing created" in out
