"""Reads of older people: scope and sector for every read path, filters, the follow-up, and the
work list's query count on a community of 5,000 people."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.errors import NotFound
from laoxiao.people import actions
from laoxiao.people.models import Elder
from laoxiao.people.selectors import elders as sel
from laoxiao.people.tests.factories import SX1, XS1, XS2, make_elder, make_elder_id, make_items


@pytest.fixture
def people(city: dict[str, Any], admin_user: Any) -> dict[str, Elder]:
    a = make_elder(admin_user, seq=1, region=XS1, living_arrangement="alone")
    b = make_elder(admin_user, seq=2, region=XS2, living_arrangement="with_family")
    c = make_elder(admin_user, seq=3, region=SX1, living_arrangement="empty_nest")
    actions.assessment_record(
        actor=admin_user, elder=b, assessed_on=dt.date(2024, 1, 1), reason="first", items=make_items(35)
    )
    actions.elder_set_categories(
        actor=admin_user, elder=c, categories=["dibao"], support_mode=None, on=dt.date(2023, 1, 1)
    )
    actions.health_check_record(actor=admin_user, elder=a, checked_on=dt.date(2024, 4, 1))
    actions.welfare_visit_record(actor=admin_user, elder=a, visited_on=dt.date(2024, 4, 2), mode="home")
    return {"a": a, "b": b, "c": c}


def test_list_scope_and_sector(
    people: dict[str, Elder], admin_user: Any, xiangshan_officer: Any, suixi_officer: Any, nobody: Any
) -> None:

    assert sel.elder_list(actor=admin_user).count() == 3
    assert {e.pk for e in sel.elder_list(actor=xiangshan_officer)} == {people["a"].pk, people["b"].pk}
    assert [e.pk for e in sel.elder_list(actor=suixi_officer)] == [
        people["c"].pk
    ]  # health: for health checks
    assert not sel.elder_list(actor=nobody).exists()
    operator = make_user("op", ["bureau_reporter"], ["340603000000"])
    assert not sel.elder_list(actor=operator).exists()  # no sector: nothing


def test_detail_and_id_lookup_answer_not_found_outside(
    people: dict[str, Elder], xiangshan_officer: Any
) -> None:
    a, c = people["a"], people["c"]
    assert sel.elder_get(actor=xiangshan_officer, pk=a.pk) == a
    assert sel.elder_get_by_id_number(actor=xiangshan_officer, id_number=a.id_number.lower()) == a
    with pytest.raises(NotFound):
        sel.elder_get(actor=xiangshan_officer, pk=c.pk)
    with pytest.raises(NotFound):
        sel.elder_get_by_id_number(actor=xiangshan_officer, id_number=c.id_number)
    with pytest.raises(NotFound):
        sel.elder_get_by_id_number(actor=xiangshan_officer, id_number="")


def test_filters(people: dict[str, Elder], admin_user: Any) -> None:
    a, b, c = people["a"], people["b"], people["c"]
    on = dt.date(2024, 6, 1)
    ids = lambda **kw: {e.pk for e in sel.elder_list(actor=admin_user, on=on, **kw)}  # noqa: E731
    assert ids(region="340603000000") == {a.pk, b.pk}
    assert ids(region=SX1) == {c.pk}
    assert ids(q=a.id_number) == {a.pk}
    assert ids(q="老人2") == {b.pk}
    assert ids(category="dibao") == {c.pk}
    assert ids(level="severe") == {b.pk}
    assert ids(on_visit_list=True) == {a.pk, b.pk, c.pk}
    actions.elder_upsert(
        actor=admin_user, data={"id_number": c.id_number, "living_arrangement": "with_family"}
    )
    assert ids(on_visit_list=False) == {c.pk}


def test_followup_is_the_whole_history(people: dict[str, Elder], xiangshan_officer: Any) -> None:

    f = sel.elder_followup(actor=xiangshan_officer, elder=people["a"])
    assert [v.visited_on for v in f.welfare_visits] == [dt.date(2024, 4, 2)]
    assert [h.checked_on for h in f.health_checks] == [dt.date(2024, 4, 1)]
    assert [c.action for c in f.changes] == ["create"]
    assert f.visit_reasons == ("alone",)
    health = make_user("xs_wj", ["health_county"], ["340603000000"])
    hf = sel.elder_followup(actor=health, elder=people["a"])
    assert len(hf.health_checks) == 1 and hf.welfare_visits == [] and hf.changes == []
    with pytest.raises(NotFound):
        sel.elder_followup(actor=xiangshan_officer, elder=people["c"])


def test_work_list_queries_are_bounded_on_a_community_of_5000(
    city: dict[str, Any], admin_user: Any, django_assert_max_num_queries: Any
) -> None:

    n = 5000
    arrangements = [
        "alone",
        "empty_nest",
        "with_family",
        "with_family",
        "with_family",
        "with_family",
        "left_behind",
    ]
    records = [
        {
            "id_number": make_elder_id(dt.date(1930 + i % 30, 1 + i % 12, 1 + i % 28), i, county="340603"),
            "name": f"人{i:05d}",
            "region_code": XS1,
            "living_arrangement": arrangements[i % 7],
            "categories": ["fp_special"] if i % 50 == 0 else [],
            "support_mode": "",
        }
        for i in range(n)
    ]
    assert actions.elders_upsert_many(actor=admin_user, records=records).created == n
    ids = list(Elder.objects.order_by("pk").values_list("pk", flat=True))
    actions.assessments_upsert_many(
        actor=admin_user,
        records=[
            {
                "elder_id": pk,
                "assessed_on": dt.date(2024, 1, 10),
                "reason": "first",
                "items": make_items(20 + (k * 7) % 71),
            }
            for k, pk in enumerate(ids[::5])
        ],
    )
    actions.welfare_visits_upsert_many(
        actor=admin_user,
        records=[
            {"elder_id": pk, "visited_on": dt.date(2024, 3, 1 + k % 28), "mode": "home"}
            for k, pk in enumerate(ids[::2])
        ],
    )
    worker = make_user("grid", ["community_worker"], [XS1])
    worker.region_prefixes()
    worker.sectors()  # permissions cached, as they are within one request
    with django_assert_max_num_queries(4):  # two rules, the people, their categories
        started = time.perf_counter()
        rows = sel.visit_worklist(actor=worker, region_code=XS1, month=dt.date(2024, 3, 1))
        elapsed = time.perf_counter() - started
    assert 1000 < len(rows) < n
    assert all(r.reasons for r in rows)
    assert any(r.visited for r in rows) and any(r.overdue for r in rows)
    print(f"work list of {len(rows)} from {n}: {elapsed * 1000:.0f} ms")
