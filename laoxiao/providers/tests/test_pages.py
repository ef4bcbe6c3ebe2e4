"""Provider pages: they render, filter, paginate, and their forms call the actions and show what the
actions refuse."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from laoxiao.accounts.tests.factories import make_user
from laoxiao.providers.models import ChildcareClass, FilingDocument, Price, Provider, StaffMember
from laoxiao.providers.tests.factories import (
    STAFF_ID,
    STAFF_NAME,
    make_provider,
    make_staff,
    make_uscc,
    world,
)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def providers(city: dict[str, Any]) -> dict[str, Provider]:
    return world(city)


def test_list_filters_and_paginates(admin_user: Any, providers: Any) -> None:
    for n in range(55):
        make_provider(200 + n, region="340621100001", kind="community_centre")
    client = _client(admin_user)
    page = client.get("/providers/").content.decode()
    assert 'href="?page=2"' in page
    page = client.get("/providers/", {"kind": "childcare_centre"}).content.decode()
    assert providers["xs_child"].name in page and providers["xs_elder"].name not in page
    page = client.get("/providers/", {"filing_status": "draft"}).content.decode()
    assert "草稿养老院" in page and providers["xs_elder"].name not in page
    page = client.get("/providers/", {"q": "草稿"}).content.decode()
    assert "草稿养老院" in page
    page = client.get(
        "/providers/", {"county": "340603", "vacancy": "yes", "inclusive": "no"}
    ).content.decode()
    assert providers["xs_elder"].name in page and providers["sx_elder"].name not in page


def test_elder_care_detail_shows_every_section(xiangshan_officer: Any, providers: Any) -> None:
    p = providers["xs_elder"]
    make_staff(p)
    Price.objects.create(
        provider=p,
        region_code=p.region_code,
        item_id="bed_shared_month",
        price=1500,
        effective_from=dt.date(2024, 1, 1),
    )
    response = _client(xiangshan_officer).get(f"/providers/{p.uscc}/")
    assert response.status_code == 200
    page = response.content.decode()
    for anchor in (
        'id="profile"',
        'id="filing"',
        'id="capacity"',
        'id="medical"',
        'id="staff"',
        'id="prices"',
        'id="supervision"',
    ):
        assert anchor in page
    assert STAFF_NAME in page
    assert STAFF_ID not in page and "340603********1237" in page  # masked, with a reveal button
    assert "13912345678" not in page
    assert "doc-missing" in page
    assert "bed_shared_month" not in page or "床位费" in page
    assert 'value="suspended"' in page  # a filed provider can be suspended by its reviewing office


def test_childcare_detail_shows_classes_and_violations(suixi_officer: Any, providers: Any) -> None:
    p = providers["sx_child"]
    ChildcareClass.objects.create(
        provider=p, region_code=p.region_code, name="乳儿班A", class_type="infant", capacity=30, carers=1
    )
    page = _client(suixi_officer).get(f"/providers/{p.uscc}/").content.decode()
    assert "乳儿班A" in page
    assert 'class="violations"' in page
    assert 'id="medical"' not in page


def test_filing_buttons_call_the_action_and_show_its_refusal(xiangshan_officer: Any, city: Any) -> None:
    p = make_provider(90, status=Provider.FilingStatus.SUBMITTED, submitted_on=dt.date(2024, 5, 6))
    client = _client(xiangshan_officer)
    page = client.get(f"/providers/{p.uscc}/").content.decode()
    assert 'value="accepted"' in page and 'value="returned"' in page
    response = client.post(f"/providers/{p.uscc}/filing/", {"to_status": "returned"}, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    p.refresh_from_db()
    assert p.filing_status == "submitted"
    response = client.post(
        f"/providers/{p.uscc}/filing/",
        {"to_status": "returned", "reasons": "缺少消防验收\n场地证明过期"},
        follow=True,
    )
    p.refresh_from_db()
    assert p.filing_status == "returned"
    assert p.filing_events.last().reasons == ["缺少消防验收", "场地证明过期"]
    response = client.post(f"/providers/{p.uscc}/filing/", {"to_status": "filed"}, follow=True)
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_create_form_shows_the_actions_errors_then_creates(xiangshan_officer: Any, city: Any) -> None:
    client = _client(xiangshan_officer)
    assert client.get("/providers/new/").status_code == 200
    data = {
        "uscc": "913406030000000001",  # bad check digit
        "name": "新建养老院",
        "kind": "eldercare_home",
        "ownership": "private",
        "supply_tier": "market",
        "region_code": "340603001001",
        "beds": 50,
        "nursing_beds": 60,
        "occupied_beds": 0,
        "inclusive_slots": 0,
    }
    response = client.post("/providers/new/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "uscc" in form.errors
    assert not Provider.objects.filter(name="新建养老院").exists()
    data.update(uscc=make_uscc(91), nursing_beds=20)
    response = client.post("/providers/new/", data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    p = Provider.objects.get(name="新建养老院")
    assert response["Location"] == f"/providers/{p.uscc}/"
    assert p.filing_status == "draft"


def test_region_choices_are_the_officers_communities(xiangshan_officer: Any, city: Any) -> None:
    page = _client(xiangshan_officer).get("/providers/new/").content.decode()
    assert "340603001001" in page and "340621100001" not in page


def test_operator_edits_own_provider_but_not_official_fields(city: Any) -> None:
    own = make_provider(92, status=Provider.FilingStatus.DRAFT)
    operator = make_user("op92", ["provider_operator"], [], provider=own)
    client = _client(operator)
    response = client.get(f"/providers/{own.uscc}/edit/")
    assert response.status_code == 200
    assert response.context["form"].fields["supply_tier"].disabled
    data = {k: v for k, v in response.context["form"].initial.items() if v is not None}
    data.update(address="运营方新地址", supply_tier="inclusive")
    response = client.post(f"/providers/{own.uscc}/edit/", data)
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.address == "运营方新地址" and own.supply_tier == "market"
    page = client.get(f"/providers/{own.uscc}/").content.decode()
    assert 'value="submitted"' in page and 'value="accepted"' not in page
    response = client.post(f"/providers/{own.uscc}/filing/", {"to_status": "submitted"})
    own.refresh_from_db()
    assert own.filing_status == "submitted"


def test_sub_forms_call_the_actions(suixi_officer: Any, providers: Any) -> None:
    p = providers["sx_child"]
    client = _client(suixi_officer)
    base = f"/providers/{p.uscc}"
    assert client.get(f"{base}/classes/new/").status_code == 200
    response = client.post(
        f"{base}/classes/new/", {"name": "大班", "class_type": "older_toddler", "capacity": 99, "carers": 1}
    )
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(
        f"{base}/classes/new/", {"name": "大班", "class_type": "older_toddler", "capacity": 20, "carers": 3}
    )
    assert response.status_code == 302
    cls = ChildcareClass.objects.get(provider=p, name="大班")
    assert client.post(f"{base}/classes/{cls.pk}/delete/").status_code == 302
    assert not ChildcareClass.objects.filter(pk=cls.pk).exists()

    response = client.post(
        f"{base}/staff/new/",
        {"name": "李保育", "id_number": "not-an-id", "role": "nursery_nurse"},
    )
    assert response.status_code == 200 and "id_number" in response.context["form"].errors
    response = client.post(
        f"{base}/staff/new/",
        {
            "name": "李保育",
            "id_number": "11010519491231002X",
            "role": "nursery_nurse",
            "hired_on": "2024-02-01",
            "certificate_kind": "保育员",
            "certificate_number": "B-1",
            "certificate_expires_on": "2030-01-01",
        },
    )
    assert response.status_code == 302
    member = StaffMember.objects.get(name="李保育")
    assert member.certificates.get().number == "B-1"
    response = client.post(
        f"{base}/staff/{member.pk}/certificates/new/",
        {"certificate_kind": "健康证", "certificate_number": "H-1"},
    )
    assert response.status_code == 302 and member.certificates.count() == 2

    assert client.get(f"{base}/documents/new/").status_code == 200
    response = client.post(f"{base}/documents/new/", {"kind": "business_licence", "number": "BL-9"})
    assert response.status_code == 302
    assert FilingDocument.objects.get(provider=p, kind="business_licence").number == "BL-9"

    response = client.post(
        f"{base}/prices/new/",
        {"item_code": "childcare_full_day_month", "price": "1600", "effective_from": "2024-03-01"},
    )
    assert response.status_code == 302
    assert Price.objects.get(provider=p).price == 1600


def test_map_reviews_and_certificates_pages_render(admin_user: Any, providers: Any) -> None:
    client = _client(admin_user)
    page = client.get("/providers/map/").content.decode()
    assert (
        'id="provider-map"' in page
        and "/api/v1/providers/map" in page
        and "/regions/boundaries.geojson" in page
    )
    make_provider(95, status="submitted", submitted_on=dt.date(2020, 1, 6), name="久拖未审")
    assert "久拖未审" in client.get("/providers/reviews/").content.decode()
    make_staff(providers["xs_elder"], name="证将到期")
    assert "证将到期" in client.get("/providers/certificates/").content.decode()


def test_navigation_and_login_link(xiangshan_officer: Any, city: Any) -> None:
    page = _client(xiangshan_officer).get("/").content.decode()
    assert 'href="/providers/"' in page and 'href="/providers/map/"' in page
    login = Client().get("/login/").content.decode()
    assert 'href="/public/providers/"' in login


def test_operator_navigation_points_to_their_provider(city: Any) -> None:
    own = make_provider(96)
    operator = make_user("op96", ["provider_operator"], [], provider=own)
    page = _client(operator).get("/").content.decode()
    assert 'href="/providers/"' in page and 'href="/providers/map/"' not in page
