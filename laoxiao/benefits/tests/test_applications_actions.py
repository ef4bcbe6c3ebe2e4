"""Applications with approval: who submits, who votes at which step, N of M, the maker never
approves, an empty pool holds, a duplicate pending application is refused, votes are immutable."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from laoxiao.accounts.tests.factories import make_user
from laoxiao.benefits.actions import applications as actions
from laoxiao.benefits.models import Application, ApplicationVote, Programme
from laoxiao.benefits.selectors import applications as sel
from laoxiao.benefits.tests.factories_applications import (
    NOW,
    PDF,
    make_family,
    make_person,
    make_reviewers,
    pdf,
    programme,
    set_steps,
    submit,
)
from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.core.models import ChangeLog
from laoxiao.people.models import Elder, FamilyLink
from laoxiao.people.tests.factories import make_child

A = Application.Status


@pytest.fixture(autouse=True)
def _var(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


@pytest.fixture
def w(city: dict[str, Any], xiangshan_officer: Any) -> dict[str, Any]:
    with clock.frozen(NOW):
        out = make_reviewers()
        out["elder"] = make_person(xiangshan_officer)
    return out


def vote(actor: Any, app: Application, decision: str = "approve", reason: str = "") -> ApplicationVote:
    with clock.frozen(NOW):
        return actions.application_vote(actor=actor, application=app, decision=decision, reason=reason)


def fresh(app: Application) -> Application:
    return Application.objects.get(pk=app.pk)


@pytest.mark.django_db
def test_worker_submits_with_documents_stored_safely(w: dict[str, Any], tmp_path: Path) -> None:
    with clock.frozen(NOW):
        app = submit(w["worker"], w["elder"], documents=[pdf("../../etc/户口本.pdf")])
    assert app.status == A.PENDING and app.step == 0 and app.step_level == "community"
    assert [s["level"] for s in app.steps] == ["community", "township", "county"]
    (doc,) = app.documents
    assert doc["name"] == "户口本.pdf" and doc["size"] == len(PDF)
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest()
    stored = tmp_path / "benefits" / "documents" / doc["file"]
    assert stored.read_bytes() == PDF and "户口本" not in doc["file"]
    assert ChangeLog.objects.filter(target_type="benefits.application", target_id=str(app.pk)).count() == 1


@pytest.mark.django_db
def test_documents_are_checked(w: dict[str, Any], tmp_path: Path) -> None:
    with clock.frozen(NOW):
        for bad in (pdf("x.exe"), pdf("fake.pdf", b"MZ\x90\x00"), pdf("empty.pdf", b"")):
            with pytest.raises(ValidationError) as exc:
                submit(w["worker"], w["elder"], documents=[bad])
            assert "documents" in exc.value.message_dict
        with pytest.raises(ValidationError):
            submit(w["worker"], w["elder"], documents=[pdf(f"{i}.pdf") for i in range(11)])
    assert not Application.objects.exists()
    assert not list((tmp_path / "benefits" / "documents").glob("*"))


@pytest.mark.django_db
def test_refusals_of_content(w: dict[str, Any], xiangshan_officer: Any) -> None:
    with clock.frozen(NOW):
        with pytest.raises(ValidationError) as exc:
            submit(w["worker"], w["elder"], code="elderly_allowance")  # 免申即享
        assert "programme" in exc.value.message_dict
        dead = make_person(xiangshan_officer, seq=2)
        Elder.objects.filter(pk=dead.pk).update(died_on=dt.date(2026, 3, 1))
        with pytest.raises(ValidationError) as exc:
            submit(w["worker"], Elder.objects.get(pk=dead.pk))
        assert "elder" in exc.value.message_dict
        moved = make_person(xiangshan_officer, seq=3)
        Elder.objects.filter(pk=moved.pk).update(moved_out_on=dt.date(2026, 2, 1))
        with pytest.raises(ValidationError):
            submit(w["worker"], Elder.objects.get(pk=moved.pk))
        submit(w["worker"], w["elder"])
        with pytest.raises(ValidationError) as exc:
            submit(w["community"], w["elder"])
        assert "programme" in exc.value.message_dict
        # another programme for the same person is fine
        submit(w["worker"], w["elder"], code="care_subsidy")
    assert Application.objects.filter(status=A.PENDING).count() == 2


@pytest.mark.django_db
def test_family_member_only_for_linked_consenting_elders(w: dict[str, Any], xiangshan_officer: Any) -> None:
    with clock.frozen(NOW):
        fam = make_family(w["elder"])
        app = submit(fam, w["elder"])
        assert app.submitted_by_id == fam.pk
        other = make_person(xiangshan_officer, seq=2)
        with pytest.raises(NotFound):
            submit(fam, other)
        unconsented = make_family(other, "fam2", live=False)
        with pytest.raises(NotFound):
            submit(unconsented, other)
        third = make_person(xiangshan_officer, seq=3)
        FamilyLink.objects.create(
            user=fam,
            elder=third,
            region_code=third.region_code,
            relation="son",
            consent_on=dt.date(2026, 1, 1),
            revoked_on=dt.date(2026, 2, 1),
        )
        with pytest.raises(NotFound):
            submit(fam, third)
    assert list(sel.family_applications(fam)) == [app]
    assert sel.application_get(actor=fam, pk=app.pk) == app
    with pytest.raises(NotFound):
        sel.application_get(actor=unconsented, pk=app.pk)


@pytest.mark.django_db
def test_staff_scope_and_sector(w: dict[str, Any]) -> None:
    suixi = make_user("sx_mz", ["civil_affairs_county"], ["340621000000"])
    health = make_user("xs_wj", ["health_community"], ["340603001001"])
    with clock.frozen(NOW):
        with pytest.raises(NotFound):
            submit(suixi, w["elder"])
        with pytest.raises(PermissionDenied):
            submit(health, w["elder"])


@pytest.mark.django_db
def test_three_steps_then_approved_from_next_month(w: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        app = submit(w["worker"], w["elder"])
    vote(w["community"], app)
    assert fresh(app).step == 1 and fresh(app).step_level == "township"
    vote(w["township"], app)
    assert fresh(app).step == 2
    vote(w["county"], app, reason="meets the conditions")
    app = fresh(app)
    assert app.status == A.APPROVED and app.valid_from == dt.date(2026, 4, 1) and app.decided_at
    assert app.step_level == ""
    assert list(app.votes.values_list("level", flat=True)) == ["community", "township", "county"]
    log = ChangeLog.objects.filter(target_type__startswith="benefits.application")
    assert log.filter(target_type="benefits.applicationvote").count() == 3
    assert log.filter(target_type="benefits.application", action="status").count() == 1
    assert set(log.values_list("sector", flat=True)) == {"eldercare"}


@pytest.mark.django_db
def test_maker_cannot_approve(w: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        app = submit(w["community"], w["elder"])  # a community officer submits: may not approve
    with pytest.raises(PermissionDenied):
        vote(w["community"], app)
    assert not ApplicationVote.objects.exists()
    assert app in sel.review_queue(w["community2"])
    assert app not in sel.review_queue(w["community"])


@pytest.mark.django_db
def test_n_of_m_two_approvals_at_one_step(w: dict[str, Any]) -> None:
    set_steps([{"level": "community", "approvals": 2}, {"level": "county", "approvals": 1}])
    third = make_user("mz_c3", ["civil_affairs_community"], ["340603001001"])
    with clock.frozen(NOW):
        app = submit(w["worker"], w["elder"])
    vote(w["community"], app)
    assert fresh(app).step == 0  # one of two
    assert app not in sel.review_queue(w["community"])  # voted already
    assert app in sel.review_queue(third)
    vote(w["community"], app)  # the same voter again: nothing changes
    assert fresh(app).step == 0
    vote(w["community2"], app)
    assert fresh(app).step == 1 and fresh(app).step_level == "county"
    assert app not in sel.review_queue(third)
    vote(w["county"], app)
    assert fresh(app).status == A.APPROVED


@pytest.mark.django_db
def test_double_vote_is_idempotent(w: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        app = submit(w["worker"], w["elder"])
    first = vote(w["community"], app)
    again = vote(w["community"], app, decision="reject", reason="changed my mind")
    assert again.pk == first.pk and again.decision == "approve"
    assert ApplicationVote.objects.count() == 1
    assert fresh(app).step == 1 and fresh(app).status == A.PENDING
    assert ChangeLog.objects.filter(target_type="benefits.applicationvote").count() == 1


@pytest.mark.django_db
def test_reject_needs_a_reason_and_ends(w: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        app = submit(w["worker"], w["elder"])
    with pytest.raises(ValidationError) as exc:
        vote(w["community"], app, decision="reject")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        vote(w["community"], app, decision="maybe")
    assert "decision" in exc.value.message_dict
    vote(w["community"], app, decision="reject", reason="income above the line")
    app = fresh(app)
    assert app.status == A.REJECTED and app.decided_at and app.valid_from is None
    with pytest.raises(ValidationError):
        vote(w["community2"], app)
    # a new application may be made after the rejection
    with clock.frozen(NOW):
        submit(w["worker"], w["elder"])


@pytest.mark.django_db
def test_wrong_level_reviewer_refused(w: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        app = submit(w["worker"], w["elder"])
    for who in ("township", "county"):
        with pytest.raises(PermissionDenied):
            vote(w[who], app)
    other_community = make_user("mz_c9", ["civil_affairs_community"], ["340603001002"])
    with pytest.raises(NotFound):
        vote(other_community, app)  # the township's other community: the person is not in its scope
    suixi = make_user("sx_mz", ["civil_affairs_county"], ["340621000000"])
    with pytest.raises(NotFound):
        vote(suixi, app)
    health = make_user("xs_wj2", ["health_community"], ["340603001001"])
    with pytest.raises(PermissionDenied):
        vote(health, app)  # the right level, the wrong sector
    assert not ApplicationVote.objects.exists()
    assert app not in sel.review_queue(w["township"])


@pytest.mark.django_db
def test_empty_pool_holds(w: dict[str, Any]) -> None:
    # the only township reviewer is the maker: the township step can never pass
    with clock.frozen(NOW):
        app = submit(w["township"], w["elder"])
    vote(w["community"], app)
    app = fresh(app)
    assert app.step_level == "township"
    assert sel.is_waiting_no_reviewer(app)
    assert app in sel.waiting_no_reviewer(w["county"])
    with pytest.raises(PermissionDenied):
        vote(w["township"], app)
    with pytest.raises(PermissionDenied):
        vote(w["county"], app)
    assert fresh(app).status == A.PENDING and fresh(app).step == 1
    # a township reviewer arrives: it is no longer waiting, and the step passes by their vote
    second = make_user("mz_t2", ["civil_affairs_township"], ["340603001000"])
    assert not sel.is_waiting_no_reviewer(fresh(app))
    vote(second, app)
    assert fresh(app).step == 2


@pytest.mark.django_db
def test_too_few_reviewers_for_n_of_m_is_waiting(w: dict[str, Any]) -> None:
    set_steps([{"level": "county", "approvals": 3}])
    with clock.frozen(NOW):
        app = submit(w["worker"], w["elder"])
    assert sel.is_waiting_no_reviewer(app)  # two county reviewers (xs_mz, mz_x1), three needed
    vote(w["county"], app)
    assert fresh(app).status == A.PENDING and sel.is_waiting_no_reviewer(fresh(app))


@pytest.mark.django_db
def test_withdraw_by_the_submitter_only(w: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        app = submit(w["worker"], w["elder"])
        with pytest.raises(PermissionDenied):
            actions.application_withdraw(actor=w["community"], application=app)
        done = actions.application_withdraw(actor=w["worker"], application=app)
        assert done.status == A.WITHDRAWN
        with pytest.raises(ValidationError):
            actions.application_withdraw(actor=w["worker"], application=app)
        submit(w["worker"], w["elder"])  # withdrawn: no longer a pending duplicate


def test_votes_are_never_edited_by_any_action() -> None:
    """No code of the app updates or deletes a vote: votes are written once (``save_logged`` of a
    new row) and read."""
    root = Path(actions.__file__).parents[1]
    for path in [*root.glob("actions/*.py"), *root.glob("api/*.py"), *root.glob("views/*.py")]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "vote" in line.lower():
                assert ".update(" not in line and ".delete(" not in line, (path, line)
                assert "vote.save(" not in line, (path, line)


@pytest.mark.django_db
def test_votes_are_immutable_rows(w: dict[str, Any]) -> None:
    with clock.frozen(NOW):
        app = submit(w["worker"], w["elder"])
    v = vote(w["community"], app, reason="ok")
    before = ApplicationVote.objects.filter(pk=v.pk).values().get()
    vote(w["township"], app)
    vote(w["county"], app)
    vote(w["community"], app, decision="reject", reason="again")  # after the decision: answers the vote
    assert ApplicationVote.objects.filter(pk=v.pk).values().get() == before
    assert programme().code == "service_subsidy"


@pytest.mark.django_db
def test_programme_own_steps_are_copied(w: dict[str, Any]) -> None:
    set_steps([{"level": "township", "approvals": 1}], code="home_adaptation")
    with clock.frozen(NOW):
        own = submit(w["worker"], w["elder"], code="home_adaptation")
        default = submit(w["worker"], w["elder"], code="care_subsidy")
    assert own.steps == [{"level": "township", "approvals": 1}] and own.step_level == "township"
    assert default.steps == [{"level": "community", "approvals": 1}]
    vote(w["township"], own)
    assert fresh(own).status == A.APPROVED


@pytest.mark.django_db
def test_a_childs_application_by_a_linked_guardian(city: dict[str, Any]) -> None:
    child = make_child()
    prog = Programme.objects.create(
        code="child_test",
        name="测试",
        sector="childcare",
        payee="guardian",
        period="monthly",
        entry="application",
        rule_key="benefits.childcare_subsidy",
    )
    fam = make_user("guardian1", ["family_member"], [])
    FamilyLink.objects.create(
        user=fam,
        child=child,
        region_code=child.region_code,
        relation="mother",
        consent_on=dt.date(2026, 1, 1),
    )
    health = make_user("wj_c1", ["health_community"], ["340603001001"])
    civil = make_user("mz_c8", ["civil_affairs_community"], ["340603001001"])
    with clock.frozen(NOW):
        with pytest.raises(ValidationError) as exc:
            actions.application_submit(actor=fam, programme=prog, elder=None, child=None)
        assert "elder" in exc.value.message_dict
        app = actions.application_submit(actor=fam, programme=prog, child=child, documents=[pdf()])
        assert app.beneficiary_key == f"c{child.pk}"
        with pytest.raises(PermissionDenied):
            actions.application_vote(actor=civil, application=app, decision="approve")  # elder care
        actions.application_vote(actor=health, application=app, decision="approve")
    assert fresh(app).step == 1
    assert list(sel.family_applications(fam)) == [app]
