"""Writes of children: natural keys and merging, enrolment limits, hand-over, death, scope, bulk."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.people import actions as a
from laoxiao.people.actions.scope import NOT_REGISTRABLE
from laoxiao.people.models import Child, ChildHealthCheck, Guardian, Vaccination
from laoxiao.people.selectors.children import child_followup, child_get, health_worklist
from laoxiao.people.tests.factories import make_child, make_child_id, make_class, make_provider

D = dt.date
XS = "340603001001"  # 相山区 东街道1社区
SX = "340621100001"  # 濉溪县 濉溪镇1社区


@pytest.fixture
def xs_health(city: dict[str, Any]) -> Any:
    return make_user("xs_wj", ["health_county"], ["340603000000"])


def base(**extra: Any) -> dict[str, Any]:
    return {"name": "小明", "sex": "M", "birth_date": D(2025, 2, 1), "region_code": XS, **extra}


# --- natural key ----------------------------------------------------------------------------------


def test_a_child_by_certificate_then_with_id_number_is_one_child(admin_user: Any) -> None:
    child = a.child_upsert(actor=admin_user, data=base(birth_certificate_number="q340400001"))
    assert child.birth_certificate_number == "Q340400001" and child.id_number == ""
    again = a.child_upsert(actor=admin_user, data=base(birth_certificate_number="Q340400001"))
    assert again.pk == child.pk
    assert ChangeLog.objects.filter(target_type="people.child").count() == 1  # unchanged: no log
    number = make_child_id("340603", D(2025, 2, 1))
    merged = a.child_upsert(
        actor=admin_user, data=base(id_number=number, birth_certificate_number="Q340400001")
    )
    assert merged.pk == child.pk and Child.objects.count() == 1
    merged.refresh_from_db()
    assert merged.id_number == number
    by_id = a.child_upsert(actor=admin_user, data={"id_number": number, "name": "小明明"})
    assert by_id.pk == child.pk and by_id.name == "小明明"
    update = ChangeLog.objects.filter(target_type="people.child", action="update").order_by("id").first()
    assert update is not None and update.changes["id_number"][1] == number[:6] + "********" + number[-4:]


def test_sex_and_birth_date_come_from_the_id_number_and_must_match(admin_user: Any) -> None:
    number = make_child_id("340603", D(2025, 3, 4), sex="F")
    child = a.child_upsert(actor=admin_user, data={"id_number": number, "name": "小红", "region_code": XS})
    assert (child.sex, child.birth_date) == ("F", D(2025, 3, 4))
    other = make_child_id("340603", D(2025, 3, 4), 2, sex="F")
    with pytest.raises(ValidationError) as exc:
        a.child_upsert(actor=admin_user, data=base(id_number=other, sex="M", birth_date=D(2025, 3, 5)))
    assert set(exc.value.message_dict) == {"sex", "birth_date"}


def test_conflicting_keys_and_missing_keys_are_refused(admin_user: Any) -> None:
    a.child_upsert(actor=admin_user, data=base(birth_certificate_number="Q340400001"))
    first = make_child_id("340603", D(2025, 2, 1), 1)
    a.child_upsert(actor=admin_user, data=base(id_number=first, name="小刚"))
    with pytest.raises(ValidationError) as exc:  # the ID of one child and the certificate of another
        a.child_upsert(actor=admin_user, data=base(id_number=first, birth_certificate_number="Q340400001"))
    assert exc.value.message_dict == {"id_number": [str(NOT_REGISTRABLE)]}  # as a child elsewhere
    with pytest.raises(ValidationError) as exc:
        a.child_upsert(actor=admin_user, data=base())
    assert "id_number" in exc.value.message_dict
    assert Child.objects.count() == 2


def test_birth_date_limits(admin_user: Any) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        a.child_upsert(actor=admin_user, data=base(birth_certificate_number="Q1", birth_date=today))
    assert "birth_certificate_number" in exc.value.message_dict  # too short a certificate number
    with pytest.raises(ValidationError) as exc:
        a.child_upsert(
            actor=admin_user,
            data=base(birth_certificate_number="Q340400009", birth_date=today + dt.timedelta(days=1)),
        )
    assert "birth_date" in exc.value.message_dict
    eight = today.replace(year=today.year - 8)
    with pytest.raises(ValidationError):
        a.child_upsert(actor=admin_user, data=base(birth_certificate_number="Q340400008", birth_date=eight))
    # a child already on the registry is updated whatever their age
    old = make_child(birth=eight, cert="Q340400007")
    updated = a.child_upsert(
        actor=admin_user, data={"birth_certificate_number": "Q340400007", "name": "大明"}
    )
    assert updated.pk == old.pk and updated.name == "大明"


def test_the_region_must_be_a_community(admin_user: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        a.child_upsert(
            actor=admin_user, data=base(birth_certificate_number="Q340400001", region_code="340603001000")
        )
    assert "region_code" in exc.value.message_dict


# --- scope and sector -----------------------------------------------------------------------------


def test_a_health_officer_of_suixi_cannot_write_a_xiangshan_child(suixi_officer: Any) -> None:
    child = make_child(cert="Q340400001")
    with pytest.raises(NotFound):
        a.child_upsert(actor=suixi_officer, data=base(birth_certificate_number="Q340400002"))
    with pytest.raises(ValidationError) as exc:  # registered elsewhere: the answer of a conflict
        a.child_upsert(actor=suixi_officer, data=base(birth_certificate_number="Q340400001", region_code=SX))
    assert exc.value.message_dict == {"birth_certificate_number": [str(NOT_REGISTRABLE)]}
    with pytest.raises(NotFound):
        a.child_check_record(actor=suixi_officer, child=child, checked_on=D(2025, 3, 1), age_point="1m")
    with pytest.raises(NotFound):
        a.vaccination_record(actor=suixi_officer, child=child, vaccine="HepB", dose=1, given_on=D(2025, 2, 1))
    assert not ChildHealthCheck.objects.exists() and not Vaccination.objects.exists()
    mine = a.child_upsert(
        actor=suixi_officer, data=base(birth_certificate_number="Q340400003", region_code=SX)
    )
    assert mine.region_code == SX


def test_civil_affairs_without_the_health_sector_cannot_write_children(xiangshan_officer: Any) -> None:
    child = make_child(cert="Q340400001")
    with pytest.raises(PermissionDenied):
        a.child_upsert(actor=xiangshan_officer, data=base(birth_certificate_number="Q340400002"))
    with pytest.raises(PermissionDenied):
        a.vaccination_record(
            actor=xiangshan_officer, child=child, vaccine="HepB", dose=1, given_on=D(2025, 2, 1)
        )
    with pytest.raises(PermissionDenied):
        a.vaccinations_upsert_many(
            actor=xiangshan_officer,
            records=[{"child_id": child.pk, "vaccine": "HepB", "dose": 1, "given_on": D(2025, 2, 1)}],
        )
    assert Child.objects.count() == 1 and not Vaccination.objects.exists()


# --- guardians and enrolment ----------------------------------------------------------------------


def test_guardian_upsert_by_id_number(admin_user: Any) -> None:
    child = make_child(cert="Q340400001")
    number = make_child_id("340603", D(1993, 7, 7), sex="F")
    g = a.guardian_upsert(actor=admin_user, child=child, id_number=number, name="王芳", relation="母亲")
    again = a.guardian_upsert(
        actor=admin_user, child=child, id_number=number, name="王芳", relation="母亲", phone="13600000000"
    )
    assert g.pk == again.pk and Guardian.objects.count() == 1
    with pytest.raises(ValidationError):
        a.guardian_upsert(
            actor=admin_user,
            child=child,
            id_number=number[:-1] + "0" if number[-1] != "0" else number[:-1] + "1",
            name="王芳",
        )


def test_enrolment_respects_the_class_size(admin_user: Any) -> None:
    provider = make_provider()
    klass = make_class(provider, class_type="toddler", capacity=2)
    on = D(2026, 6, 1)
    kids = [make_child(name=f"童{i}", birth=D(2025, 2, 1), cert=f"Q34040000{i}") for i in range(3)]
    a.child_enrol(actor=admin_user, child=kids[0], provider=provider, childcare_class=klass, on=on)
    a.child_enrol(actor=admin_user, child=kids[1], provider=provider, childcare_class=klass, on=on)
    a.child_enrol(actor=admin_user, child=kids[1], provider=provider, childcare_class=klass, on=on)  # again
    with pytest.raises(ValidationError) as exc:
        a.child_enrol(actor=admin_user, child=kids[2], provider=provider, childcare_class=klass, on=on)
    assert "childcare_class" in exc.value.message_dict
    assert Child.objects.filter(childcare_class=klass).count() == 2
    a.child_enrol(actor=admin_user, child=kids[0], provider=None)  # leaves: a place frees up
    a.child_enrol(actor=admin_user, child=kids[2], provider=provider, childcare_class=klass, on=on)
    assert Child.objects.filter(childcare_class=klass).count() == 2


def test_enrolment_checks_the_age_band(admin_user: Any) -> None:
    provider = make_provider()
    infants = make_class(provider, class_type="infant", capacity=10)
    baby = make_child(birth=D(2025, 2, 1), cert="Q340400001")
    with pytest.raises(ValidationError):  # 3 months old: too young for an infant class (6–12 months)
        a.child_enrol(
            actor=admin_user, child=baby, provider=provider, childcare_class=infants, on=D(2025, 5, 1)
        )
    a.child_enrol(actor=admin_user, child=baby, provider=provider, childcare_class=infants, on=D(2025, 8, 1))
    with pytest.raises(ValidationError):  # 12 months old: a toddler now
        a.child_enrol(
            actor=admin_user, child=baby, provider=provider, childcare_class=infants, on=D(2026, 2, 1)
        )


# --- follow-up ------------------------------------------------------------------------------------


def test_vaccination_checks_dates_and_the_childs_edition(admin_user: Any) -> None:
    new = make_child(birth=D(2025, 2, 1), cert="Q340400001")  # 2025 edition
    old = make_child(birth=D(2024, 6, 15), cert="Q340400002")  # 2021 edition
    today = timezone.localdate()
    a.vaccination_record(actor=admin_user, child=new, vaccine="DTaP", dose=1, given_on=D(2025, 4, 1))
    a.vaccination_record(actor=admin_user, child=old, vaccine="DT", dose=1, given_on=D(2025, 4, 1))
    bad = [
        (new, "HepB", 1, D(2025, 1, 31), "given_on"),  # before birth
        (new, "HepB", 1, today + dt.timedelta(days=1), "given_on"),  # future
        (new, "DT", 1, D(2025, 4, 1), "dose"),  # not in the 2025 edition
        (old, "DTaP", 5, D(2025, 4, 1), "dose"),  # not in the 2021 edition
        (new, "HepB", 4, D(2025, 4, 1), "dose"),  # beyond the schedule
    ]
    for child, vaccine, dose, day, field in bad:
        with pytest.raises(ValidationError) as exc:
            a.vaccination_record(actor=admin_user, child=child, vaccine=vaccine, dose=dose, given_on=day)
        assert field in exc.value.message_dict
    assert Vaccination.objects.count() == 2
    # a second date corrects the first, logged as an update
    a.vaccination_record(actor=admin_user, child=new, vaccine="DTaP", dose=1, given_on=D(2025, 4, 2))
    assert Vaccination.objects.get(child=new, vaccine="DTaP").given_on == D(2025, 4, 2)
    assert ChangeLog.objects.filter(target_type="people.vaccination", action="update").count() == 1


def test_handover_moves_the_history_and_both_districts_see_it(
    admin_user: Any, suixi_officer: Any, xs_health: Any
) -> None:
    child = a.child_upsert(actor=admin_user, data=base(birth_certificate_number="Q340400001"))
    a.vaccination_record(actor=admin_user, child=child, vaccine="HepB", dose=1, given_on=D(2025, 2, 1))
    a.child_check_record(actor=admin_user, child=child, checked_on=D(2025, 3, 1), age_point="1m")
    a.newborn_visit_record(actor=admin_user, child=child, visited_on=D(2025, 2, 6))
    with pytest.raises(NotFound):  # the receiving side does not see the child yet
        a.child_handover(actor=suixi_officer, child=child, to_region_code=SX)
    a.child_handover(actor=xs_health, child=child, to_region_code=SX, on=D(2026, 1, 5))
    child.refresh_from_db()
    assert child.region_code == SX and child.region_id == SX
    assert set(Vaccination.objects.values_list("region_code", flat=True)) == {SX}
    assert set(ChildHealthCheck.objects.values_list("region_code", flat=True)) == {SX}
    rows = ChangeLog.objects.filter(action="handover")
    assert sorted(rows.values_list("region_code", flat=True)) == [XS, SX]
    assert ChangeLog.objects.visible_to(xs_health).filter(action="handover").count() == 1
    assert ChangeLog.objects.visible_to(suixi_officer).filter(action="handover").count() == 1
    assert child_get(actor=suixi_officer, pk=child.pk).pk == child.pk
    with pytest.raises(NotFound):
        child_get(actor=xs_health, pk=child.pk)
    f = child_followup(actor=suixi_officer, child=child, on=D(2025, 3, 2))
    assert f.newborn.status == "done" and {c.age_point: c.status for c in f.checks}["1m"] == "done"


def test_death_closes_follow_up(admin_user: Any) -> None:
    child = make_child(birth=D(2025, 2, 1), cert="Q340400001")
    a.vaccination_record(actor=admin_user, child=child, vaccine="HepB", dose=1, given_on=D(2025, 2, 1))
    with pytest.raises(ValidationError):  # a dose is recorded after that date
        a.child_death(actor=admin_user, child=child, died_on=D(2025, 1, 31))
    a.child_death(actor=admin_user, child=child, died_on=D(2025, 5, 1))
    with pytest.raises(ValidationError):
        a.vaccination_record(actor=admin_user, child=child, vaccine="HepB", dose=2, given_on=D(2025, 5, 2))
    a.vaccination_record(
        actor=admin_user, child=child, vaccine="HepB", dose=2, given_on=D(2025, 3, 1)
    )  # earlier
    f = child_followup(actor=admin_user, child=child, on=D(2025, 8, 1))
    assert f.closed and f.overdue_count == 0 and not f.open_items()
    assert health_worklist(actor=admin_user, region_code=XS, on=D(2025, 8, 1)) == []
    assert ChangeLog.objects.filter(target_type="people.child", action="status").count() == 1


# --- bulk -----------------------------------------------------------------------------------------


def test_bulk_children_merge_and_are_idempotent(admin_user: Any) -> None:
    number = make_child_id("340603", D(2025, 2, 1))
    guardian = make_child_id("340603", D(1993, 7, 7), sex="F")
    first = [
        {
            **base(birth_certificate_number="Q340400001"),
            "guardian_name": "王芳",
            "guardian_id_number": guardian,
        },
        base(birth_certificate_number="Q340400002", name="小二", region_code=SX),
    ]
    r1 = a.children_upsert_many(actor=admin_user, records=first)
    assert (r1.created, r1.updated, r1.unchanged) == (2, 0, 0)
    r2 = a.children_upsert_many(actor=admin_user, records=first)
    assert (r2.created, r2.updated, r2.unchanged) == (0, 0, 2)
    assert Guardian.objects.count() == 1
    r3 = a.children_upsert_many(
        actor=admin_user, records=[base(birth_certificate_number="Q340400001", id_number=number)]
    )
    assert (r3.created, r3.updated) == (0, 1)
    assert Child.objects.count() == 2
    assert Child.objects.get(name="小明").id_number == number


def test_bulk_follow_up_is_idempotent_and_summarised_in_the_log(admin_user: Any) -> None:
    kids = [
        make_child(name=f"童{i}", cert=f"Q34040000{i}", region_code=code)
        for i, code in enumerate([XS, XS, SX])
    ]
    records = [
        {"child_id": k.pk, "vaccine": v, "dose": 1, "given_on": D(2025, 2, 1)}
        for k in kids
        for v in ("HepB", "BCG")
    ]
    r1 = a.vaccinations_upsert_many(actor=admin_user, records=records)
    assert (r1.created, r1.updated, r1.unchanged) == (6, 0, 0)
    log = ChangeLog.objects.filter(target_type="people.vaccination")
    assert sorted((e.region_code, e.changes["rows"][1]) for e in log) == [(XS, 4), (SX, 2)]
    r2 = a.vaccinations_upsert_many(actor=admin_user, records=records)
    assert (r2.created, r2.updated, r2.unchanged) == (0, 0, 6)
    records[0]["given_on"] = D(2025, 2, 2)
    r3 = a.vaccinations_upsert_many(actor=admin_user, records=records)
    assert (r3.created, r3.updated, r3.unchanged) == (0, 1, 5)
    assert log.filter(action="update").count() == 1
    with pytest.raises(ValidationError):
        a.vaccinations_upsert_many(
            actor=admin_user,
            records=[{"child_id": kids[0].pk, "vaccine": "DT", "dose": 1, "given_on": D(2025, 3, 1)}],
        )
