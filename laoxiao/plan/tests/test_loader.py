"""The reference data the migration loads, and the loader that loads it."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from laoxiao.accounts.models import ResponsibleUnit
from laoxiao.plan.loader import load_reference_data, read_data
from laoxiao.plan.models import Indicator, PlanTask, PlanTaskUnit

pytestmark = pytest.mark.django_db

ELDERCARE = [f"E{n:02d}" for n in range(1, 17)]
CHILDCARE = [f"C{n:02d}" for n in range(1, 11)]


def test_the_26_indicators_in_table_order():
    assert list(Indicator.objects.values_list("code", flat=True)) == ELDERCARE + CHILDCARE
    assert set(Indicator.objects.filter(sector="eldercare").values_list("code", flat=True)) == set(ELDERCARE)
    assert set(Indicator.objects.filter(sector="childcare").values_list("code", flat=True)) == set(CHILDCARE)


@pytest.mark.parametrize(
    ("code", "baseline", "target", "comparator"),
    [
        ("E01", "95", "95", "gte"),
        ("E02", "99.1", "95", "gte"),
        ("E03", "50.83", "60", "gte"),
        ("E06", "49", "52", "gte"),
        ("E13", "0.3", "1", "gte"),
        ("E14", None, "20", "gte"),
        ("C01", "94.2", "90", "gt"),
        ("C02", "94.41", "90", "gt"),
        ("C05", "0.56", "4.6", "gte"),
        ("C06", None, "80", "gte"),
        ("C07", None, "1800", "gte"),
        ("C10", None, "85", "gte"),
    ],
)
def test_baselines_targets_and_comparators_as_the_plan_writes_them(code, baseline, target, comparator):
    ind = Indicator.objects.get(code=code)
    assert ind.baseline == (None if baseline is None else Decimal(baseline))
    assert ind.target == Decimal(target)
    assert ind.comparator == comparator


def test_units_of_measure_kinds_sources_and_responsible_units():
    ind = {i.code: i for i in Indicator.objects.all()}
    assert ind["E09"].unit == "岁" and ind["E10"].unit == "万元" and ind["C03"].unit == "家"
    assert ind["C05"].unit == "个" and ind["E12"].unit == "人" and ind["E03"].unit == "%"
    reported = {"E01", "E02", "E09", "E10", "E14", "E15"}  # E05: computed from residential projects
    assert {c for c, i in ind.items() if i.kind == "reported"} == reported
    assert {c for c, i in ind.items() if i.source == "表1"} == set(ELDERCARE + CHILDCARE) - {"C10"}
    assert ind["C10"].source == "整体目标"
    assert ind["E01"].responsible_unit_id == "human_resources"
    assert ind["E02"].responsible_unit_id == "medical_insurance"
    assert ind["E03"].responsible_unit_id == "civil_affairs"
    assert all(ind[c].responsible_unit_id == "health_commission" for c in CHILDCARE)
    assert "（" not in ind["E03"].name and "%" not in ind["E03"].name


def test_the_37_tasks_and_their_units():
    assert PlanTask.objects.count() == 37
    assert list(PlanTask.objects.values_list("code", flat=True)) == [f"T{n:02d}" for n in range(1, 38)]
    t37 = PlanTask.objects.get(code="T37")
    assert t37.text == "严防养老托育领域非法集资"
    assert [u.code for u in t37.ordered_units] == [
        "civil_affairs",
        "health_commission",
        "public_security",
        "market_regulation",
        "pboc_huaibei",
        "local_finance",
        "cbirc_huaibei",
    ]
    assert t37.lead_unit.code == "civil_affairs"
    assert [u.code for u in PlanTask.objects.get(code="T22").ordered_units] == ["education"]
    assert PlanTaskUnit.objects.count() == 143
    assert PlanTaskUnit.objects.filter(is_lead=True).count() == 37
    assert all(tu.is_lead == (tu.order == 1) for tu in PlanTaskUnit.objects.all())
    assert all(t.text_en for t in PlanTask.objects.all())


def test_one_unit_for_each_spelling_the_plan_uses():
    names = dict(ResponsibleUnit.objects.values_list("code", "name"))
    assert len(names) == 24
    assert names["human_resources"] == "市人社局"
    assert names["county_governments"] == "各县区政府"
    hr = ResponsibleUnit.objects.get(code="human_resources")
    assert "市人力社保局" in hr.aliases and hr.note
    # the task written with the variant spellings points to the same units
    assert {u.code for u in PlanTask.objects.get(code="T23").ordered_units} >= {
        "human_resources",
        "medical_insurance",
    }
    assert {u.code for u in PlanTask.objects.get(code="T30").ordered_units} >= {"economy_it", "local_finance"}
    assert PlanTask.objects.get(code="T07").lead_unit.code == "civil_affairs"
    assert "county_governments" in [u.code for u in PlanTask.objects.get(code="T07").ordered_units]
    # every unit is named by some task
    assert not ResponsibleUnit.objects.filter(task_units__isnull=True).exists()


def test_the_data_files_agree_with_each_other():
    units = read_data("units.json")
    spellings = [u["name"] for u in units] + [a for u in units for a in u["aliases"]]
    assert len(spellings) == len(set(spellings))
    assert [u["order"] for u in units] == list(range(1, len(units) + 1))
    assert [i["order"] for i in read_data("indicators.json")] == list(range(1, 27))
    assert all(isinstance(i["target"], Decimal | int) for i in read_data("indicators.json"))


def test_loading_again_changes_nothing():
    before = list(Indicator.objects.values()) + list(PlanTaskUnit.objects.values("task", "unit", "order"))
    counts = load_reference_data()
    assert {k: (c.created, c.updated, c.deleted) for k, c in counts.items()} == {
        "plans": (0, 0, 0),
        "measures": (0, 0, 0),
        "units": (0, 0, 0),
        "indicators": (0, 0, 0),
        "tasks": (0, 0, 0),
        "task_units": (0, 0, 0),
    }
    assert counts["indicators"].total == 26 and counts["task_units"].total == 143
    after = list(Indicator.objects.values()) + list(PlanTaskUnit.objects.values("task", "unit", "order"))
    assert before == after


def test_loading_repairs_what_was_changed():
    Indicator.objects.filter(code="E03").update(target=Decimal("61"), comparator="eq")
    PlanTaskUnit.objects.filter(task__code="T37", unit_id="public_security").delete()
    PlanTaskUnit.objects.create(task=PlanTask.objects.get(code="T22"), unit_id="civil_affairs", order=2)
    PlanTask.objects.filter(code="T01").delete()

    counts = load_reference_data()

    assert counts["indicators"].updated == 1
    assert counts["tasks"].created == 1
    assert counts["task_units"].deleted == 1
    e03 = Indicator.objects.get(code="E03")
    assert (e03.target, e03.comparator) == (Decimal("60"), "gte")
    assert [u.code for u in PlanTask.objects.get(code="T22").ordered_units] == ["education"]
    assert len(PlanTask.objects.get(code="T37").ordered_units) == 7
    assert PlanTaskUnit.objects.count() == 143


def test_the_loader_works_with_the_migrations_historical_models():
    state = MigrationExecutor(connection).loader.project_state(("plan", "0002_reference_data"))
    counts = load_reference_data(state.apps)
    assert sum(c.created + c.updated + c.deleted for c in counts.values()) == 0


def test_the_command_reloads_and_prints_counts():
    Indicator.objects.filter(code="C05").update(target=Decimal("5"))
    out = StringIO()
    call_command("load-reference", stdout=out)
    text = out.getvalue()
    assert "indicators: 26 (0 created, 1 updated, 0 removed)" in text
    assert "tasks: 37" in text and "units: 24" in text
    assert Indicator.objects.get(code="C05").target == Decimal("4.6")
    out = StringIO()
    call_command("load-reference", stdout=out)
    assert "Nothing to change." in out.getvalue()
