from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PAGES = [
    "/plan/indicators/",
    "/plan/indicators/E03/",
    "/plan/tasks/",
    "/plan/tasks/?unit=education",
    "/plan/units/",
]


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_users_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("url", PAGES)
def test_any_signed_in_user_sees_the_pages(client, xiangshan_officer, url):
    client.force_login(xiangshan_officer)
    assert client.get(url).status_code == 200


def test_indicator_table_is_laid_out_like_table_1(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/plan/indicators/").content.decode()
    assert html.count('<tr id="') == 26
    assert html.index('id="E16"') < html.index('id="C01"')
    assert 'rowspan="16"' in html and 'rowspan="10"' in html
    assert "失能特困人员集中供养率" in html and "50.83" in html and "≥ 60" in html
    assert "> 90" in html or "&gt; 90" in html
    assert "市民政局" in html and "整体目标" in html
    # the English names only in English
    assert "Newborn home-visit rate" not in html
    english(client)
    html = client.get("/plan/indicators/").content.decode()
    assert "Newborn home-visit rate" in html and "新生儿访视率" in html and "2025 target" in html


def test_indicator_detail(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/plan/indicators/c06/")
    html = response.content.decode()
    assert "普惠性托位占比" in html and "≥ 80" in html and "—" in html
    assert "市卫健委" in html
    assert client.get("/plan/indicators/X99/").status_code == 404


def test_task_list_shows_lead_in_bold_and_filters_by_unit(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/plan/tasks/").content.decode()
    assert html.count('<tr id="T') == 37
    assert "严防养老托育领域非法集资" in html
    assert '<strong class="lead"><a href="?unit=education">市教育局</a></strong>' in html
    html = client.get("/plan/tasks/?unit=education").content.decode()
    assert html.count('<tr id="T') == 3
    assert 'id="T18"' in html and 'id="T22"' in html and 'id="T32"' in html
    assert client.get("/plan/tasks/?unit=nobody").status_code == 404


def test_unit_list_with_counts(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/plan/units/")
    units = {u.code: u for u in response.context["units"]}
    assert len(units) == 24
    assert (units["civil_affairs"].task_count, units["civil_affairs"].lead_count) == (32, 17)
    assert units["education"].task_count == 3
    assert units["health_commission"].indicator_count == 12
    html = response.content.decode()
    assert "市人力社保局" in html and "/plan/tasks/?unit=civil_affairs" in html
