"""Provider writes: registry, the filing workflow, documents, classes, staff, prices; who may do what."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from laoxiao.accounts.tests.factories import make_user
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.providers import actions
from laoxiao.providers.models import (
    Certificate,
    ChildcareClass,
    FilingDocument,
    FilingEvent,
    MarketReferencePrice,
    Provider,
    StaffMember,
)
from laoxiao.providers.tests.factories import make_documents, make_id_number, make_uscc, provider

D = dt.date


def _data(**extra: Any) -> dict[str, Any]:
    data = {
        "uscc": make_uscc(),
        "name": "相山区颐养院",
        "kind": "eldercare_home",
        "ownership": "private",
        "supply_tier": "inclusive",
        "region_code": "340603001001",
        "beds": 120,
        "nursing_beds": 70,
    }
    data.update(extra)
    return data


def _logs(obj: Any, action: str | None = None) -> list[ChangeLog]:
    qs = ChangeLog.objects.filter(target_type=obj._meta.label_lower, target_id=str(obj.pk))
    return list(qs.filter(action=action) if action else qs)


@pytest.fixture
def xs_health(city: Any) -> Any:
    return make_user("xs_wj", ["health_county"], ["340603000000"])


@pytest.fixture
def xs_township(city: Any) -> Any:
    return make_user("xs_town", ["civil_affairs_township"], ["340603001000"])


# --- registry ------------------------------------------------------------------------------------


def test_create_registers_a_draft_and_logs_it(xiangshan_officer: Any) -> None:
    inst = actions.provider_create(actor=xiangshan_officer, data=_data())
    assert (
        inst.filing_status == "draft"
        and inst.region_code == "340603001001"
        and inst.region_id == "340603001001"
    )
    (entry,) = _logs(inst, "create")
    assert entry.changes["beds"] == [None, 120] and entry.actor == xiangshan_officer
    assert list(inst.filing_events.values_list("from_status", "to_status")) == [("", "draft")]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"uscc": "91340603MA2T000006"}, "uscc"),  # wrong check character
        ({"nursing_beds": 121}, "nursing_beds"),
        ({"occupied_beds": 121}, "occupied_beds"),
        ({"kind": "nope"}, "kind"),
        ({"region_code": "340603001000"}, "region_code"),  # a township
        ({"region_code": "340603001009"}, "region_code"),  # not loaded
    ],
)
def test_create_refuses_bad_data(xiangshan_officer: Any, extra: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.provider_create(actor=xiangshan_officer, data=_data(**extra))
    assert field in exc.value.message_dict
    assert not Provider.objects.exists()


def test_childcare_providers_have_no_beds(xs_health: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        actions.provider_create(actor=xs_health, data=_data(kind="childcare_centre", nursing_beds=0))
    assert "beds" in exc.value.message_dict
    inst = actions.provider_create(
        actor=xs_health, data=_data(kind="childcare_centre", beds=0, nursing_beds=0)
    )
    assert inst.kind == "childcare_centre"


def test_create_refuses_a_duplicate_credit_code(xiangshan_officer: Any) -> None:
    data = _data()
    actions.provider_create(actor=xiangshan_officer, data=data)
    with pytest.raises(ValidationError) as exc:
        actions.provider_create(actor=xiangshan_officer, data={**data, "name": "又一个"})
    assert "uscc" in exc.value.message_dict


def test_create_outside_the_regions_or_sector(
    xiangshan_officer: Any, suixi_officer: Any, nobody: Any
) -> None:
    with pytest.raises(NotFound):
        actions.provider_create(
            actor=suixi_officer, data=_data(kind="childcare_centre", beds=0, nursing_beds=0)
        )
    with pytest.raises(NotFound):
        actions.provider_create(actor=nobody, data=_data())
    with pytest.raises(PermissionDenied):  # civil affairs does not register childcare providers
        actions.provider_create(
            actor=xiangshan_officer, data=_data(kind="childcare_centre", beds=0, nursing_beds=0)
        )


def test_update_logs_the_diff_and_is_a_no_op_when_unchanged(xiangshan_officer: Any) -> None:
    inst = actions.provider_create(actor=xiangshan_officer, data=_data())
    actions.provider_update(
        actor=xiangshan_officer, provider=inst, data={"beds": 130, "name": "相山区颐养院"}
    )
    inst.refresh_from_db()
    assert inst.beds == 130
    (entry,) = _logs(inst, "update")
    assert entry.changes == {"beds": [120, 130]}
    actions.provider_update(actor=xiangshan_officer, provider=inst, data={"beds": 130})
    assert len(_logs(inst, "update")) == 1
    with pytest.raises(ValidationError):
        actions.provider_update(actor=xiangshan_officer, provider=inst, data={"nursing_beds": 131})
    with pytest.raises(ValidationError):
        actions.provider_update(actor=xiangshan_officer, provider=inst, data={"filing_status": "filed"})


def test_an_officer_of_another_county_cannot_update(
    xiangshan_officer: Any, suixi_officer: Any, nobody: Any
) -> None:
    inst = actions.provider_create(actor=xiangshan_officer, data=_data())
    for actor in (suixi_officer, nobody):
        with pytest.raises(NotFound):
            actions.provider_update(actor=actor, provider=inst, data={"beds": 10})
    assert Provider.objects.get(pk=inst.pk).beds == 120


def test_a_health_officer_cannot_update_an_elder_care_home(xiangshan_officer: Any, xs_health: Any) -> None:
    inst = actions.provider_create(actor=xiangshan_officer, data=_data())
    with pytest.raises(PermissionDenied):
        actions.provider_update(actor=xs_health, provider=inst, data={"beds": 10})


def test_operators_edit_their_own_provider_only(city: Any) -> None:
    mine, other = provider(), provider()
    op = make_user("op", ["provider_operator"], [], provider=mine)
    actions.provider_update(actor=op, provider=mine, data={"address": "新地址"})
    assert Provider.objects.get(pk=mine.pk).address == "新地址"
    with pytest.raises(NotFound):
        actions.provider_update(actor=op, provider=other, data={"address": "x"})
    with pytest.raises(PermissionDenied):  # a decision of the authorities
        actions.provider_update(actor=op, provider=mine, data={"supply_tier": "inclusive"})


def test_moving_a_provider_moves_its_rows(xiangshan_officer: Any) -> None:
    inst = actions.provider_create(actor=xiangshan_officer, data=_data())
    actions.document_upsert(actor=xiangshan_officer, provider=inst, kind="fire_safety", number="XF1")
    actions.provider_update(actor=xiangshan_officer, provider=inst, data={"region_code": "340603001002"})
    assert FilingDocument.objects.get(provider=inst).region_code == "340603001002"
    with pytest.raises(NotFound):
        actions.provider_update(actor=xiangshan_officer, provider=inst, data={"region_code": "340621100001"})


# --- filing workflow -----------------------------------------------------------------------------


def test_the_whole_workflow_of_an_elder_care_home(xiangshan_officer: Any) -> None:
    inst = provider()
    op = make_user("op", ["provider_operator"], [], provider=inst)
    actions.filing_transition(actor=op, provider=inst, to_status="submitted", on=D(2024, 3, 1))
    assert inst.filing_status == "submitted" and inst.submitted_on == D(2024, 3, 1)
    with pytest.raises(PermissionDenied):  # the operator does not review
        actions.filing_transition(actor=op, provider=inst, to_status="accepted")
    actions.filing_transition(actor=xiangshan_officer, provider=inst, to_status="accepted", on=D(2024, 3, 4))
    with pytest.raises(ValidationError) as exc:  # documents missing
        actions.filing_transition(actor=xiangshan_officer, provider=inst, to_status="filed", on=D(2024, 3, 5))
    assert len(exc.value.message_dict["documents"]) == 4
    assert Provider.objects.get(pk=inst.pk).filing_status == "accepted"
    make_documents(inst)
    event = actions.filing_transition(
        actor=xiangshan_officer, provider=inst, to_status="filed", on=D(2024, 3, 5)
    )
    assert (event.from_status, event.to_status, event.actor_name) == ("accepted", "filed", "xs_mz")
    inst.refresh_from_db()
    assert (inst.filing_status, inst.accepted_on, inst.filed_on) == ("filed", D(2024, 3, 4), D(2024, 3, 5))
    actions.filing_transition(actor=xiangshan_officer, provider=inst, to_status="suspended", note="整改")
    actions.filing_transition(actor=xiangshan_officer, provider=inst, to_status="filed")
    assert Provider.objects.get(pk=inst.pk).filed_on == D(2024, 3, 5)  # reinstated, same filing date
    actions.filing_transition(actor=xiangshan_officer, provider=inst, to_status="closed")
    steps = list(inst.filing_events.values_list("from_status", "to_status"))
    assert steps == [
        ("draft", "submitted"),
        ("submitted", "accepted"),
        ("accepted", "filed"),
        ("filed", "suspended"),
        ("suspended", "filed"),
        ("filed", "closed"),
    ]
    status_logs = _logs(inst, "status")
    assert len(status_logs) == 6
    assert {"filing_status": ["accepted", "filed"], "filed_on": [None, "2024-03-05"]} in [
        e.changes for e in status_logs
    ]


def test_returning_needs_reasons_and_resubmission_restarts_the_clock(xiangshan_officer: Any) -> None:
    inst = provider(status="submitted", submitted_on=D(2024, 3, 1))
    with pytest.raises(ValidationError) as exc:
        actions.filing_transition(actor=xiangshan_officer, provider=inst, to_status="returned", reasons=[" "])
    assert "reasons" in exc.value.message_dict
    event = actions.filing_transition(
        actor=xiangshan_officer,
        provider=inst,
        to_status="returned",
        reasons=["缺消防证明"],
        on=D(2024, 3, 4),
    )
    assert event.reasons == ["缺消防证明"]
    assert "缺消防证明" in _logs(inst, "status")[0].note
    actions.filing_transition(
        actor=xiangshan_officer, provider=inst, to_status="submitted", on=D(2024, 3, 10)
    )
    assert Provider.objects.get(pk=inst.pk).submitted_on == D(2024, 3, 10)
    actions.filing_transition(actor=xiangshan_officer, provider=inst, to_status="accepted")
    with pytest.raises(ValidationError):
        actions.filing_transition(actor=xiangshan_officer, provider=inst, to_status="returned")
    actions.filing_transition(
        actor=xiangshan_officer, provider=inst, to_status="returned", reasons=["场地不符"]
    )
    assert Provider.objects.get(pk=inst.pk).accepted_on is not None


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("draft", "filed"),
        ("draft", "accepted"),
        ("submitted", "filed"),
        ("filed", "submitted"),
        ("closed", "filed"),
        ("draft", "bogus"),
    ],
)
def test_transitions_outside_the_workflow_are_refused(xiangshan_officer: Any, start: str, to: str) -> None:
    inst = provider(status=start)
    with pytest.raises(ValidationError) as exc:
        actions.filing_transition(actor=xiangshan_officer, provider=inst, to_status=to)
    assert "to_status" in exc.value.message_dict
    assert not FilingEvent.objects.filter(provider=inst).exists()


def test_withdrawals(xiangshan_officer: Any) -> None:
    draft, filed = provider(), provider(status="filed")
    op = make_user("op", ["provider_operator"], [], provider=filed)
    actions.filing_transition(actor=xiangshan_officer, provider=draft, to_status="withdrawn")
    actions.filing_transition(actor=op, provider=filed, to_status="withdrawn")
    assert set(Provider.objects.values_list("filing_status", flat=True)) == {"withdrawn"}


def test_only_the_county_office_of_the_sector_reviews(
    xiangshan_officer: Any, xs_health: Any, xs_township: Any, suixi_officer: Any, admin_user: Any
) -> None:
    home = provider(status="submitted", submitted_on=D(2024, 3, 1))
    with pytest.raises(PermissionDenied):  # a township officer may submit but not review
        actions.filing_transition(actor=xs_township, provider=home, to_status="accepted")
    with pytest.raises(PermissionDenied):  # health does not review elder care
        actions.filing_transition(actor=xs_health, provider=home, to_status="accepted")
    with pytest.raises(NotFound):
        actions.filing_transition(actor=suixi_officer, provider=home, to_status="accepted")
    actions.filing_transition(actor=admin_user, provider=home, to_status="accepted")
    centre = provider(kind="childcare_centre", status="submitted", submitted_on=D(2024, 3, 1))
    with pytest.raises(PermissionDenied):
        actions.filing_transition(actor=xiangshan_officer, provider=centre, to_status="accepted")
    actions.filing_transition(actor=xs_health, provider=centre, to_status="accepted")
    suixi_centre = provider(
        kind="childcare_centre", region="340621100001", status="submitted", submitted_on=D(2024, 3, 1)
    )
    actions.filing_transition(actor=suixi_officer, provider=suixi_centre, to_status="accepted")


def test_expired_documents_and_class_violations_block_filing(xs_health: Any) -> None:
    centre = provider(kind="childcare_centre", status="accepted")
    make_documents(centre, expires_on=D(2024, 1, 31))
    ChildcareClass.objects.create(  # written before the rules, breaking the ratio
        provider=centre,
        region_code=centre.region_code,
        name="托小班",
        class_type="toddler",
        capacity=15,
        carers=2,
    )
    with pytest.raises(ValidationError) as exc:
        actions.filing_transition(actor=xs_health, provider=centre, to_status="filed", on=D(2024, 2, 1))
    errors = exc.value.message_dict
    assert (
        len(errors["documents"]) == 4
    )  # the expiring ones: licence, premises, health certificates, evaluation
    assert len(errors["classes"]) == 1
    actions.filing_transition(
        actor=xs_health, provider=centre, to_status="filed", on=D(2024, 1, 31)
    ) if False else None
    ChildcareClass.objects.filter(provider=centre).update(carers=3)
    actions.filing_transition(actor=xs_health, provider=centre, to_status="filed", on=D(2024, 1, 31))
    assert Provider.objects.get(pk=centre.pk).filing_status == "filed"


# --- documents, classes, agreements --------------------------------------------------------------


def test_document_upsert(xiangshan_officer: Any) -> None:
    inst = provider()
    with pytest.raises(ValidationError) as exc:
        actions.document_upsert(actor=xiangshan_officer, provider=inst, kind="passport", number="1")
    assert "kind" in exc.value.message_dict
    with pytest.raises(ValidationError):
        actions.document_upsert(
            actor=xiangshan_officer,
            provider=inst,
            kind="fire_safety",
            number="1",
            issued_on=D(2024, 1, 2),
            expires_on=D(2024, 1, 1),
        )
    doc = actions.document_upsert(actor=xiangshan_officer, provider=inst, kind="fire_safety", number="XF-1")
    same = actions.document_upsert(actor=xiangshan_officer, provider=inst, kind="fire_safety", number="XF-1")
    assert doc.pk == same.pk and len(_logs(doc)) == 1
    actions.document_upsert(actor=xiangshan_officer, provider=inst, kind="fire_safety", number="XF-2")
    assert _logs(doc, "update")[0].changes == {"number": ["XF-1", "XF-2"]}


def test_class_upsert_follows_the_class_rules(xs_health: Any, admin_user: Any) -> None:
    centre = provider(kind="childcare_centre")
    cls = actions.class_upsert(
        actor=xs_health, provider=centre, name="乳儿班", class_type="infant", capacity=10, carers=4
    )
    with pytest.raises(ValidationError) as exc:
        actions.class_upsert(
            actor=xs_health, provider=centre, name="乳儿班", class_type="infant", capacity=11, carers=4
        )
    assert "capacity" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        actions.class_upsert(
            actor=xs_health, provider=centre, name="乳儿班", class_type="infant", capacity=10, carers=3
        )
    assert "carers" in exc.value.message_dict
    actions.class_upsert(
        actor=xs_health, provider=centre, name="乳儿班", class_type="infant", capacity=9, carers=3
    )
    cls.refresh_from_db()
    assert cls.capacity == 9 and _logs(cls, "update")[0].changes == {"capacity": [10, 9], "carers": [4, 3]}
    actions.class_delete(actor=xs_health, cls=cls)
    assert not ChildcareClass.objects.exists()
    assert ChangeLog.objects.filter(action="delete", target_type="providers.childcareclass").count() == 1
    home = provider()
    with pytest.raises(PermissionDenied):  # health does not work with elder-care homes
        actions.class_upsert(
            actor=xs_health, provider=home, name="x", class_type="infant", capacity=1, carers=1
        )
    with pytest.raises(ValidationError):  # an elder-care home has no classes
        actions.class_upsert(
            actor=admin_user, provider=home, name="x", class_type="infant", capacity=1, carers=1
        )


def test_home_points_take_five_children_at_most(xs_health: Any) -> None:
    home = provider(kind="home_childcare")
    actions.class_upsert(actor=xs_health, provider=home, name="A", class_type="mixed", capacity=3, carers=1)
    with pytest.raises(ValidationError) as exc:
        actions.class_upsert(
            actor=xs_health, provider=home, name="B", class_type="mixed", capacity=3, carers=1
        )
    assert "capacity" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # 5 children need 2 carers in all
        actions.class_upsert(
            actor=xs_health, provider=home, name="B", class_type="mixed", capacity=2, carers=0
        )
    assert "carers" in exc.value.message_dict
    actions.class_upsert(actor=xs_health, provider=home, name="B", class_type="mixed", capacity=2, carers=1)


def test_agreements(xiangshan_officer: Any) -> None:
    home = provider()
    a = actions.agreement_add(
        actor=xiangshan_officer, provider=home, partner="市人民医院", signed_on=D(2023, 1, 1)
    )
    b = actions.agreement_add(
        actor=xiangshan_officer, provider=home, partner="市人民医院", signed_on=D(2023, 1, 1)
    )
    assert a.pk == b.pk and a.region_code == home.region_code and len(_logs(a)) == 1
    with pytest.raises(ValidationError):
        actions.agreement_add(
            actor=xiangshan_officer,
            provider=home,
            partner="x",
            signed_on=D(2023, 1, 2),
            expires_on=D(2023, 1, 1),
        )


# --- staff ---------------------------------------------------------------------------------------


def test_staff_upsert_by_id_number(xiangshan_officer: Any) -> None:
    home = provider()
    number = make_id_number()
    with pytest.raises(ValidationError) as exc:
        actions.staff_upsert(
            actor=xiangshan_officer,
            provider=home,
            id_number=number[:-1] + ("0" if number[-1] != "0" else "1"),
            name="张三",
            role="eldercare_worker",
        )
    assert "id_number" in exc.value.message_dict
    member = actions.staff_upsert(
        actor=xiangshan_officer, provider=home, id_number=number, name="张三", role="eldercare_worker"
    )
    again = actions.staff_upsert(
        actor=xiangshan_officer,
        provider=home,
        id_number=number.lower(),
        name="张三",
        role="eldercare_worker",
        hired_on=D(2022, 1, 1),
    )
    assert again.pk == member.pk and StaffMember.objects.count() == 1
    created = _logs(member, "create")[0].changes
    assert created["id_number"][1] == number[:6] + "********" + number[-4:]  # logged masked
    cert = actions.certificate_upsert(
        actor=xiangshan_officer, staff=member, kind="养老护理员证", number="Z1", expires_on=D(2026, 1, 1)
    )
    actions.certificate_upsert(
        actor=xiangshan_officer, staff=member, kind="养老护理员证", number="Z1", expires_on=D(2027, 1, 1)
    )
    assert (
        Certificate.objects.get(pk=cert.pk).expires_on == D(2027, 1, 1) and Certificate.objects.count() == 1
    )
    with pytest.raises(ValidationError):
        actions.staff_upsert(
            actor=xiangshan_officer, provider=home, id_number=number, name="张三", role="pilot"
        )


# --- prices --------------------------------------------------------------------------------------


def test_prices(xiangshan_officer: Any, admin_user: Any) -> None:
    home = provider()
    line = actions.price_set(
        actor=xiangshan_officer,
        provider=home,
        item_code="bed_shared_month",
        price="1200",
        effective_from=D(2024, 1, 1),
    )
    assert line.price == decimal.Decimal("1200.00") and line.region_code == home.region_code
    actions.price_set(
        actor=xiangshan_officer,
        provider=home,
        item_code="bed_shared_month",
        price=1200,
        effective_from=D(2024, 1, 1),
    )
    assert len(_logs(line)) == 1
    with pytest.raises(ValidationError) as exc:
        actions.price_set(
            actor=xiangshan_officer,
            provider=home,
            item_code="childcare_hourly",
            price=30,
            effective_from=D(2024, 1, 1),
        )
    assert "item_code" in exc.value.message_dict
    with pytest.raises(ValidationError):
        actions.price_set(
            actor=xiangshan_officer,
            provider=home,
            item_code="meal",
            price=-1,
            effective_from=D(2024, 1, 1),
        )
    with pytest.raises(PermissionDenied):
        actions.reference_price_set(
            actor=xiangshan_officer, item_code="bed_shared_month", year=2024, price=1500
        )
    ref = actions.reference_price_set(
        actor=admin_user, item_code="bed_shared_month", year=2024, price=1500, source="调查"
    )
    actions.reference_price_set(
        actor=admin_user, item_code="bed_shared_month", year=2024, price=1500, source="调查"
    )
    assert MarketReferencePrice.objects.get().price == decimal.Decimal("1500.00")
    assert [e.region_code for e in _logs(ref)] == ["340600000000"]


# --- bulk ----------------------------------------------------------------------------------------


def test_bulk_upsert_is_idempotent(admin_user: Any) -> None:
    records = [
        {**_data(), "filing_status": "filed", "filed_on": D(2021, 6, 1), "lon": 116.8, "lat": 33.9},
        {**_data(kind="childcare_centre", beds=0, nursing_beds=0, region_code="340621100001")},
    ]
    first = actions.providers_upsert(actor=admin_user, records=records)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    logs = ChangeLog.objects.count()
    events = FilingEvent.objects.count()
    second = actions.providers_upsert(actor=admin_user, records=records)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert ChangeLog.objects.count() == logs and FilingEvent.objects.count() == events
    filed = Provider.objects.get(uscc=records[0]["uscc"])
    assert filed.filing_events.get().on_date == D(2021, 6, 1)
    third = actions.providers_upsert(actor=admin_user, records=[{**records[0], "beds": 130}])
    assert third.updated == 1 and ChangeLog.objects.count() == logs + 1


def test_bulk_upsert_checks_scope(xiangshan_officer: Any) -> None:
    with pytest.raises(NotFound):
        actions.providers_upsert(actor=xiangshan_officer, records=[_data(region_code="340621100001")])
