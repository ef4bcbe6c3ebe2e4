"""Reported values: submission, approval, rejection, withdrawal, the lock and the history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from laoxiao.accounts.actions import system_actor
from laoxiao.accounts.tests.factories import PASSWORD, make_user
from laoxiao.core.clock import frozen
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.demo.reported import computed_years, history_years, reported_step
from laoxiao.plan.actions.values import (
    reported_value_approve,
    reported_value_reject,
    reported_value_submit,
    reported_value_withdraw,
)
from laoxiao.plan.engine import indicators_compute
from laoxiao.plan.models import Indicator, IndicatorValue, ReportedValue
from laoxiao.plan.selectors.values import (
    indicator_values,
    reported_history,
    reported_list,
    reporting_overview,
)
from laoxiao.regions.models import Region
from laoxiao.web.browser import browser_page, chromium_path

CITY = "340600000000"
XS = "340603000000"
RV = ReportedValue.Status

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_reporter(city: dict[str, Any]) -> Any:
    """A reporter of 市人社局 (responsible for E01)."""
    return make_user("rs_rep", ["bureau_reporter"], [CITY], unit_id="human_resources")


@pytest.fixture
def mz_reporter(city: dict[str, Any]) -> Any:
    """A reporter of 市民政局 (E10, E14, E15)."""
    return make_user("mz_rep", ["bureau_reporter"], [CITY], unit_id="civil_affairs")


def e(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


def submit(
    actor: Any, code: str = "E01", region: str = CITY, period: str = "2021", value: Any = "96.5", **kw: Any
) -> ReportedValue:
    return reported_value_submit(
        actor=actor,
        indicator=e(code),
        region_code=region,
        period=period,
        value=value,
        source=kw.pop("source", "2021年统计年报"),
        note=kw.pop("note", ""),
    )


def test_submit_approve_and_read_the_value_with_its_status(hr_reporter: Any, admin_user: Any) -> None:
    row = submit(hr_reporter, value="96.5", note="全市口径")
    assert (row.status, row.unit_id, row.replaces_id) == (RV.SUBMITTED, "human_resources", None)
    assert not IndicatorValue.objects.filter(measure__alias="E01").exists()  # not before approval
    reported_value_approve(actor=admin_user, reported=row, note="核对无误")
    row.refresh_from_db()
    assert (row.status, row.reviewed_by_id, row.review_note) == (RV.APPROVED, admin_user.pk, "核对无误")
    stored = IndicatorValue.objects.get(measure__alias="E01", region_code=CITY, period="2021")
    assert stored.value == Decimal("96.5") and stored.numerator is None and stored.denominator is None
    assert stored.inputs == {"reported_value": row.pk, "source": "2021年统计年报", "note": "全市口径"}
    assert stored.reason == "" and stored.computed_at == row.reviewed_at
    rows = {r.indicator.code: r for r in indicator_values(region_code=CITY, period="2021")}
    assert rows["E01"].value == Decimal("96.5") and rows["E01"].status.code == "achieved"
    js = rows["E01"].as_json()
    assert (js["value"], js["status"], js["kind"], js["reason"]) == (96.5, "achieved", "reported", None)
    actions = list(
        ChangeLog.objects.filter(target_type="plan.reportedvalue")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "status"]


def test_a_reported_value_below_the_line_is_behind(admin_user: Any) -> None:
    # E09 life expectancy 77 → 79: the line in 2021 is 77.4
    row = submit(admin_user, "E09", value="77.2")
    reported_value_approve(actor=admin_user, reported=row)
    rows = {r.indicator.code: r for r in indicator_values(region_code=XS, period="2021")}
    assert rows["E09"].value is None  # the city's figure is not the county's
    rows = {r.indicator.code: r for r in indicator_values(region_code=CITY, period="2021")}
    assert rows["E09"].status.code == "behind" and rows["E09"].status.expected == Decimal("77.4")


def test_amounts_get_no_status_below_the_city(admin_user: Any) -> None:
    for region in (CITY, XS):
        reported_value_approve(
            actor=admin_user, reported=submit(admin_user, "E10", region=region, value="150")
        )
    city = {r.indicator.code: r for r in indicator_values(region_code=CITY, period="2021")}["E10"]
    county = {r.indicator.code: r for r in indicator_values(region_code=XS, period="2021")}["E10"]
    assert city.status.code == "behind" and county.status.code is None and county.value == Decimal(150)


def test_a_change_after_approval_is_a_new_submission_and_keeps_the_history(
    hr_reporter: Any, admin_user: Any
) -> None:
    first = submit(hr_reporter, value="96.5")
    reported_value_approve(actor=admin_user, reported=first)
    second = submit(hr_reporter, value="97.1", source="修订后的年报")
    assert second.replaces_id == first.pk
    # the approved figure stands until the new one is approved
    assert IndicatorValue.objects.get(measure__alias="E01", region_code=CITY, period="2021").value == Decimal(
        "96.5"
    )
    reported_value_approve(actor=admin_user, reported=second)
    first.refresh_from_db()
    assert first.status == RV.SUPERSEDED and first.value == Decimal("96.5")  # never edited
    assert IndicatorValue.objects.get(measure__alias="E01", region_code=CITY, period="2021").value == Decimal(
        "97.1"
    )
    history = reported_history(actor=hr_reporter, indicator="E01", region_code=CITY, period="2021")
    assert [(h.value, h.status) for h in history] == [
        (Decimal("96.5"), RV.SUPERSEDED),
        (Decimal("97.1"), RV.APPROVED),
    ]


def test_approved_rows_are_locked(hr_reporter: Any, admin_user: Any) -> None:
    row = submit(hr_reporter)
    reported_value_approve(actor=admin_user, reported=row)
    for act in (
        lambda: reported_value_approve(actor=admin_user, reported=row),
        lambda: reported_value_reject(actor=admin_user, reported=row, note="no"),
        lambda: reported_value_withdraw(actor=hr_reporter, reported=row),
    ):
        with pytest.raises(ValidationError) as exc:
            act()
        assert "status" in exc.value.message_dict
    row.refresh_from_db()
    assert row.status == RV.APPROVED


def test_one_pending_submission_per_key(hr_reporter: Any, admin_user: Any) -> None:
    submit(hr_reporter)
    with pytest.raises(ValidationError) as exc:
        submit(admin_user, value="97")
    assert "__all__" in exc.value.message_dict
    submit(hr_reporter, region=XS)  # another region is another key
    submit(hr_reporter, period="2020")  # and another period
    assert ReportedValue.objects.filter(status=RV.SUBMITTED).count() == 3


def test_reject_needs_a_note_and_leaves_no_value(hr_reporter: Any, admin_user: Any) -> None:
    row = submit(hr_reporter)
    with pytest.raises(ValidationError) as exc:
        reported_value_reject(actor=admin_user, reported=row, note="  ")
    assert "note" in exc.value.message_dict
    reported_value_reject(actor=admin_user, reported=row, note="口径不对")
    row.refresh_from_db()
    assert (row.status, row.review_note) == (RV.REJECTED, "口径不对")
    assert not IndicatorValue.objects.filter(measure__alias="E01").exists()
    submit(hr_reporter, value="95.2")  # a new submission is possible after a rejection


def test_withdraw(hr_reporter: Any, mz_reporter: Any) -> None:
    row = submit(hr_reporter)
    with pytest.raises(NotFound):  # another unit does not see it
        reported_value_withdraw(actor=mz_reporter, reported=row)
    reported_value_withdraw(actor=hr_reporter, reported=row)
    row.refresh_from_db()
    assert row.status == RV.WITHDRAWN
    assert ChangeLog.objects.filter(target_id=str(row.pk), action="status").count() == 1
    submit(hr_reporter)  # the key is free again


@pytest.mark.parametrize("who", ["mz_reporter", "xiangshan_officer", "nobody"])
def test_who_may_not_submit(who: str, request: Any, city: dict[str, Any]) -> None:
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        submit(actor, "E01")
    assert not ReportedValue.objects.exists()


def test_reporters_report_their_own_units_indicators_for_any_region(mz_reporter: Any) -> None:
    row = submit(mz_reporter, "E14", region="340621100001", value="12.5")
    assert row.unit_id == "civil_affairs"


def test_only_city_administrators_review(hr_reporter: Any, xiangshan_officer: Any, admin_user: Any) -> None:
    row = submit(hr_reporter)
    with pytest.raises(PermissionDenied):
        reported_value_approve(actor=hr_reporter, reported=row)
    with pytest.raises(NotFound):  # a county officer does not even see it
        reported_value_approve(actor=xiangshan_officer, reported=row)
    with pytest.raises(NotFound):
        reported_value_reject(actor=xiangshan_officer, reported=row, note="x")
    row.refresh_from_db()
    assert row.status == RV.SUBMITTED


def test_computed_indicators_cannot_be_reported_but_for_a_historical_year(
    admin_user: Any, hr_reporter: Any
) -> None:
    with frozen("2021-06-30"), pytest.raises(ValidationError) as exc:  # the year has not ended
        submit(admin_user, "E03", value="55")
    assert "indicator" in exc.value.message_dict
    with frozen("2022-03-01"):
        # an administrator files the figure of an ended year (a statistical report's)...
        row = submit(admin_user, "E03", value="55")
        reported_value_approve(actor=admin_user, reported=row)
    assert IndicatorValue.objects.get(measure__alias="E03", region_code=CITY, period="2021").value == 55
    # ...which a recomputation leaves alone
    indicators_compute(period="2021", codes=["E03"])
    assert IndicatorValue.objects.get(measure__alias="E03", region_code=CITY, period="2021").value == 55


@pytest.mark.parametrize(
    ("code", "value", "field"),
    [
        ("E01", "100.5", "value"),  # a percentage above 100
        ("E01", "-1", "value"),
        ("E01", "abc", "value"),
        ("E01", "95.12345", "value"),  # more than 4 places
        ("E09", "131", "value"),  # an age above 130
        ("E10", "-5", "value"),  # an amount below 0
        ("E01", None, "value"),
        ("E10", "1e400", "value"),  # too large (and no crash)
        ("E10", "NaN", "value"),
    ],
)
def test_values_are_checked_by_unit(admin_user: Any, code: str, value: Any, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        submit(admin_user, code, value=value)
    assert field in exc.value.message_dict


def test_bounds_are_inclusive(admin_user: Any) -> None:
    submit(admin_user, "E01", value="100")
    submit(admin_user, "E14", value="0")
    submit(admin_user, "E09", value="130")
    submit(admin_user, "E10", value=1234567.5)


@pytest.mark.parametrize(
    ("region", "period", "source", "field"),
    [
        ("340699000000", "2021", "年报", "region_code"),
        (CITY, "2021-06", "年报", "period"),  # a yearly indicator
        (CITY, "21", "年报", "period"),
        (CITY, "2999", "年报", "period"),  # not begun
        (CITY, "2021", "  ", "source"),
    ],
)
def test_region_period_and_source_are_checked(
    admin_user: Any, region: str, period: str, source: str, field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        submit(admin_user, region=region, period=period, source=source)
    assert field in exc.value.message_dict


def test_lists_are_scoped_by_unit(hr_reporter: Any, mz_reporter: Any, admin_user: Any, nobody: Any) -> None:
    a = submit(hr_reporter, "E01")
    b = submit(mz_reporter, "E14", value="10")
    assert list(reported_list(actor=hr_reporter)) == [a]
    assert list(reported_list(actor=mz_reporter)) == [b]
    assert set(reported_list(actor=admin_user)) == {a, b}
    assert list(reported_list(actor=nobody)) == []
    assert list(reported_list(actor=admin_user, indicator="e14")) == [b]
    assert list(reported_list(actor=admin_user, status="approved")) == []


def test_overview_shows_approved_and_pending_per_region(mz_reporter: Any, admin_user: Any) -> None:
    approved = submit(mz_reporter, "E14", value="12")
    reported_value_approve(actor=admin_user, reported=approved)
    pending = submit(mz_reporter, "E14", value="13")
    regions = list(Region.objects.filter(code__in=[CITY, XS]).order_by("code"))
    cells = reporting_overview(actor=mz_reporter, period="2021", regions=regions)
    theirs = set(
        Indicator.objects.filter(kind="reported", responsible_unit_id="civil_affairs").values_list(
            "code", flat=True
        )
    )
    assert {"E10", "E14", "E15"} <= theirs and {c.indicator.code for c in cells} == theirs
    assert len(cells) == 2 * len(theirs)
    city = next(c for c in cells if c.indicator.code == "E14" and c.region.code == CITY)
    assert (city.approved, city.pending, city.status.code) == (approved, pending, "behind")
    county = next(c for c in cells if c.indicator.code == "E14" and c.region.code == XS)
    assert (county.approved, county.pending) == (None, None)


def test_the_demo_step_files_the_years_before_the_records(city: dict[str, Any]) -> None:
    day = D(2026, 12, 3)
    assert (computed_years(day), history_years(day)) == ([2025, 2026], [2021, 2022, 2023, 2024])
    assert (computed_years(D(2025, 6, 30)), history_years(D(2025, 6, 30))) == (
        [2024, 2025],
        [2021, 2022, 2023],
    )
    ctx = SimpleNamespace(actor=system_actor(), summary={}, as_of=day, seed=1)
    steps: list[int] = []
    with frozen(day):
        reported_step(ctx, steps.append)
    seed = list(Indicator.objects.filter(plan_id="huaibei-2021-2025"))
    assert len(steps) == len(seed) == 26
    counties = list(Region.objects.filter(level="county").values_list("code", flat=True))
    approved = ReportedValue.objects.filter(status=RV.APPROVED)
    for ind in seed:
        # every indicator has the statistical reports' figure for the years before the records...
        years = {"2021", "2022", "2023", "2024"}
        if ind.kind == "reported":  # ...and a reported one for every ended year, 2020 too
            years |= {"2020", "2025"}
        got = set(approved.filter(measure=ind.measure, region_code=CITY).values_list("period", flat=True))
        assert got == years, ind.code
        for county in counties:
            mine = set(
                approved.filter(measure=ind.measure, region_code=county).values_list("period", flat=True)
            )
            assert mine == years - {"2020"}, (ind.code, county)
        assert all("示范数据" in r.source for r in approved.filter(measure=ind.measure))
    assert not approved.filter(period="2026").exists()  # the year has not ended
    waiting = ReportedValue.objects.get(status=RV.SUBMITTED)  # the pending revision
    assert (waiting.measure.alias, waiting.period) == ("E10", "2025")
    rows = {r.indicator.code: r for r in indicator_values(region_code=CITY, period="2020")}
    assert rows["E02"].value == Decimal("99.1") and rows["E09"].value == Decimal(77)  # Table 1's figures
    rows = {r.indicator.code: r for r in indicator_values(region_code=CITY, period="2023")}
    assert all(r.value is not None for r in rows.values())  # the cockpit has every year of the plan
    assert rows["E09"].status.code == "behind" and rows["E01"].status.code == "achieved"
    before = ReportedValue.objects.count()
    with frozen(day):
        reported_step(ctx, steps.append)  # again: nothing new
    assert ctx.summary["reported_values"] == 0 and ReportedValue.objects.count() == before


# --- pages ------------------------------------------------------------------------------------------


def _post(client: Any, url: str, data: dict[str, Any], htmx: bool = True) -> Any:
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url, data, **headers)


FORM = {
    "indicator": "E01",
    "region_code": CITY,
    "period": "2021",
    "value": "96.5",
    "source": "年报",
    "note": "",
}


def test_reporting_page_for_a_reporter(client: Any, hr_reporter: Any) -> None:
    client.force_login(hr_reporter)
    r = client.get("/plan/reporting/?period=2021")
    assert r.status_code == 200
    html = r.content.decode()
    assert "基本养老保险参保率" in html and "人均预期寿命" not in html  # their unit's indicators only
    assert 'hx-post="/plan/reporting/submit/"' in html
    assert "相山区" in html and "濉溪县" in html  # a column per county


def test_submitting_through_the_page_with_errors_inline(client: Any, hr_reporter: Any) -> None:
    client.force_login(hr_reporter)
    r = _post(client, "/plan/reporting/submit/", {**FORM, "value": "120"})
    assert r.status_code == 200 and 'id="error-value"' in r.content.decode()
    assert not ReportedValue.objects.exists()
    r = _post(client, "/plan/reporting/submit/", {**FORM, "indicator": "E09"})  # not their unit's
    assert 'id="error-indicator"' in r.content.decode()
    r = _post(client, "/plan/reporting/submit/", FORM)
    assert r.status_code == 204 and r["HX-Redirect"] == "/plan/reporting/?period=2021&plan=huaibei-2021-2025"
    assert ReportedValue.objects.get().value == Decimal("96.5")
    r = _post(client, "/plan/reporting/submit/", FORM)  # a second one while pending: the form says why
    assert r.status_code == 200 and 'class="error" role="alert"' in r.content.decode()
    assert ReportedValue.objects.count() == 1
    r = _post(client, "/plan/reporting/submit/", {**FORM, "value": "x"}, htmx=False)
    assert r.status_code == 422


def test_review_through_the_page(client: Any, hr_reporter: Any, admin_user: Any) -> None:
    row = submit(hr_reporter)
    client.force_login(hr_reporter)
    assert _post(client, f"/plan/reporting/{row.pk}/approve/", {}).status_code == 403
    client.force_login(admin_user)
    html = client.get("/plan/reporting/").content.decode()
    assert f'id="rv-{row.pk}"' in html and "/approve/" in html
    r = _post(client, f"/plan/reporting/{row.pk}/reject/", {"note": ""})
    assert r.status_code == 200 and 'class="error"' in r.content.decode()
    r = _post(client, f"/plan/reporting/{row.pk}/approve/", {"note": "ok"})
    assert r.status_code == 200 and 'class="rv-approved"' in r.content.decode()
    row.refresh_from_db()
    assert row.status == RV.APPROVED
    r = client.get(f"/plan/reporting/history/E01/{CITY}/2021/")
    assert r.status_code == 200 and "年报" in r.content.decode()


def test_reporting_pages_are_for_reporters_and_administrators(
    client: Any, nobody: Any, hr_reporter: Any
) -> None:
    row = submit(hr_reporter)
    client.force_login(nobody)
    assert client.get("/plan/reporting/").status_code == 403
    assert client.get(f"/plan/reporting/history/E01/{CITY}/2021/").status_code == 403
    assert _post(client, f"/plan/reporting/{row.pk}/withdraw/", {}).status_code == 404


# --- in a real browser: the htmx form -----------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_submission_form_in_a_browser(live_server: Any, hr_reporter: Any) -> None:

    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed")
    with browser_page() as page:
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "rs_rep")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/plan/reporting/?period=2021")
        page.fill("#report-form input[name=value]", "120")
        page.fill("#report-form input[name=source]", "2021年社保统计年报")
        page.click("#report-form button.primary")
        page.wait_for_selector("#error-value")  # swapped in by htmx, no page load
        assert "100" in page.inner_text("#error-value")
        assert page.url.endswith("/plan/reporting/?period=2021")
        assert page.input_value("#report-form input[name=source]") == "2021年社保统计年报"  # kept
        page.fill("#report-form input[name=value]", "96.5")
        page.click("#report-form button.primary")
        page.wait_for_selector(".rv-submitted")
        assert "96.5" in page.inner_text("table.grid >> nth=0")
        assert page.locator("#error-value").count() == 0
