"""The applications pages: a community worker submits with a document, reviewers vote on the
application's page (the person masked), the queue and the "no reviewer" list, scope 404; and the
review page's voting in Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from laoxiao.accounts.tests.factories import PASSWORD, make_user
from laoxiao.benefits.models import Application, ApplicationVote
from laoxiao.benefits.tests.factories_applications import (
    NOW,
    PDF,
    load_catalogue,
    make_person,
    make_reviewers,
    submit,
)
from laoxiao.core import clock
from laoxiao.web.browser import browser_page, chromium_path

QUEUE = "/benefits/applications/"


@pytest.fixture(autouse=True)
def _var(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


@pytest.fixture
def w(city: dict[str, Any], xiangshan_officer: Any) -> dict[str, Any]:
    with clock.frozen(NOW):
        out = make_reviewers()
        out["elder"] = make_person(xiangshan_officer)
    return out


def signed(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_worker_submits_and_reviewers_vote_on_the_page(w: dict[str, Any]) -> None:
    c = signed(w["worker"])
    with clock.frozen(NOW):
        assert c.get("/benefits/applications/new/").status_code == 200
        r = c.post(
            "/benefits/applications/new/",
            {
                "programme": "service_subsidy",
                "id_number": w["elder"].id_number,
                "note": "低收入",
                "documents": [
                    SimpleUploadedFile("证明.pdf", PDF),
                    SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\nxx"),
                ],
            },
        )
        assert r.status_code == 302, r.content.decode()[:2000]
        app = Application.objects.get()
        assert [d["name"] for d in app.documents] == ["证明.pdf", "照片.png"]
        # a bad document is a field error, nothing saved
        r = c.post(
            "/benefits/applications/new/",
            {
                "programme": "care_subsidy",
                "id_number": w["elder"].id_number,
                "documents": [SimpleUploadedFile("a.pdf", b"no")],
            },
        )
        assert r.status_code == 200 and r.context["form"].errors["documents"]
        r = c.post(
            "/benefits/applications/new/", {"programme": "service_subsidy", "id_number": w["elder"].id_number}
        )
        assert r.status_code == 200 and r.context["form"].errors["programme"]  # the duplicate
        page = c.get(f"/benefits/applications/{app.pk}/")
        html = page.content.decode()
        assert page.status_code == 200 and "老*1" in html and w["elder"].id_number not in html
        assert not page.context["may_vote"]  # the maker
        doc = c.get(f"/benefits/applications/{app.pk}/documents/0/")
        assert doc.status_code == 200 and b"".join(doc.streaming_content) == PDF
        assert "attachment" in doc["Content-Disposition"]
        assert c.get(f"/benefits/applications/{app.pk}/documents/5/").status_code == 404
        officer = signed(w["community"])
        queue = officer.get(QUEUE)
        assert f'data-application="{app.pk}"' in queue.content.decode()
        r = officer.post(
            f"/benefits/applications/{app.pk}/",
            {"what": "vote", "vote-step": "0", "vote-decision": "approve", "vote-reason": "核实"},
        )
        assert r.status_code == 302
        # the maker's forged vote is refused on the form
        r = c.post(
            f"/benefits/applications/{app.pk}/",
            {"what": "vote", "vote-step": "1", "vote-decision": "approve", "vote-reason": ""},
        )
        assert r.status_code == 200 and ApplicationVote.objects.count() == 1
        # a reject without a reason is a field error
        r = signed(w["township"]).post(
            f"/benefits/applications/{app.pk}/",
            {"what": "vote", "vote-step": "1", "vote-decision": "reject", "vote-reason": ""},
        )
        assert r.status_code == 200 and r.context["vote_form"].errors["reason"]
        signed(w["township"]).post(
            f"/benefits/applications/{app.pk}/",
            {"what": "vote", "vote-step": "1", "vote-decision": "reject", "vote-reason": "收入超标"},
        )
        app.refresh_from_db()
        assert app.status == "rejected"
        assert "收入超标" in signed(w["county"]).get(f"/benefits/applications/{app.pk}/").content.decode()


@pytest.mark.django_db
def test_scope_and_no_reviewer_list(w: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        app = submit(w["township"], w["elder"])
        suixi = signed(make_user("sx_mz", ["civil_affairs_county"], ["340621000000"]))
        assert suixi.get(f"/benefits/applications/{app.pk}/").status_code == 404
        assert suixi.get(f"/benefits/applications/{app.pk}/documents/0/").status_code == 404
        assert (
            suixi.post(
                f"/benefits/applications/{app.pk}/",
                {"what": "vote", "vote-step": "0", "vote-decision": "approve"},
            ).status_code
            == 404
        )
        signed(w["community"]).post(
            f"/benefits/applications/{app.pk}/",
            {"what": "vote", "vote-step": "0", "vote-decision": "approve"},
        )
        county = signed(w["county"]).get(QUEUE)
        assert county.status_code == 200
        assert [r["app"].pk for r in county.context["waiting"]] == [app.pk]
        assert not county.context["rows"]
        page = signed(w["county"]).get(f"/benefits/applications/{app.pk}/")
        assert page.context["waiting"] and 'id="no-reviewer"' in page.content.decode()


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed")
@pytest.mark.django_db(transaction=True)
def test_review_page_voting_in_chromium(
    live_server: Any, city: dict[str, Any], xiangshan_officer: Any, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    load_catalogue()
    # the live server's clock is the real time of day: no frozen moment is needed here (the
    # application's dates are stamped when submitted, the vote when cast, in any hour)
    with clock.frozen(NOW):
        w = make_reviewers()
        app = submit(w["worker"], make_person(xiangshan_officer))
    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "mz_c1")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}{QUEUE}")
        page.click(f"#review-queue tr[data-application='{app.pk}'] a")
        page.wait_for_selector("#vote-form")
        assert "老*1" in page.locator("#application-facts").inner_text()
        page.select_option("select[name=vote-decision]", "approve")
        page.fill("textarea[name=vote-reason]", "入户核实")
        page.click("#vote-submit")
        page.wait_for_selector("#application-facts[data-step='1']")
        assert "入户核实" in page.locator("#application-steps tr[data-step='0']").inner_text()
        assert page.locator("#vote-form").count() == 0  # voted: no second form
    assert errors == []
    assert ApplicationVote.objects.filter(application=app).count() == 1
