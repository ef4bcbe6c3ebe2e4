"""The upload page (/imports/) and the export pages (/imports/export/)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from python_calamine import CalamineWorkbook

from laoxiao.core.models import ChangeLog
from laoxiao.regions.models import PopulationFigure

GOOD = "区划代码,年份,常住人口\n340603001001,2023,1000\n340621100001,2023,500\n"
BAD = "区划代码,年份,常住人口\n340603001001,2023,1000\n340603001002,2023,很多\n340699001001,2023,5\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def admin_client(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    return client


def upload(client: Client, text: str, kind: str = "population", **extra: Any) -> Any:
    data = {"kind": kind, "file": SimpleUploadedFile("population.csv", text.encode(), "text/csv")}
    data.update(extra.pop("data", {}))
    return client.post("/imports/", data, **extra)


def test_the_upload_page_offers_the_kinds_the_user_may_import(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    html = client.get("/imports/").content.decode()
    assert 'value="regions"' in html
    assert 'value="population"' in html


def test_an_officer_is_offered_neither_regions_nor_population(client: Client, xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    html = client.get("/imports/").content.decode()
    assert 'value="regions"' not in html
    assert 'value="population"' not in html
    response = upload(client, GOOD)
    assert response.status_code == 404
    assert not PopulationFigure.objects.filter(year=2023).exists()


def test_the_upload_page_needs_a_signed_in_user(client: Client, city: dict[str, Any]) -> None:
    response = client.get("/imports/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_a_bad_file_shows_every_error_and_writes_nothing(admin_client: Client) -> None:
    response = upload(admin_client, BAD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html  # the whole page
    assert "<table" in html
    assert "很多" in html  # the bad value
    assert "340699001001" in html
    assert html.count("<td>常住人口</td>") == 1
    assert html.count("<td>区划代码</td>") == 1
    assert "<td>3</td>" in html and "<td>4</td>" in html  # row numbers as in the spreadsheet
    assert not PopulationFigure.objects.filter(year=2023).exists()
    assert not ChangeLog.objects.exists()


def test_a_good_file_shows_the_summary(admin_client: Client) -> None:
    response = upload(admin_client, GOOD)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="card ok"' in html
    assert PopulationFigure.objects.filter(year=2023, source="entered").count() == 2
    assert ChangeLog.objects.filter(actor_name="admin").exists()


def test_check_only_writes_nothing(admin_client: Client) -> None:
    response = upload(admin_client, GOOD, data={"dry_run": "1"})
    assert 'class="card ok"' in response.content.decode()
    assert not PopulationFigure.objects.filter(year=2023).exists()


def test_with_htmx_the_report_comes_as_a_fragment(admin_client: Client) -> None:
    response = upload(admin_client, BAD, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<table" in html
    assert "很多" in html
    response = upload(admin_client, GOOD, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert 'class="card ok"' in html


def test_an_upload_without_a_file_asks_for_one(admin_client: Client) -> None:
    response = admin_client.post("/imports/", {"kind": "population"})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()


def test_an_unknown_kind_is_not_found(admin_client: Client) -> None:
    assert upload(admin_client, GOOD, kind="nonsense").status_code == 404


# --- export ---------------------------------------------------------------------------------------


def test_the_export_page_lists_the_kinds(client: Client, xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    html = client.get("/imports/export/").content.decode()
    assert "/imports/export/regions?format=xlsx" in html
    assert "/imports/export/population?format=csv" in html


def test_export_file_is_an_xlsx_with_the_import_columns(client: Client, xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    response = client.get("/imports/export/population")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert 'filename="population.xlsx"' in response["Content-Disposition"]
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["region_code", "year", "population"]
    assert [(r[0], int(r[1]), int(r[2])) for r in rows[1:]] == [
        ("340603001001", 2021, 1000),
        ("340603001002", 2021, 2000),
    ]


def test_export_with_chinese_headers_imports_again_unchanged(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.get("/imports/export/regions", {"format": "xlsx", "labels": "zh"})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "区划代码"
    upload_file = SimpleUploadedFile("regions.xlsx", response.content, XLSX)
    response = client.post("/imports/", {"kind": "regions", "file": upload_file}, HTTP_HX_REQUEST="true")
    assert 'class="card ok"' in response.content.decode()
    assert not ChangeLog.objects.exists()  # nothing changed


def test_export_of_csv_has_a_bom_and_the_csv_type(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.get("/imports/export/regions", {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    assert response.content.decode("utf-8-sig").splitlines()[0].startswith("code,name,level")


def test_export_of_an_unknown_kind_is_not_found(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    assert client.get("/imports/export/nonsense").status_code == 404
