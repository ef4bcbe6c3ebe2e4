"""core.bulk: upsert_rows, insert_rows and save_logged on a real database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core import bulk
from laoxiao.core.access import require_region
from laoxiao.core.crypto import blind_index
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.core.tests.testapp.models import Resident
from laoxiao.imports import base
from laoxiao.regions.models import PopulationFigure, Region
from laoxiao.supervision.models import Alert  # noqa: F401  (an app that is not renamed: importable)

XS1, XS2, SX1 = "340603001001", "340603001002", "340621100001"


def id_no(i: int) -> str:
    return f"34060319500101{i:04d}"


def resident(i: int, **extra: Any) -> dict[str, Any]:
    return {"id_number": id_no(i), "name": f"人{i}", "region_code": XS1, "phone": "", **extra}


def prepare_resident(rec: Mapping[str, Any], index: int) -> dict[str, Any]:
    """Validation and a derived field: the blind index of the ID number is the natural key."""
    number = str(rec.get("id_number") or "").strip()
    errors: dict[str, Any] = {}
    if len(number) != 18:
        errors["id_number"] = "Not an ID number."
    if "name" in rec and not str(rec["name"]).strip():
        errors["name"] = "A name is needed."
    if errors:
        raise ValidationError(errors)
    out = {k: rec[k] for k in ("name", "region_code", "phone") if k in rec}
    out["id_number"] = number
    out["id_number_hash"] = blind_index(number)
    return out


def upsert(actor: Any, records: list[dict[str, Any]], **kw: Any) -> bulk.WriteResult:
    return bulk.upsert_rows(
        Resident,
        records,
        actor=actor,
        key=("id_number_hash",),
        fields=("name", "region_code", "phone"),
        create_fields=("id_number",),
        prepare=prepare_resident,
        **kw,
    )


@pytest.fixture
def officer(city: dict[str, Any]) -> Any:
    return make_user("xs_mz", ["civil_affairs_county"], ["340603000000"])


def test_imports_base_keeps_the_names() -> None:
    assert base.WriteResult is bulk.WriteResult
    assert base.Progress is bulk.Progress
    assert base.chunks is bulk.chunks
    assert [list(c) for c in bulk.chunks([1, 2, 3, 4, 5], 2)] == [[1, 2], [3, 4], [5]]


@pytest.mark.django_db
def test_upsert_creates_updates_and_logs(officer: Any) -> None:
    seen: list[int] = []
    result = upsert(officer, [resident(i) for i in range(3)], progress=seen.append)
    assert result == bulk.WriteResult(created=3)
    assert sum(seen) == 3
    assert Resident.objects.count() == 3
    assert Resident.objects.get(id_number_hash=blind_index(id_no(1))).id_number == id_no(1)
    creates = ChangeLog.objects.filter(action=ChangeLog.Action.CREATE, target_type="core_testapp.resident")
    assert creates.count() == 3
    entry = creates.get(target_id=str(Resident.objects.get(name="人0").pk))
    assert entry.changes["name"] == [None, "人0"]
    assert entry.changes["id_number"][1] != id_no(0)  # masked
    assert entry.actor == officer

    result = upsert(officer, [resident(0), resident(1, name="新名"), resident(2, phone="13800001111")])
    assert result == bulk.WriteResult(updated=2, unchanged=1)
    updates = list(ChangeLog.objects.filter(action=ChangeLog.Action.UPDATE).order_by("id"))
    assert [set(e.changes) for e in updates] == [{"name"}, {"phone"}]
    assert updates[0].changes["name"] == ["人1", "新名"]
    assert updates[1].changes["phone"][0] == ""
    assert "13800001111" not in str(updates[1].changes)  # masked
    assert Resident.objects.get(name="新名").id_number == id_no(1)
    assert Resident.objects.get(name="人2").phone == "13800001111"


@pytest.mark.django_db
def test_no_op_rerun_writes_and_logs_nothing(officer: Any, django_assert_num_queries: Any) -> None:
    records = [resident(i) for i in range(5)]
    upsert(officer, records)
    logged = ChangeLog.objects.count()
    with django_assert_num_queries(1):  # one read, no write, no log
        result = upsert(officer, records)
    assert result == bulk.WriteResult(unchanged=5)
    assert ChangeLog.objects.count() == logged


@pytest.mark.django_db
def test_absent_keys_leave_values_alone(officer: Any) -> None:
    upsert(officer, [resident(1, phone="13800001111")])
    upsert(officer, [{"id_number": id_no(1), "name": "改"}])
    row = Resident.objects.get()
    assert (row.name, row.phone, row.region_code) == ("改", "13800001111", XS1)


@pytest.mark.django_db
def test_only_changed_fields_are_written(officer: Any, django_assert_num_queries: Any) -> None:
    upsert(officer, [resident(1), resident(2)])
    Resident.objects.filter(name="人2").update(phone="")  # untouched by the upsert below
    captured: list[str] = []
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        upsert(officer, [resident(1, name="甲")])
    captured = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(captured) == 1
    assert '"name"' in captured[0] and '"phone"' not in captured[0] and '"region_code"' not in captured[0]


@pytest.mark.django_db
def test_encrypted_key_field_change_updates_its_blind_index(officer: Any) -> None:
    upsert(officer, [resident(1)])
    row = Resident.objects.get()
    bulk.upsert_rows(
        Resident,
        [{"pk": row.pk, "id_number": id_no(9)}],
        actor=officer,
        key=("pk",),
        fields=("id_number",),
    )
    assert Resident.objects.get(id_number_hash=blind_index(id_no(9))).pk == row.pk


@pytest.mark.django_db
def test_query_count_does_not_grow_with_rows(officer: Any, django_assert_max_num_queries: Any) -> None:
    def run(n: int, start: int) -> None:
        upsert(officer, [resident(start + i) for i in range(n)], batch_size=500)

    # creates: read + insert + log + savepoint; SQLite splits an INSERT by its variable limit, so the
    # bound is per batch of the backend, not per row
    with django_assert_max_num_queries(12):
        run(10, 0)
    with django_assert_max_num_queries(12):
        run(400, 100)
    # updates of many rows: read + bulk_update + log
    with django_assert_max_num_queries(12):
        upsert(officer, [resident(100 + i, name=f"改{i}") for i in range(400)], batch_size=500)
    assert Resident.objects.filter(name__startswith="改").count() == 400


@pytest.mark.django_db
def test_errors_are_collected_by_row_and_nothing_is_written(officer: Any) -> None:
    records = [resident(1), {"id_number": "123", "name": ""}, resident(2), {"id_number": "x"}]
    with pytest.raises(bulk.RowErrors) as exc:
        upsert(officer, records, collect_errors=True)
    assert [(e.row, e.field) for e in exc.value.rows] == [(1, "id_number"), (1, "name"), (3, "id_number")]
    assert isinstance(exc.value, ValidationError)
    assert exc.value.message_dict["id_number"] == ["2: Not an ID number.", "4: Not an ID number."]
    assert not Resident.objects.exists() and not ChangeLog.objects.exists()
    # without collecting: the first error as the callers raised it
    with pytest.raises(ValidationError) as first:
        upsert(officer, records)
    assert not isinstance(first.value, bulk.RowErrors)
    assert set(first.value.message_dict) == {"id_number", "name"}
    assert not Resident.objects.exists()


@pytest.mark.django_db
def test_region_scope_of_the_actor(officer: Any) -> None:
    upsert(officer, [resident(1)])
    Resident.objects.update(region_code=SX1)  # now outside the officer's regions

    def check_existing(row: Resident, values: Mapping[str, Any]) -> None:
        require_region(officer, row.region_code)

    def check_new(values: Mapping[str, Any]) -> None:
        require_region(officer, values.get("region_code"))

    with pytest.raises(NotFound):
        upsert(officer, [resident(1, name="改")], check_existing=check_existing, check_new=check_new)
    with pytest.raises(NotFound):
        upsert(officer, [resident(2), resident(3, region_code=SX1)], check_new=check_new)
    assert Resident.objects.count() == 1 and Resident.objects.get().name == "人1"
    # a row the record does not change is not checked (nothing is written to it)
    assert upsert(officer, [resident(1, region_code=SX1)], check_existing=check_existing).unchanged == 1


@pytest.mark.django_db
def test_repeated_key_later_record_wins(officer: Any) -> None:
    result = upsert(officer, [resident(1), resident(1, name="后")])
    assert result.created == 1
    assert Resident.objects.get().name == "后"
    result = upsert(officer, [resident(1, name="甲"), resident(1, name="乙")])
    assert result == bulk.WriteResult(updated=1)
    entry = ChangeLog.objects.filter(action=ChangeLog.Action.UPDATE).get()
    assert entry.changes["name"] == ["后", "乙"]


@pytest.mark.django_db
def test_composite_key_summary_log_fk_and_after_write(city: dict[str, Any], officer: Any) -> None:
    PopulationFigure.objects.all().delete()
    calls: list[tuple[int, int]] = []

    def after(created: Any, updated: Any) -> list[ChangeLog]:
        calls.append((len(created), len(updated)))
        return []

    def build(values: Mapping[str, Any]) -> PopulationFigure:
        return PopulationFigure(region_id=values["region_code"], **values)

    def write(records: list[dict[str, Any]]) -> bulk.WriteResult:
        return bulk.upsert_rows(
            PopulationFigure,
            records,
            actor=officer,
            key=("region_code", "year"),
            fields=("population", "households"),
            build=build,
            queryset=PopulationFigure.objects.filter(year__gte=2020),
            log_created="summary",
            after_write=after,
        )

    rows = [{"region_code": c, "year": 2024, "population": 100} for c in (XS1, XS2, SX1)]
    assert write(rows).created == 3
    summaries = ChangeLog.objects.filter(target_type="regions.populationfigure", target_id="")
    assert sorted(summaries.values_list("region_code", flat=True)) == sorted([XS1, XS2, SX1])
    assert summaries.first().changes == {"rows": [None, 1]}  # type: ignore[union-attr]
    rows[1]["population"] = 200
    assert write(rows) == bulk.WriteResult(updated=1, unchanged=2)
    assert PopulationFigure.objects.get(region_code=XS2).population == 200
    assert Region.objects.get(code=XS2).population_figures.count() == 1
    assert calls == [(3, 0), (0, 1)]


@pytest.mark.django_db
def test_insert_rows(officer: Any, django_assert_max_num_queries: Any) -> None:
    records = [resident(i, region_code=XS1 if i % 2 else XS2) for i in range(300)]
    with django_assert_max_num_queries(5):
        rows = bulk.insert_rows(Resident, records, actor=officer, prepare=prepare_resident)
    assert len(rows) == 300 and Resident.objects.count() == 300
    summaries = ChangeLog.objects.filter(target_type="core_testapp.resident")
    assert {(e.region_code, e.changes["rows"][1]) for e in summaries} == {(XS1, 150), (XS2, 150)}
    mark = ChangeLog.objects.order_by("-id").values_list("id", flat=True).first()
    bulk.insert_rows(Resident, [resident(1000)], actor=officer, prepare=prepare_resident, log_created="row")
    assert ChangeLog.objects.get(id__gt=mark).target_id == str(Resident.objects.get(name="人1000").pk)
    with pytest.raises(bulk.RowErrors):
        bulk.insert_rows(
            Resident, [{"id_number": "1"}], actor=officer, prepare=prepare_resident, collect_errors=True
        )


@pytest.mark.django_db
def test_save_logged(officer: Any) -> None:
    row = Resident(region_code=XS1, id_number=id_no(1))
    changes = bulk.save_logged(row, actor=officer, values={"name": "甲", "phone": "13800001111"})
    assert row.pk and changes["name"] == [None, "甲"]
    created = ChangeLog.objects.get(action=ChangeLog.Action.CREATE)
    assert created.target_id == str(row.pk) and "13800001111" not in str(created.changes)

    assert bulk.save_logged(row, actor=officer, values={"name": "甲"}) == {}
    assert ChangeLog.objects.count() == 1

    changes = bulk.save_logged(row, actor=officer, values={"name": "乙"}, note="typo")
    assert changes == {"name": ["甲", "乙"]}
    entry = ChangeLog.objects.get(action=ChangeLog.Action.UPDATE)
    assert entry.changes == {"name": ["甲", "乙"]} and entry.note == "typo"
    assert Resident.objects.get(pk=row.pk).name == "乙"

    # the caller changed the instance; ``fields`` are diffed against the stored row
    row.id_number = id_no(2)
    changes = bulk.save_logged(
        row, actor=officer, fields=("name", "id_number"), action=ChangeLog.Action.STATUS
    )
    assert set(changes) == {"id_number"}
    assert Resident.objects.get(id_number_hash=blind_index(id_no(2))).pk == row.pk  # index saved too
    assert ChangeLog.objects.filter(action=ChangeLog.Action.STATUS).count() == 1

    # full_clean refuses: nothing written, nothing logged
    before = ChangeLog.objects.count()
    with pytest.raises(ValidationError):
        bulk.save_logged(row, actor=officer, values={"name": "x" * 51})
    assert Resident.objects.get(pk=row.pk).name == "乙"
    assert ChangeLog.objects.count() == before
