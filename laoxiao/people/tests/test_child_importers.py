"""Imports of children and their follow-up: every bad cell reported, nothing written; idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from laoxiao.core.models import ChangeLog
from laoxiao.imports.exporters import export_table
from laoxiao.people.models import Child, ChildHealthCheck, Guardian, NewbornVisit, Vaccination
from laoxiao.people.tests.factories import make_child_id, make_class, make_provider, run_csv

D = dt.date
CHILD_HEADER = (
    "id_number,birth_certificate_number,name,sex,birth_date,discharge_date,region_code,"
    "guardian_id_number,guardian_name,guardian_phone,provider_uscc\n"
)
GUARDIAN = make_child_id("340603", D(1993, 7, 7), sex="F")
CHILDREN = (
    CHILD_HEADER
    + f",Q340400001,小一,F,2025-02-01,2025-02-04,340603001001,{GUARDIAN},家长小一,13600000000,\n"
    + ",Q340400002,小二,M,2024-05-05,2024-05-08,340603001002,,,,\n"
)
VISITS = "child_key,visited_on\nQ340400001,2025-02-08\n"
CHECKS = "child_key,checked_on,age_point\nQ340400001,2025-03-02,1m\nQ340400001,2025-05-02,3m\nQ340400002,2024-06-06,1m\n"
DOSES = (
    "child_key,vaccine,dose,given_on\n"
    "Q340400001,HepB,1,2025-02-01\nQ340400001,DTaP,1,2025-04-01\n"
    "Q340400002,HepB,1,2024-05-05\nQ340400002,DTaP,1,2024-08-05\nQ340400002,DT,1,2024-08-05\n"
)


def counts() -> tuple[int, ...]:
    return (
        Child.objects.count(),
        Guardian.objects.count(),
        NewbornVisit.objects.count(),
        ChildHealthCheck.objects.count(),
        Vaccination.objects.count(),
        ChangeLog.objects.count(),
    )


def load_all(actor: Any) -> None:
    for kind, text in (("children", CHILDREN), ("newborn-visits", VISITS), ("child-checks", CHECKS)):
        report = run_csv(kind, text, actor)
        assert report.ok and report.written, report.errors


def test_good_files_import_and_reimport_changes_nothing(admin_user: Any) -> None:
    load_all(admin_user)
    doses = DOSES.replace("Q340400002,DT,1,2024-08-05\n", "")  # DT 1 is due at 6 years: fine, but not now
    assert run_csv("vaccinations", doses, admin_user).ok
    before = counts()
    assert before[:5] == (2, 1, 1, 3, 4)
    for kind, text in (
        ("children", CHILDREN),
        ("newborn-visits", VISITS),
        ("child-checks", CHECKS),
        ("vaccinations", doses),
    ):
        report = run_csv(kind, text, admin_user)
        assert report.ok and report.result.created == report.result.updated == 0
    assert counts() == before


def test_certificate_then_id_number_in_a_later_file_updates_the_child(admin_user: Any) -> None:
    load_all(admin_user)
    number = make_child_id("340603", D(2025, 2, 1), sex="F")
    report = run_csv(
        "children", CHILD_HEADER + f"{number},Q340400001,小一,F,2025-02-01,,340603001001,,,,\n", admin_user
    )
    assert report.ok and report.result.updated == 1
    assert Child.objects.count() == 2
    # now the ID number is a child key too
    assert run_csv(
        "vaccinations", f"child_key,vaccine,dose,given_on\n{number},BCG,1,2025-02-01\n", admin_user
    ).ok


def test_bad_children_rows_are_each_reported_and_nothing_is_written(
    admin_user: Any, suixi_officer: Any
) -> None:
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    good_id = make_child_id("340603", D(2025, 2, 1))
    bad_id = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")
    bad_guardian = GUARDIAN[:-1] + ("0" if GUARDIAN[-1] != "0" else "1")
    text = (
        CHILD_HEADER
        + f"{bad_id},,甲,M,2025-02-01,,340603001001,,,,\n"  # 2 bad check digit
        + f",Q340400003,乙,F,2025-02-01,,340603001001,{bad_guardian},家长,,\n"  # 3 guardian's check digit
        + ",,丙,F,2025-02-01,,340603001001,,,,\n"  # 4 neither ID nor certificate
        + ",Q340400005,丁,F,2025-02-01,,340603001099,,,,\n"  # 5 unknown region
        + ",Q340400006,戊,F,2025-02-01,,340603001000,,,,\n"  # 6 a township
        + f",Q340400007,己,F,{future},,340603001001,,,,\n"  # 7 born in the future
        + f"{good_id},,庚,F,2025-02-01,,340603001001,,,,\n"  # 8 sex does not match the ID
        + ",Q340400009,辛,M,2025-02-01,,340603001001,,,,NOSUCHPROVIDER\n"  # 9 unknown provider
    )
    report = run_csv("children", text, admin_user)
    assert not report.written and counts() == (0, 0, 0, 0, 0, 0)
    got = {(e.row, e.column) for e in report.errors}
    assert got == {
        (2, "id_number"),
        (3, "guardian_id_number"),
        (4, "id_number"),
        (5, "region_code"),
        (6, "region_code"),
        (7, "birth_date"),
        (8, "sex"),
        (9, "provider_uscc"),
    }
    outside = run_csv(
        "children", CHILD_HEADER + ",Q340400010,壬,F,2025-02-01,,340603001001,,,,\n", suixi_officer
    )
    assert [(e.row, e.column) for e in outside.errors] == [(2, "region_code")]
    assert all(e.reason_en and e.reason_zh for e in report.errors)


def test_civil_affairs_may_not_import_children(xiangshan_officer: Any) -> None:
    report = run_csv("children", CHILDREN, xiangshan_officer)
    assert not report.ok and Child.objects.count() == 0


def test_bad_follow_up_rows_are_each_reported_and_nothing_is_written(admin_user: Any) -> None:
    load_all(admin_user)
    before = counts()
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    visits = run_csv(
        "newborn-visits", "child_key,visited_on\nQ340400001,2025-01-31\nQ999999999,2025-02-08\n", admin_user
    )
    assert [(e.row, e.column) for e in visits.errors] == [(2, "visited_on"), (3, "child_key")]
    checks = run_csv(
        "child-checks",
        f"child_key,checked_on,age_point\nQ340400001,{future},6m\nQ340400001,2025-08-01,7m\n",
        admin_user,
    )
    assert [(e.row, e.column) for e in checks.errors] == [(2, "checked_on"), (3, "age_point")]
    doses = run_csv(
        "vaccinations",
        "child_key,vaccine,dose,given_on\n"
        "Q340400001,XYZ,1,2025-02-01\n"  # unknown vaccine
        "Q340400001,DT,1,2025-02-01\n"  # not in the 2025 edition
        "Q340400002,DTaP,5,2024-06-01\n"  # not in the 2021 edition
        "Q340400001,HepB,4,2025-02-01\n"  # beyond the schedule
        "Q340400001,HepB,1,2025-01-30\n",  # before birth
        admin_user,
    )
    assert [(e.row, e.column) for e in doses.errors] == [
        (2, "vaccine"),
        (3, "dose"),
        (4, "dose"),
        (5, "dose"),
        (6, "given_on"),
    ]
    assert counts() == before


def test_a_follow_up_key_outside_the_importers_regions_is_unknown(
    admin_user: Any, suixi_officer: Any
) -> None:
    load_all(admin_user)
    report = run_csv(
        "vaccinations", "child_key,vaccine,dose,given_on\nQ340400001,BCG,1,2025-02-01\n", suixi_officer
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "child_key")]


def test_the_same_child_by_two_keys_in_one_file_is_a_duplicate(admin_user: Any) -> None:
    load_all(admin_user)
    number = make_child_id("340603", D(2025, 2, 1), sex="F")
    assert run_csv(
        "children", CHILD_HEADER + f"{number},Q340400001,小一,F,2025-02-01,,340603001001,,,,\n", admin_user
    ).ok
    report = run_csv(
        "child-checks",
        f"child_key,checked_on,age_point\nQ340400001,2025-08-01,6m\n{number},2025-08-02,6m\n",
        admin_user,
    )
    assert [(e.row, e.column) for e in report.errors] == [(3, "child_key")]


def test_export_masks_numbers_and_adds_follow_up(admin_user: Any) -> None:
    make_class(make_provider(uscc="52340603MA0000001X"))  # a provider takes children into its slots
    text = CHILDREN.replace("13600000000,\n", "13600000000,52340603MA0000001X\n")
    assert run_csv("children", text, admin_user).ok
    assert run_csv("vaccinations", DOSES.replace("Q340400002,DT,1,2024-08-05\n", ""), admin_user).ok
    header, rows = export_table("children", actor=admin_user)
    by_name = {r[header.index("name")]: dict(zip(header, r, strict=True)) for r in rows}
    one = by_name["小一"]
    assert one["birth_certificate_number"] == "Q3******01"
    assert one["guardian_id_number"] == GUARDIAN[:6] + "********" + GUARDIAN[-4:]
    assert one["guardian_phone"] == "136****0000"
    assert one["provider_uscc"] == "52340603MA0000001X"
    assert int(one["overdue_items"]) > 0 and one["next_due"]
    _h, vrows = export_table("vaccinations", actor=admin_user)
    assert len(vrows) == 4 and all("*" in r[0] for r in vrows)
