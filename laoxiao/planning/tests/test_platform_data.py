"""The SQL aggregates behind the projection (base population, disability prevalence) on a hand-built
city with every edge of the base date, and the cache's parts: a provider's change recomputes the
supply and the gaps, not the base population."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from laoxiao.core.changelog import log_change
from laoxiao.core.models import ChangeLog
from laoxiao.people.models import AbilityAssessment
from laoxiao.people.tests.factories import make_child, make_elder
from laoxiao.people.tests.factories import make_elder_id as id_number
from laoxiao.planning.selectors import demand as ad
from laoxiao.planning.selectors.demand import fingerprint
from laoxiao.providers.models import Provider
from laoxiao.regions.actions import population_rollup
from laoxiao.regions.models import Region

ON = dt.date(2021, 12, 31)


def assess(elder, on: dt.date, level: str) -> None:
    AbilityAssessment.objects.create(
        elder=elder, region_code=elder.region_code, assessed_on=on, reason="first", items={},
        self_care=10, mobility=5, mental=10, perception=10, total=35, preliminary_level=level, level=level,
    )  # fmt: skip


@pytest.fixture
def edges(city, admin_user):
    """People on both sides of every bound of 31 December 2021 (the base date)."""

    ad._CACHE.clear()
    population_rollup(actor=admin_user, years=[2021])

    def elder(seq: int, birth: dt.date, *, male: bool = True, region: str = "340603001001", **dates):
        e = make_elder(
            admin_user, seq=seq, birth=birth, region=region, id_number=id_number(birth, seq, male=male)
        )
        for k, v in dates.items():
            setattr(e, k, v)
        e.save()
        return e

    people = {
        "sixty": elder(1, dt.date(1961, 12, 31)),  # 60 on the base date: counted
        "fifty_nine": elder(2, dt.date(1962, 1, 1), male=False),  # 59: not an older person yet
        "old": elder(3, dt.date(1915, 6, 1), region="340621100001"),  # 106: the open age 100+
        "died_before": elder(4, dt.date(1950, 1, 1), male=False, died_on=dt.date(2021, 6, 1)),
        "died_after": elder(5, dt.date(1950, 1, 1), male=False, died_on=dt.date(2022, 3, 1)),
        "moved_on_the_day": elder(6, dt.date(1960, 1, 1), moved_out_on=ON),
        "died_on_the_day": elder(7, dt.date(1950, 1, 1), male=False, died_on=ON),
    }
    assess(people["sixty"], dt.date(2021, 5, 1), "moderate")  # disabled
    assess(people["old"], dt.date(2020, 1, 1), "severe")  # disabled
    assess(people["died_after"], dt.date(2021, 3, 1), "severe")
    assess(people["died_after"], dt.date(2021, 9, 1), "mild")  # the latest by the base date: not disabled
    assess(people["died_after"], dt.date(2022, 2, 1), "total")  # after the base date: ignored
    assess(people["died_before"], dt.date(2021, 1, 1), "total")  # not present on the base date
    assess(people["died_on_the_day"], dt.date(2021, 1, 1), "total")  # nor she
    assess(people["moved_on_the_day"], dt.date(2021, 1, 1), "total")  # nor he
    make_child(name="二岁", birth=dt.date(2019, 1, 1), sex="F")  # 2: counted
    make_child(name="三岁", birth=dt.date(2018, 12, 31), sex="F")  # 3: not counted
    make_child(name="新生", birth=ON, sex="M")  # 0: counted
    make_child(name="明年", birth=dt.date(2022, 1, 5), sex="M")  # born after the base date
    dead = make_child(name="早夭", birth=dt.date(2020, 6, 1), sex="M")
    dead.died_on = dt.date(2021, 1, 1)
    dead.save()
    return people


def test_base_population_counts_the_registry_at_the_base_date(edges):
    base = ad.platform_base()
    assert base is not None and base.year == 2021
    assert base.leaves == ["340603001000", "340621100000"]
    reg = base.registered
    assert reg.sum() == 3  # sixty, old, died_after
    assert (reg[1, 60], reg[1, 100], reg[0, 71]) == (1, 1, 1)
    xs, sx = base.population
    # 东街道's 600 aged 60+ carried by its two registered people, 300 each
    assert xs[1, 60] == pytest.approx(300) and xs[0, 71] == pytest.approx(300)
    assert xs[:, 60:].sum() == pytest.approx(600)
    assert sx[1, 100] == pytest.approx(600) and sx[:, 60:].sum() == pytest.approx(600)
    # its 90 children under 3 carried by the girl of 2 and the newborn boy
    assert xs[0, 2] == pytest.approx(45) and xs[1, 0] == pytest.approx(45)
    assert xs[:, :3].sum() == pytest.approx(90)


def test_prevalence_takes_the_latest_assessment_by_the_base_date(edges):
    base = ad.platform_base()
    prev = ad.disability_prevalence(base)
    assert prev[1, 60:65].tolist() == [1.0] * 5  # the man of 60, moderate
    assert prev[1, 100] == 1.0  # the man of 106, severe
    assert prev[0, 70:75].tolist() == [0.0] * 5  # latest by the base date: mild
    assert np.count_nonzero(prev) == 6


def test_the_registry_is_read_in_one_grouped_query_each(edges):
    with CaptureQueriesContext(connection) as q:
        ad.platform_base()
    elder_queries = [x["sql"] for x in q.captured_queries if '"people_elder"' in x["sql"]]
    grouped = [s for s in elder_queries if "GROUP BY" in s]
    assert len(grouped) == 1  # one aggregate over the registry, never its rows
    assert "django_date_extract" not in grouped[0]  # no per-row Python function on SQLite


def test_a_provider_change_keeps_the_base_and_the_projection(edges, admin_user):

    first = ad.platform_projection(to_year=2023)
    assert first is not None
    home = Provider.objects.create(
        uscc="52340603MA0000009X", name="康乐养老院", kind="eldercare_home", ownership="private",
        supply_tier="market", region_id="340603001001", region_code="340603001001", filing_status="filed",
        beds=50, nursing_beds=30,
    )  # fmt: skip
    second = ad.platform_projection(to_year=2023)
    assert second is not first
    assert second.base is first.base and second.projection is first.projection  # not recomputed
    assert ad.region_series(second, "340600000000")["rows"][0]["supply_beds"] == 50
    assert ad.region_series(first, "340600000000")["rows"][0]["supply_beds"] == 0
    home.beds = 70
    home.save()
    third = ad.platform_projection(to_year=2023)
    assert ad.region_series(third, "340600000000")["rows"][0]["supply_beds"] == 70
    # a change to the registry recomputes the base
    edges["sixty"].died_on = dt.date(2021, 12, 1)
    edges["sixty"].save()
    fourth = ad.platform_projection(to_year=2023)
    assert fourth.base is not first.base
    assert fourth.base.registered.sum() == 2
    assert ad.region_series(fourth, "340600000000")["rows"][0]["supply_beds"] == 70


def test_an_assessment_recomputes_the_prevalence(edges):
    first = ad.platform_projection(to_year=2022)
    assert ad.disability_prevalence(first.base)[0, 70] == 0.0
    assess(edges["died_after"], dt.date(2021, 12, 31), "severe")  # on the base date: counts
    second = ad.platform_projection(to_year=2022)
    assert second.base is first.base
    assert ad.disability_prevalence(second.base)[0, 70:75].tolist() == [1.0] * 5


def test_a_new_process_reads_the_shared_cache(edges, tmp_path, settings):

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "planning": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "planning"),
        },
    }
    first = ad.platform_projection(to_year=2023)
    assert first is not None and list((tmp_path / "planning").iterdir())
    ad._CACHE.clear()  # as a new process starts
    with CaptureQueriesContext(connection) as q:
        again = ad.platform_projection(to_year=2023)
    assert again is not None and again is not first
    rebuilt = [x for x in q.captured_queries if "GROUP BY" in x["sql"]]
    assert not rebuilt  # the registries are not read again
    for a, b in (
        (first.projection.population, again.projection.population),
        (first.table.gap["beds"], again.table.gap["beds"]),
    ):
        assert np.array_equal(a, b)
    # a change of the data: the new state is computed, not read
    Provider.objects.create(
        uscc="52340603MA0000009X", name="康乐养老院", kind="eldercare_home", ownership="private",
        supply_tier="market", region_id="340603001001", region_code="340603001001", filing_status="filed",
        beds=50, nursing_beds=30,
    )  # fmt: skip
    ad._CACHE.clear()
    third = ad.platform_projection(to_year=2023)
    assert ad.region_series(third, "340600000000")["rows"][0]["supply_beds"] == 50
    # an unreadable entry is a miss, not a failed page
    for f in (tmp_path / "planning").iterdir():
        f.write_bytes(b"not a pickle")
    ad._CACHE.clear()
    fourth = ad.platform_projection(to_year=2023)
    assert ad.region_series(fourth, "340600000000")["rows"][0]["supply_beds"] == 50


def test_tests_share_no_cache_across_runs():

    assert ad.CACHE_ALIAS not in settings.CACHES


@pytest.mark.django_db
def test_a_logged_edit_in_place_moves_the_fingerprint(admin_user: Any) -> None:
    """Edits that leave counts and sums alone (a renamed region, an assessment level changed in
    place) are still seen: every action logs its change, and the fingerprint keys on the log."""

    before = fingerprint()
    region = Region.objects.get(code="340603001001")
    log_change(actor=admin_user, action=ChangeLog.Action.UPDATE, target=region, changes={"name": ["a", "b"]})
    after = fingerprint()
    assert after.figures != before.figures
    assert after.people == before.people and after.providers == before.providers
