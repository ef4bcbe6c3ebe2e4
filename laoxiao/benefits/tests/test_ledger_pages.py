"""The ledger pages: balances, an account, budget use with the chart data and the budget form
(only for who may), reconciliation upload and the files applied."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from laoxiao.accounts.tests.factories import make_user
from laoxiao.benefits.actions.budgets import budget_set
from laoxiao.benefits.models import PaymentItem, ProgrammeBudget, ReconciliationFile
from laoxiao.benefits.tests.factories_ledger import programme, sent_batch
from laoxiao.core import clock
from laoxiao.people.tests.factories import make_elder

pytestmark = pytest.mark.django_db
XS = "340603000000"


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def sent(admin_user: Any) -> Any:
    budget_set(actor=admin_user, programme=programme(), region_code=XS, year=2026, amount_fen=1_000_00)
    elders = [make_elder(admin_user, seq=i, birth=dt.date(1940, 2, i)) for i in (1, 2)]
    return sent_batch(admin_user, elders, [100_00, 50_00], region_code=XS)


def test_budget_page_shows_use_chart_and_form(client: Any, sent: Any, xiangshan_officer: Any) -> None:
    client.force_login(xiangshan_officer)
    with clock.frozen("2026-12-04"):
        r = client.get("/benefits/budgets/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "1000.00" in html and "850.00" in html and 'id="budget-form"' in html
    start = html.index('id="budget-data"')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert data["series"][1]["data"] == [150.0]  # approved, not yet paid
    r = client.post(
        "/benefits/budgets/",
        {
            "programme": "elderly_allowance",
            "region_code": XS,
            "year": 2026,
            "amount": "2000.50",
            "note": "追加",
        },
    )
    assert r.status_code == 302
    assert ProgrammeBudget.objects.get(region_code=XS, year=2026).amount_fen == 2_000_50


def test_budget_form_only_for_who_may(client: Any, sent: Any, city: Any) -> None:
    town = make_user("town", ["civil_affairs_county"], ["340603001000"])
    client.force_login(town)
    r = client.get("/benefits/budgets/?year=2026")
    assert r.status_code == 200 and 'id="budget-form"' not in r.content.decode()
    r = client.post(
        "/benefits/budgets/",
        {"programme": "elderly_allowance", "region_code": XS, "year": 2026, "amount": "1"},
    )
    assert r.status_code == 403


def test_ledger_balances_and_account_pages(
    client: Any, sent: Any, admin_user: Any, suixi_officer: Any
) -> None:
    client.force_login(admin_user)
    r = client.get("/benefits/ledger/?year=2026")
    assert r.status_code == 200 and "payable:elderly_allowance:340603000000:2026" in r.content.decode()
    r = client.get("/benefits/ledger/payable:elderly_allowance:340603000000:2026/")
    assert r.status_code == 200 and "150.00" in r.content.decode()
    client.force_login(suixi_officer)
    assert client.get("/benefits/ledger/payable:elderly_allowance:340603000000:2026/").status_code == 404


def test_reconciliation_upload_and_files(client: Any, sent: Any, admin_user: Any) -> None:
    batch, items = sent
    client.force_login(admin_user)
    text = "item_code,status,paid_on,amount,bank_reference,failure_reason\n" + "".join(
        f"{i.code},paid,2026-12-01,{i.amount_fen // 100}.00,R{i.pk},\n" for i in items
    )
    with clock.frozen("2026-12-04"):
        r = client.post("/benefits/reconciliation/", {"file": SimpleUploadedFile("bank.csv", text.encode())})
    assert r.status_code == 200, r.content
    assert set(PaymentItem.objects.values_list("status", flat=True)) == {"paid"}
    assert ReconciliationFile.objects.count() == 1
    assert "bank.csv" in r.content.decode()
    with clock.frozen("2026-12-04"):
        again = client.post(
            "/benefits/reconciliation/", {"file": SimpleUploadedFile("bank.csv", text.encode())}
        )
    assert 'class="error"' in again.content.decode()  # "nothing was written: 1 error"
    assert ReconciliationFile.objects.count() == 1


def test_provider_operators_and_strangers_are_refused(client: Any, city: Any, nobody: Any) -> None:
    client.force_login(nobody)  # a role, no region: sees no money (an empty page, not an error)
    assert client.get("/benefits/budgets/").status_code == 200
    stranger = make_user("plain", [], [])
    client.force_login(stranger)
    assert client.get("/benefits/budgets/").status_code == 403
    assert client.get("/benefits/reconciliation/").status_code == 403
