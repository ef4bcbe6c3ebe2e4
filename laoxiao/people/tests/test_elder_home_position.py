"""An older person's home position (``home_lon``, ``home_lat``): the elders import's ``lon,lat``
columns and the person page's form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from laoxiao.people.models import Elder
from laoxiao.people.tests.factories import make_elder, make_elder_id, run_csv

pytestmark = pytest.mark.django_db

HEAD = "id_number,name,region_code,lon,lat\n"
ID = make_elder_id(dt.date(1945, 5, 6), 1)


def errors(report: Any) -> list[tuple[int, str]]:
    return sorted((e.row, e.column) for e in report.errors)


def test_lon_lat_are_imported_and_exported(city: dict[str, Any], admin_user: Any) -> None:
    report = run_csv("elders", HEAD + f"{ID},张大爷,340603001001,116.79831,33.95512\n", admin_user)
    assert report.ok, [e.as_dict() for e in report.errors]
    e = Elder.objects.get()
    assert (e.home_lon, e.home_lat) == (116.79831, 33.95512)
    # an empty cell leaves the recorded position alone
    report = run_csv("elders", HEAD + f"{ID},张大爷,340603001001,,\n", admin_user)
    assert report.ok
    e.refresh_from_db()
    assert (e.home_lon, e.home_lat) == (116.79831, 33.95512)


@pytest.mark.parametrize(
    ("lon", "lat", "bad"),
    [
        ("116.8", "", "lat"),  # both or neither
        ("", "33.9", "lon"),
        ("200", "33.9", "lon"),  # not a longitude at all
        ("116.8", "95", "lat"),
        ("10.0", "33.9", "lon"),  # a longitude outside China
        ("116.8", "60.0", "lat"),
        ("east", "33.9", "lon"),
    ],
)
def test_bad_positions_are_reported_and_nothing_written(
    city: dict[str, Any], admin_user: Any, lon: str, lat: str, bad: str
) -> None:
    report = run_csv("elders", HEAD + f"{ID},张大爷,340603001001,{lon},{lat}\n", admin_user)
    assert errors(report) == [(2, bad)]
    assert not Elder.objects.exists()


def test_the_action_checks_the_position(city: dict[str, Any], admin_user: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as err:
        make_elder(admin_user, home_lon=116.8)
    assert "home_lat" in err.value.message_dict
    e = make_elder(admin_user, home_lon=116.8, home_lat=33.95)
    assert e.home_lat == 33.95


def test_the_person_page_shows_and_saves_the_position(
    city: dict[str, Any], admin_user: Any, client: Any
) -> None:
    from django.urls import reverse

    e = make_elder(admin_user, home_lon=116.8, home_lat=33.95)
    client.force_login(admin_user)
    page = client.get(reverse("people-elder-detail", args=[e.pk]))
    assert page.status_code == 200
    assert b'id="home-position"' in page.content and b"116.800000" in page.content
    url = reverse("people-elder-record", args=[e.pk, "home"])
    assert client.post(url, {"lon": "116.81", "lat": "33.96"}).status_code == 302
    e.refresh_from_db()
    assert (e.home_lon, e.home_lat) == (116.81, 33.96)
    bad = client.post(url, {"lon": "116.81", "lat": ""})
    assert bad.status_code == 422
    e.refresh_from_db()
    assert e.home_lat == 33.96
