"""Reads of children: scoping by region and sector, lookups by key, follow-up, the work list."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.errors import NotFound
from laoxiao.people import actions as a
from laoxiao.people.models import Child, ChildHealthCheck, NewbornVisit, Vaccination
from laoxiao.people.selectors import children as sel
from laoxiao.people.tests.factories import make_child, make_child_id

D = dt.date
XS = "340603001001"
SX = "340621100001"


@pytest.fixture
def kids(admin_user: Any) -> dict[str, Any]:
    number = make_child_id("340603", D(2025, 2, 1))
    return {
        "xs": make_child(name="相山娃", cert="Q340400001", id_no=number, region_code=XS),
        "sx": make_child(name="濉溪娃", cert="Q340400002", region_code=SX),
        "number": number,
    }


def test_lists_are_scoped_by_region_and_sector(
    kids: dict[str, Any], suixi_officer: Any, xiangshan_officer: Any, nobody: Any, admin_user: Any
) -> None:
    on = D(2025, 6, 1)
    assert [c.name for c in sel.child_list(actor=suixi_officer, on=on)] == ["濉溪娃"]
    assert list(sel.child_list(actor=xiangshan_officer, on=on)) == []  # civil affairs: no children
    assert list(sel.child_list(actor=nobody, on=on)) == []
    assert {c.name for c in sel.child_list(actor=admin_user, on=on)} == {"相山娃", "濉溪娃"}
    assert [c.name for c in sel.child_list(actor=admin_user, region="340603000000", on=on)] == ["相山娃"]
    with pytest.raises(NotFound):
        sel.child_get(actor=suixi_officer, pk=kids["xs"].pk)
    with pytest.raises(NotFound):
        sel.child_get(actor=xiangshan_officer, pk=kids["xs"].pk)
    with pytest.raises(NotFound):
        sel.health_worklist(actor=suixi_officer, region_code=XS, on=on)
    with pytest.raises(NotFound):
        sel.child_followup(actor=suixi_officer, child=kids["xs"], on=on)


def test_lookup_by_either_key_uses_the_blind_index(
    kids: dict[str, Any], admin_user: Any, suixi_officer: Any
) -> None:
    assert sel.child_get_by_key(actor=admin_user, key=kids["number"]).pk == kids["xs"].pk
    assert sel.child_get_by_key(actor=admin_user, key="q340400001").pk == kids["xs"].pk
    assert [c.pk for c in sel.child_list(actor=admin_user, q=kids["number"], on=D(2025, 6, 1))] == [
        kids["xs"].pk
    ]
    with pytest.raises(NotFound):
        sel.child_get_by_key(actor=suixi_officer, key=kids["number"])
    with pytest.raises(NotFound):
        sel.child_get_by_key(actor=admin_user, key="Q000000000")


def test_children_age_out_of_lists_but_stay_on_the_registry(kids: dict[str, Any], admin_user: Any) -> None:
    # born 2025-02-01: 36 months on 2028-02-01, plus the 30-day window of the last check
    assert kids["xs"] in sel.child_list(actor=admin_user, on=D(2028, 3, 2))
    assert kids["xs"] not in sel.child_list(actor=admin_user, on=D(2028, 3, 3))
    assert kids["xs"] in sel.child_list(actor=admin_user, on=D(2028, 3, 3), current=False)
    assert sel.child_get_by_key(actor=admin_user, key="Q340400001").pk == kids["xs"].pk


def test_follow_up_and_work_list(kids: dict[str, Any], admin_user: Any) -> None:
    child = kids["xs"]
    a.vaccination_record(actor=admin_user, child=child, vaccine="HepB", dose=1, given_on=D(2025, 2, 1))
    a.vaccination_record(actor=admin_user, child=child, vaccine="BCG", dose=1, given_on=D(2025, 2, 1))
    a.newborn_visit_record(actor=admin_user, child=child, visited_on=D(2025, 2, 5))
    on = D(2025, 3, 10)
    f = sel.child_followup(actor=admin_user, child=child, on=on)
    assert f.edition == "2025" and f.newborn.status == "done"
    status = {v.label: v.status for v in f.vaccines}
    assert status["HepB 1"] == "done" and status["HepB 2"] == "due" and status["DTaP 1"] == "upcoming"
    assert {c.age_point: c.status for c in f.checks}["1m"] == "due"
    work = sel.health_worklist(actor=admin_user, region_code=XS, on=on)
    assert [e.child_id for e in work] == [child.pk]
    assert [(i.kind, i.code, i.status) for i in work[0].items] == [
        ("check", "1m", "due"),
        ("vaccine", "HepB 2", "due"),
    ]
    assert work[0].since == D(2025, 3, 1)
    # the other child has had nothing: overdue; the whole county's list holds only this community's child
    later = sel.health_worklist(actor=admin_user, region_code="340603000000", on=D(2025, 5, 1))
    assert [e.child_id for e in later] == [child.pk] and later[0].overdue
    assert list(sel.child_list(actor=admin_user, overdue=True, on=D(2025, 5, 1))) != []
    assert child in sel.child_list(actor=admin_user, overdue=True, on=D(2025, 5, 1))
    assert child not in sel.child_list(actor=admin_user, overdue=False, on=D(2025, 5, 1))


def test_a_community_officer_sees_only_their_community(kids: dict[str, Any], city: dict[str, Any]) -> None:
    officer = make_user("sx_c2", ["health_community"], ["340621100002"])
    assert list(sel.child_list(actor=officer, on=D(2025, 6, 1))) == []
    with pytest.raises(NotFound):
        sel.health_worklist(actor=officer, region_code=SX, on=D(2025, 6, 1))
    assert sel.health_worklist(actor=officer, region_code="340621100002", on=D(2025, 6, 1)) == []


def test_the_work_list_of_2000_children_takes_a_bounded_number_of_queries(
    admin_user: Any, django_assert_max_num_queries: Any
) -> None:
    births = [D(2024, 1, 1) + dt.timedelta(days=i % 900) for i in range(2000)]
    a.children_upsert_many(
        actor=admin_user,
        records=[
            {
                "birth_certificate_number": f"W{i:09d}",
                "name": f"童{i}",
                "sex": "F",
                "birth_date": b,
                "region_code": XS,
            }
            for i, b in enumerate(births)
        ],
    )
    ids = dict(sel.visible_children(admin_user).values_list("name", "pk"))
    a.vaccinations_upsert_many(
        actor=admin_user,
        records=[
            {"child_id": ids[f"童{i}"], "vaccine": v, "dose": 1, "given_on": b}
            for i, b in enumerate(births)
            for v in ("HepB", "BCG")
        ],
    )
    on = D(2026, 7, 1)
    admin = make_user("wl_admin", ["city_admin"], ["340600000000"])  # fresh: no cached permissions
    started = time.perf_counter()
    with django_assert_max_num_queries(12):
        work = sel.health_worklist(actor=admin, region_code=XS, on=on)
    elapsed = time.perf_counter() - started
    assert len(work) == 2000
    assert all(not any(i.code in ("HepB 1", "BCG 1") for i in e.items) for e in work)
    assert elapsed < 5  # generous for CI; a community of the demo city is far smaller


@pytest.mark.parametrize("shortcut", [True, False])
def test_overdue_filter_agrees_with_each_childs_followup(
    admin_user: Any, monkeypatch: Any, shortcut: bool
) -> None:
    """``overdue_child_ids`` (the list filter, with shortcuts) picks exactly the children whose whole
    follow-up has an overdue item, on several days, for children in every state."""

    def rec(c: Child, visit: dt.date | None = None, checks=(), doses=()) -> None:  # type: ignore[no-untyped-def]
        if visit:
            NewbornVisit.objects.create(child=c, region_code=c.region_code, visited_on=visit)
        for point, on in checks:
            ChildHealthCheck.objects.create(
                child=c, region_code=c.region_code, age_point=point, checked_on=on
            )
        for vaccine, dose, on in doses:
            Vaccination.objects.create(
                child=c, region_code=c.region_code, vaccine=vaccine, dose=dose, given_on=on
            )

    birth = D(2025, 1, 10)
    make_child(name="甲", birth=birth)  # nothing recorded
    visited = make_child(name="乙", birth=birth)
    rec(visited, visit=D(2025, 1, 15))
    vaccinated = make_child(name="丙", birth=birth)  # doses in time, no visit, no checks
    rec(vaccinated, doses=[("HepB", 1, birth), ("BCG", 1, birth), ("HepB", 2, D(2025, 2, 10))])
    everything = make_child(name="丁", birth=birth, discharge=D(2025, 1, 12))
    rec(
        everything,
        visit=D(2025, 1, 20),
        checks=[("1m", D(2025, 2, 10)), ("3m", D(2025, 4, 10))],
        doses=[("HepB", 1, birth), ("BCG", 1, birth), ("HepB", 2, D(2025, 2, 10))],
    )
    late_check = make_child(name="戊", birth=D(2024, 11, 30))
    rec(late_check, visit=D(2024, 12, 5), checks=[("1m", D(2025, 3, 1))])
    gone = make_child(name="己", birth=birth)
    Child.objects.filter(pk=gone.pk).update(moved_out_on=D(2025, 3, 1))
    if not shortcut:  # as where the doses' days do not follow the birth dates: every dose read
        monkeypatch.setattr(sel, "_missing_q", lambda overdue, records: None)
    children = Child.objects.all()
    answers = []
    for on in (D(2025, 1, 11), D(2025, 2, 5), D(2025, 2, 20), D(2025, 3, 15), D(2025, 5, 1), D(2025, 9, 1)):
        expected = sorted(
            pk for pk, f in sel.child_followups(children=children, on=on).items() if f.overdue_count
        )
        assert sorted(sel.overdue_child_ids(children=children, on=on)) == expected, on
        listed = sel.child_list(actor=admin_user, overdue=True, current=False, on=on)
        assert sorted(c.pk for c in listed) == expected
        answers.append(len(expected))
    assert max(answers) >= 4 and len(set(answers)) > 2  # the days differ
