"""The cockpit pages: cards with values, reasons, status and trend; chart data equal to the stored
values; task progress; who may open them; the number of queries does not grow with the data."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from laoxiao.accounts.tests.factories import make_user
from laoxiao.plan.calculators import MEASURE_KEYS
from laoxiao.plan.models import (
    Indicator,
    PlanTask,
    ReportedValue,
    TaskMilestone,
    TaskProgressReport,
)
from laoxiao.plan.tests.factories import make_stored_value
from laoxiao.providers.tests.factories import make_provider
from laoxiao.regions.boundaries import city_boundaries

pytestmark = pytest.mark.django_db

CITY = "340600000000"
XIANGSHAN = "340603000000"
SUIXI = "340621000000"
EAST = "340603001000"  # 东街道, a township of 相山区


def english(client: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def values(city: dict[str, Any]) -> None:
    """E03 (a rate, baseline 50.83, target ≥ 60) in 2020 and 2021 for the city and its counties;
    E11 (a count) for the city and a county; E07 without a value; E08 by month; C01; E01 reported."""
    make_stored_value("E03", CITY, "2020", 50, 50, 100)
    make_stored_value("E03", CITY, "2021", 55, 55, 100)  # expected 2021: 52.664 → on track
    make_stored_value("E03", XIANGSHAN, "2021", 40, 4, 10)  # behind
    make_stored_value("E03", SUIXI, "2021", 70, 7, 10)  # achieved
    make_stored_value("E11", CITY, "2021", 7, 7)  # count: expected 9 → behind
    make_stored_value("E11", XIANGSHAN, "2021", 3, 3)  # count below the city: no status
    make_stored_value("E07", CITY, "2021", None, 0, 0, reason="the denominator is zero")
    for m, v in ((1, 90), (2, 95), (3, 100)):
        make_stored_value("E08", CITY, f"2021-{m:02d}", v, v, 100)
    make_stored_value("E08", CITY, "2021", 95, 285, 300)
    make_stored_value("C01", CITY, "2021", 93, 93, 100)  # > 90 → achieved
    make_stored_value("E01", CITY, "2021", 96)  # reported, approved below
    make_stored_value("E03", EAST, "2021", 40, 4, 10)


def page(client: Any, url: str) -> tuple[str, dict[str, Any]]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    m = re.search(r'<script id="cockpit-data" type="application/json">(.*?)</script>', html, re.S)
    return html, json.loads(m.group(1)) if m else {}


def card(html: str, code: str) -> str:
    start = html.rindex("<article", 0, html.index(f'id="card-{code}"'))
    return html[start : html.index("</article>", start)]


def test_city_cockpit_shows_every_indicator_with_a_value_or_a_reason(client, admin_user, values):
    client.force_login(admin_user)
    english(client)
    html, data = page(client, "/plan/cockpit/")
    codes = list(Indicator.objects.order_by("order").values_list("code", flat=True))
    assert len(codes) == 26
    for code in codes:  # every indicator of the year, in the plan's order, grouped by sector
        assert f'id="card-{code}"' in html
    assert html.index('id="card-E16"') < html.index('id="sector-childcare"') < html.index('id="card-C01"')
    assert [i["code"] for i in data["indicators"]] == codes
    assert data["period"] == "2021"  # the latest year by default

    e03 = card(html, "E03")
    assert "55" in e03 and "%" in e03 and "≥ 60" in e03 and "50.83" in e03
    assert "on track" in e03 and "kpi-on_track" in e03 and "52.66" in e03  # the straight line for 2021
    assert "part=numerator" in e03 and "part=denominator" in e03 and f"region={CITY}" in e03
    assert "/plan/indicators/E03/records/" in e03
    assert "behind" in card(html, "E11") and "part=denominator" not in card(html, "E11")
    assert "achieved" in card(html, "C01") and "&gt; 90" in card(html, "C01")
    e07 = card(html, "E07")  # a stored value without a number: the reason
    assert "no value" in e07 and "The denominator is zero" in e07
    assert "Not computed yet" in card(html, "E04")  # computed, nothing stored
    e02 = card(html, "E02")  # reported, nothing approved
    assert "Reported by the responsible unit" in e02 and "市医保局" in e02


def test_status_is_text_and_colour(client, admin_user, values):
    client.force_login(admin_user)
    html, _data = page(client, "/plan/cockpit/")
    e03 = card(html, "E03")
    assert 'class="badge status-on_track"' in e03
    assert re.search(r'class="badge status-on_track"[^>]*>.*?\S+</span>', e03, re.S)
    assert 'data-status="on_track"' in e03


def test_trend_and_chart_data_equal_the_stored_values(client, admin_user, values):
    client.force_login(admin_user)
    html, data = page(client, "/plan/cockpit/")
    assert data["series"]["E03"] == {"2020": 50, "2021": 55}
    assert data["years"] == ["2020", "2021"] and data["months"] == ["2021-01", "2021-02", "2021-03"]
    trend = json.loads(re.search(r'data-trend="([^"]*)"', card(html, "E03")).group(1).replace("&quot;", '"'))
    assert trend == [{"period": "2020", "value": "50"}, {"period": "2021", "value": "55"}]
    # a monthly indicator's trend runs over its months
    e08 = json.loads(re.search(r'data-trend="([^"]*)"', card(html, "E08")).group(1).replace("&quot;", '"'))
    assert [p["period"] for p in e08] == ["2021-01", "2021-02", "2021-03"]
    assert "<polyline" in card(html, "E03")
    # across the counties: the stored values for the period
    assert [c["code"] for c in data["children"]] == [XIANGSHAN, SUIXI]
    assert data["by_child"]["E03"] == {XIANGSHAN: 40, SUIXI: 70}
    assert data["by_child"]["E11"] == {XIANGSHAN: 3}
    e03 = next(i for i in data["indicators"] if i["code"] == "E03")
    assert e03["target"] == 60 and e03["comparator"] == "gte" and e03["status"] == "on_track"
    assert e03["plan_line"]["2020"] == 50.83 and e03["plan_line"]["2025"] == 60
    assert next(i for i in data["indicators"] if i["code"] == "E11")["count"] is True
    # the map: the county names match the boundaries' features
    assert data["geo"] == "/regions/boundaries.geojson"
    features = {f["properties"]["name"] for f in city_boundaries(settings.LAOXIAO_CITY_CODE)["features"]}
    assert {c["name"] for c in data["children"]} <= features
    assert 'id="chart-map"' in html and 'id="chart-children"' in html and 'id="chart-trend"' in html
    assert '<select id="chart-indicator">' in html


def test_an_earlier_year_and_a_month(client, admin_user, values):
    client.force_login(admin_user)
    english(client)
    html, data = page(client, "/plan/cockpit/?period=2020")
    assert data["period"] == "2020" and data["by_child"]["E03"] == {}
    assert "50" in card(html, "E03")
    html, data = page(client, "/plan/cockpit/?period=2021-02")
    assert [i["code"] for i in data["indicators"]] == ["E08"]  # months: the monthly indicator only
    assert "95" in card(html, "E08") and 'id="card-E03"' not in html
    periods = re.search(r'<select name="period".*?</select>', html, re.S).group(0)
    assert re.findall(r'value="([^"]+)"', periods) == ["2021", "2020", "2021-03", "2021-02", "2021-01"]


def test_a_bad_period_is_a_message_not_an_error(client, admin_user, values):
    client.force_login(admin_user)
    english(client)
    html, data = page(client, "/plan/cockpit/?period=2021-13")
    assert "is not a period" in html and data["period"] == "2021"


def test_county_cockpit_compares_its_townships(client, xiangshan_officer, values):
    client.force_login(xiangshan_officer)
    english(client)
    html, data = page(client, f"/plan/cockpit/{XIANGSHAN}/")
    assert "相山区" in html and 'href="/plan/cockpit/"' in html  # back to the city
    assert [c["code"] for c in data["children"]] == [EAST]
    assert data["by_child"]["E03"] == {EAST: 40}
    assert data["geo"] is None and 'id="chart-map"' not in html
    assert "no township boundaries" in html
    assert "behind" in card(html, "E03") and "part=numerator" in card(html, "E03")
    assert "no status" in card(html, "E11")  # a count below the city: the target is the city's
    # a township, and another county (values are aggregates: any staff user sees every county)
    assert client.get(f"/plan/cockpit/{EAST}/").status_code == 200
    html, data = page(client, f"/plan/cockpit/{SUIXI}/")
    assert "achieved" in card(html, "E03")
    # the records behind another county's (or the city's) figure are not theirs: no drill-down
    assert "part=" not in card(html, "E03")
    html, data = page(client, "/plan/cockpit/")
    assert "part=" not in html and "55" in card(html, "E03")


def test_unknown_region_is_404(client, admin_user, values):
    client.force_login(admin_user)
    assert client.get("/plan/cockpit/340699000000/").status_code == 404
    assert client.get("/plan/cockpit/nonsense/").status_code == 404


def test_who_may_open_the_cockpit(client, city, nobody, values):
    assert client.get("/plan/cockpit/")["Location"].startswith("/login/")
    operator = make_user("op", ["provider_operator"], [], provider=make_provider(1))
    client.force_login(operator)  # a provider's operator is not office staff
    assert client.get("/plan/cockpit/").status_code == 403
    client.force_login(nobody)  # staff without a region: aggregates only, so yes
    assert client.get(f"/plan/cockpit/{SUIXI}/").status_code == 200


def test_no_values_yet(client, admin_user):
    client.force_login(admin_user)
    english(client)
    html = client.get("/plan/cockpit/").content.decode()
    assert 'id="no-values"' in html and "laoxiao indicators compute" in html


def test_reported_value_shows_its_source(client, admin_user, values):
    ReportedValue.objects.create(
        measure_id=MEASURE_KEYS["E01"],
        region_code=CITY,
        period="2021",
        value=Decimal("96"),
        source="市人社局 2021 年统计年报",
        status=ReportedValue.Status.APPROVED,
        submitted_by=admin_user,
        submitted_at=timezone.now(),
    )
    client.force_login(admin_user)
    english(client)
    html, _data = page(client, "/plan/cockpit/")
    e01 = card(html, "E01")
    assert "96" in e01 and "achieved" in e01 and "市人社局 2021 年统计年报" in e01 and "part=" not in e01


def test_task_progress_and_overdue_tasks(client, admin_user, values):
    t1, t2, t3 = PlanTask.objects.order_by("number")[:3]
    TaskMilestone.objects.create(task=t1, title="出台实施意见", due_on=dt.date(2021, 6, 30))
    TaskMilestone.objects.create(
        task=t2, title="建成平台", due_on=dt.date(2021, 3, 1), done_on=dt.date(2021, 2, 1)
    )
    TaskProgressReport.objects.create(
        task=t3,
        unit=t3.ordered_units[0],
        reported_by=admin_user,
        reported_at=timezone.now(),
        as_of=dt.date(2021, 5, 1),
        percent=40,
        text="推进中",
    )
    client.force_login(admin_user)
    english(client)
    html, _data = page(client, "/plan/cockpit/")  # read on the period's end, 2021-12-31
    counts = dict(re.findall(r'id="tasks-(\w+)"><strong>(\d+)</strong>', html))
    assert counts == {"not_started": "34", "in_progress": "1", "done": "1", "overdue": "1"}
    assert (
        'href="/plan/tasks/?status=overdue&amp;on=2021-12-31&amp;plan=huaibei-2021-2025" id="tasks-overdue"'
        in html
    )
    overdue = html[html.index('id="overdue-tasks"') :]
    assert t1.code in overdue and "出台实施意见" in overdue and "2021-06-30" in overdue
    assert "184 days overdue" in overdue
    assert t2.code not in overdue.split("</table>")[0]
    # in 2020 the milestone was not yet due
    html, _data = page(client, "/plan/cockpit/?period=2020")
    assert 'id="no-overdue"' in html


def _queries(client: Any, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    sql = [q["sql"] for q in ctx.captured_queries]
    return len(sql), sum("plan_indicatorvalue" in s for s in sql)


def test_queries_do_not_grow_with_regions_and_periods(client, admin_user, values):
    client.force_login(admin_user)
    before, value_queries = _queries(client, "/plan/cockpit/")
    assert value_queries == 1  # every region × period in one query
    # a fixed few: session and user, the region and its sub-regions, the indicators, the values,
    # the approved reported values, the status rule, the tasks (states and their rule)
    assert before <= 20  # and the plan (the plans, the city)
    # more periods (months) and more values of the sub-regions: not one query more
    for code in (CITY, XIANGSHAN, SUIXI, EAST):
        for m in range(4, 13):
            make_stored_value("E08", code, f"2021-{m:02d}", 97, 97, 100)
    for code in (XIANGSHAN, SUIXI):
        make_stored_value("C01", code, "2021", 91, 91, 100)
        make_stored_value("E03", code, "2020", 45, 45, 100)
    after, value_queries = _queries(client, "/plan/cockpit/")
    assert after == before and value_queries == 1
    county, value_queries = _queries(client, f"/plan/cockpit/{XIANGSHAN}/")
    assert value_queries == 1 and county <= before
