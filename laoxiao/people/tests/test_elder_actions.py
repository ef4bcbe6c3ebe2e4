"""Writes of older people: upsert by ID number, categories, assessments, visits, checks, hand-over,
death, scope and sector, and the bulk upserts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.core.selectors import changelog_list
from laoxiao.people import actions
from laoxiao.people.models import AbilityAssessment, Elder, ElderCategory, HealthCheck, WelfareVisit
from laoxiao.people.tests.factories import SX1, XS1, XS2, make_elder, make_elder_id, make_items


def test_upsert_updates_rather_than_duplicates(city: dict[str, Any], xiangshan_officer: Any) -> None:
    number = make_elder_id(dt.date(1944, 2, 3), 7)
    first = actions.elder_upsert(
        actor=xiangshan_officer,
        data={"id_number": number, "name": "张三", "region_code": XS1, "phone": "13800000001"},
    )
    assert (first.sex, first.birth_date) == ("M", dt.date(1944, 2, 3))
    again = actions.elder_upsert(
        actor=xiangshan_officer,
        data={"id_number": number.lower(), "name": "张三丰", "living_arrangement": "alone"},
    )
    assert again.pk == first.pk
    assert Elder.objects.count() == 1
    again.refresh_from_db()
    assert (again.name, again.phone, again.living_arrangement) == ("张三丰", "13800000001", "alone")
    log = ChangeLog.objects.filter(target_type="people.elder", target_id=str(first.pk)).order_by("id")
    assert [e.action for e in log] == ["create", "update"]
    assert log[0].changes["id_number"][1] == "340603********" + number[-4:]  # logged masked
    # the same data again changes nothing
    actions.elder_upsert(actor=xiangshan_officer, data={"id_number": number, "name": "张三丰"})
    assert log.count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"id_number": "34060319440203001X"}, "id_number"),  # wrong check digit
        (
            {
                "id_number": make_elder_id(
                    timezone.localdate().replace(year=timezone.localdate().year - 59), 1
                )
            },
            "id_number",
        ),
        ({"region_code": "340603001000"}, "region_code"),  # a township, not a community
        ({"region_code": "340603001099"}, "region_code"),  # not loaded
        ({"living_arrangement": "castle"}, "living_arrangement"),
        ({"name": ""}, "name"),
    ],
)
def test_upsert_validation(
    city: dict[str, Any], xiangshan_officer: Any, data: dict[str, Any], field: str
) -> None:
    payload = {"id_number": make_elder_id(dt.date(1944, 2, 3), 7), "name": "张三", "region_code": XS1, **data}
    with pytest.raises(ValidationError) as exc:
        actions.elder_upsert(actor=xiangshan_officer, data=payload)
    assert field in exc.value.message_dict
    assert not Elder.objects.exists()


def test_scope_an_officer_of_suixi_cannot_write_a_xiangshan_elder(
    city: dict[str, Any], admin_user: Any, suixi_officer: Any
) -> None:

    elder = make_elder(admin_user, seq=1)
    suixi_civil = make_user("sx_mz", ["civil_affairs_county"], ["340621000000"])
    with pytest.raises(ValidationError):  # registered elsewhere: the answer of a conflict (handover.py)
        actions.elder_upsert(actor=suixi_civil, data={"id_number": elder.id_number, "name": "改名"})
    with pytest.raises(NotFound):
        actions.welfare_visit_record(
            actor=suixi_civil, elder=elder, visited_on=dt.date(2024, 1, 2), mode="home"
        )
    with pytest.raises(NotFound):
        actions.health_check_record(actor=suixi_officer, elder=elder, checked_on=dt.date(2024, 1, 2))
    with pytest.raises(NotFound):  # creating in another county
        make_elder(suixi_civil, seq=2, region=XS2)
    elder.refresh_from_db()
    assert elder.name == "老人1"


def test_sector_a_health_officer_writes_health_checks_but_not_categories(
    city: dict[str, Any], admin_user: Any
) -> None:

    elder = make_elder(admin_user, seq=1)
    health = make_user("xs_wj", ["health_county"], ["340603000000"])
    with pytest.raises(PermissionDenied):
        actions.elder_set_categories(
            actor=health, elder=elder, categories=["dibao"], support_mode=None, on=dt.date(2024, 1, 1)
        )
    with pytest.raises(PermissionDenied):
        actions.assessment_record(
            actor=health,
            elder=elder,
            assessed_on=dt.date(2024, 1, 1),
            reason="first",
            items=make_items(50),
        )
    check = actions.health_check_record(
        actor=health, elder=elder, checked_on=dt.date(2024, 3, 1), provider="社区卫生服务中心"
    )
    assert check.region_code == XS1
    assert not ElderCategory.objects.exists()


def test_categories_open_and_close(city: dict[str, Any], xiangshan_officer: Any) -> None:
    elder = make_elder(xiangshan_officer, seq=1)
    d1, d2 = dt.date(2023, 1, 1), dt.date(2024, 1, 1)
    actions.elder_set_categories(
        actor=xiangshan_officer,
        elder=elder,
        categories=["extreme_poverty", "fp_special"],
        support_mode="dispersed",
        on=d1,
    )
    actions.elder_set_categories(
        actor=xiangshan_officer,
        elder=elder,
        categories=["extreme_poverty"],
        support_mode="institutional",
        on=d2,
    )
    rows = list(ElderCategory.objects.filter(elder=elder).order_by("category", "valid_from"))
    assert [(r.category, r.support_mode, r.valid_from, r.valid_to) for r in rows] == [
        ("extreme_poverty", "dispersed", d1, d2 - dt.timedelta(days=1)),
        ("extreme_poverty", "institutional", d2, None),
        ("fp_special", "", d1, d2 - dt.timedelta(days=1)),
    ]
    with pytest.raises(ValidationError) as exc:
        actions.elder_set_categories(
            actor=xiangshan_officer, elder=elder, categories=["dibao"], support_mode="dispersed", on=d2
        )
    assert "support_mode" in exc.value.message_dict
    with pytest.raises(ValidationError):
        actions.elder_set_categories(
            actor=xiangshan_officer, elder=elder, categories=["extreme_poverty"], support_mode=None, on=d2
        )


def test_assessment_is_scored_with_the_rule_and_due_again(
    city: dict[str, Any], xiangshan_officer: Any
) -> None:
    elder = make_elder(xiangshan_officer, seq=1)
    a = actions.assessment_record(
        actor=xiangshan_officer,
        elder=elder,
        assessed_on=dt.date(2023, 8, 31),
        reason="first",
        items=make_items(70),
        dementia=True,
        assessor="王评估",
    )
    assert (a.total, a.preliminary_level, a.level) == (70, "mild", "moderate")
    assert a.next_due_on == dt.date(2024, 2, 29)
    assert a.rule_version == "assessment.scoring@2022-12-30"
    assert a.self_care + a.mobility + a.mental + a.perception == 70
    with pytest.raises(ValidationError) as exc:
        actions.assessment_record(
            actor=xiangshan_officer,
            elder=elder,
            assessed_on=dt.date(2023, 9, 1),
            reason="first",
            items={**make_items(70), "stairs": 4},
        )
    assert "stairs" in exc.value.message_dict
    with pytest.raises(ValidationError):
        actions.assessment_record(
            actor=xiangshan_officer,
            elder=elder,
            assessed_on=timezone.localdate() + dt.timedelta(1),
            reason="first",
            items=make_items(70),
        )
    assert AbilityAssessment.objects.count() == 1


def test_visit_dates(city: dict[str, Any], xiangshan_officer: Any) -> None:
    elder = make_elder(xiangshan_officer, seq=1, birth=dt.date(1950, 3, 4))
    for bad in (dt.date(1950, 3, 3), timezone.localdate() + dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as exc:
            actions.welfare_visit_record(actor=xiangshan_officer, elder=elder, visited_on=bad, mode="home")
        assert "visited_on" in exc.value.message_dict
    with pytest.raises(ValidationError):
        actions.welfare_visit_record(
            actor=xiangshan_officer, elder=elder, visited_on=dt.date(2024, 1, 1), mode="letter"
        )
    v = actions.welfare_visit_record(
        actor=xiangshan_officer,
        elder=elder,
        visited_on=dt.date(2024, 1, 1),
        mode="home",
        needs="助餐",
        routed_to_region="340603000000",
    )
    assert v.routed_to_region == "340603000000"
    with pytest.raises(ValidationError):  # under 65 on the day
        actions.health_check_record(actor=xiangshan_officer, elder=elder, checked_on=dt.date(2014, 1, 1))


def test_handover_is_seen_by_both_districts(
    city: dict[str, Any], admin_user: Any, xiangshan_officer: Any
) -> None:

    elder = make_elder(xiangshan_officer, seq=1, living_arrangement="alone")
    actions.welfare_visit_record(
        actor=xiangshan_officer, elder=elder, visited_on=dt.date(2024, 1, 5), mode="home"
    )
    actions.assessment_record(
        actor=xiangshan_officer,
        elder=elder,
        assessed_on=dt.date(2024, 1, 6),
        reason="first",
        items=make_items(50),
    )
    actions.elder_set_categories(
        actor=xiangshan_officer, elder=elder, categories=["dibao"], support_mode=None, on=dt.date(2024, 1, 1)
    )
    actions.elder_handover(actor=xiangshan_officer, elder=elder, to_region_code=SX1, on=dt.date(2024, 2, 1))
    elder.refresh_from_db()
    assert elder.region_code == SX1
    for model in (WelfareVisit, AbilityAssessment, ElderCategory):
        assert set(model.objects.filter(elder=elder).values_list("region_code", flat=True)) == {SX1}
    suixi_civil = make_user("sx_mz", ["civil_affairs_county"], ["340621000000"])
    for actor, code in ((xiangshan_officer, XS1), (suixi_civil, SX1)):
        seen = changelog_list(actor=actor, action="handover", target_id=str(elder.pk))
        assert [(e.region_code, e.changes["region_code"]) for e in seen] == [(code, [XS1, SX1])]
    # now 濉溪 owns the record: 相山 can no longer write it
    with pytest.raises(NotFound):
        actions.welfare_visit_record(
            actor=xiangshan_officer, elder=elder, visited_on=dt.date(2024, 2, 5), mode="home"
        )
    actions.welfare_visit_record(actor=suixi_civil, elder=elder, visited_on=dt.date(2024, 2, 5), mode="home")


def test_a_changed_region_in_an_upsert_is_a_handover(city: dict[str, Any], admin_user: Any) -> None:
    elder = make_elder(admin_user, seq=1)
    actions.elder_upsert(actor=admin_user, data={"id_number": elder.id_number, "region_code": SX1})
    assert ChangeLog.objects.filter(action="handover", target_id=str(elder.pk)).count() == 2


def test_death_closes_follow_up(city: dict[str, Any], xiangshan_officer: Any) -> None:
    elder = make_elder(xiangshan_officer, seq=1)
    actions.elder_set_categories(
        actor=xiangshan_officer,
        elder=elder,
        categories=["fp_special", "dibao"],
        support_mode=None,
        on=dt.date(2023, 1, 1),
    )
    actions.welfare_visit_record(
        actor=xiangshan_officer, elder=elder, visited_on=dt.date(2024, 3, 1), mode="home"
    )
    with pytest.raises(ValidationError):  # a visit is recorded after that day
        actions.elder_death(actor=xiangshan_officer, elder=elder, died_on=dt.date(2024, 2, 1))
    actions.elder_death(actor=xiangshan_officer, elder=elder, died_on=dt.date(2024, 3, 10))
    assert set(ElderCategory.objects.filter(elder=elder).values_list("valid_to", flat=True)) == {
        dt.date(2024, 3, 10)
    }
    for record in (
        lambda: actions.welfare_visit_record(
            actor=xiangshan_officer, elder=elder, visited_on=dt.date(2024, 3, 11), mode="home"
        ),
        lambda: actions.health_check_record(
            actor=xiangshan_officer, elder=elder, checked_on=dt.date(2024, 3, 11)
        ),
        lambda: actions.assessment_record(
            actor=xiangshan_officer,
            elder=elder,
            assessed_on=dt.date(2024, 3, 11),
            reason="routine",
            items=make_items(50),
        ),
    ):
        with pytest.raises(ValidationError):
            record()
    assert ChangeLog.objects.filter(action="status", target_id=str(elder.pk)).count() == 1


# --- bulk ----------------------------------------------------------------------------------------


def test_bulk_upserts_are_idempotent(city: dict[str, Any], admin_user: Any) -> None:
    records = [
        {
            "id_number": make_elder_id(dt.date(1930 + i % 20, 1 + i % 12, 1 + i % 28), i),
            "name": f"批量{i}",
            "region_code": XS1 if i % 2 else XS2,
            "living_arrangement": "alone" if i % 3 == 0 else "with_family",
            "categories": ["dibao"] if i % 5 == 0 else [],
            "support_mode": "",
        }
        for i in range(50)
    ]
    r1 = actions.elders_upsert_many(actor=admin_user, records=records)
    assert (r1.created, r1.updated, r1.unchanged) == (50, 0, 0)
    logs = ChangeLog.objects.count()
    r2 = actions.elders_upsert_many(actor=admin_user, records=records)
    assert (r2.created, r2.updated, r2.unchanged) == (0, 0, 50)
    assert ChangeLog.objects.count() == logs
    assert ElderCategory.objects.count() == 10
    ids = dict(Elder.objects.values_list("name", "pk"))
    visits = [
        {"elder_id": ids[f"批量{i}"], "visited_on": dt.date(2024, 1, 2), "mode": "home", "visitor": "网格员"}
        for i in range(50)
    ]
    checks = [
        {"elder_id": ids[f"批量{i}"], "checked_on": dt.date(2024, 5, 6), "complete": True} for i in range(50)
    ]
    assessments = [
        {
            "elder_id": ids[f"批量{i}"],
            "assessed_on": dt.date(2023, 6, 1),
            "reason": "first",
            "items": make_items(i + 20),
        }
        for i in range(50)
    ]
    for fn, recs in (
        (actions.welfare_visits_upsert_many, visits),
        (actions.health_checks_upsert_many, checks),
        (actions.assessments_upsert_many, assessments),
    ):
        assert fn(actor=admin_user, records=recs).created == 50
        again = fn(actor=admin_user, records=recs)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 50)
    assert AbilityAssessment.objects.get(elder_id=ids["批量30"]).level == "moderate"  # total 50
    # one change: updated, logged
    records[1] = {**records[1], "name": "改名"}
    r3 = actions.elders_upsert_many(actor=admin_user, records=records)
    assert (r3.created, r3.updated, r3.unchanged) == (0, 1, 49)
    assert HealthCheck.objects.count() == 50


def test_bulk_refuses_out_of_scope_and_bad_dates(
    city: dict[str, Any], admin_user: Any, xiangshan_officer: Any
) -> None:

    elder = make_elder(admin_user, seq=1, region=SX1)
    with pytest.raises(NotFound):
        actions.welfare_visits_upsert_many(
            actor=xiangshan_officer,
            records=[{"elder_id": elder.pk, "visited_on": dt.date(2024, 1, 1), "mode": "home"}],
        )
    sx = make_user("sx_mz", ["civil_affairs_county"], ["340621000000"])
    with pytest.raises(ValidationError):
        actions.welfare_visits_upsert_many(
            actor=sx, records=[{"elder_id": elder.pk, "visited_on": dt.date(1900, 1, 1), "mode": "home"}]
        )
    assert not WelfareVisit.objects.exists()
