"""The benefits API: applications and their votes (mounted at /api/v1/benefits by
``laoxiao.api.main``). A family member submits for a person linked to their account, a community
worker or officer for a person of their region; documents travel in the JSON body, base64-encoded
(so an ``Idempotency-Key`` retry sends the same bytes). (No ``from __future__ import annotations``:
ninja reads the real types.)"""

import base64
import binascii
import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BeforeValidator

from laoxiao.api.idempotency import idempotent
from laoxiao.api.pagination import Pages
from laoxiao.benefits.actions import applications as actions
from laoxiao.benefits.models import Application, ApplicationVote
from laoxiao.benefits.selectors import applications as sel
from laoxiao.core.masking import mask_name
from laoxiao.core.schemas import contract
from laoxiao.people.models import Child, Elder

router = Router(tags=["benefits"])


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("Input should be a valid integer, not true or false")
    return value


Int = Annotated[int, BeforeValidator(_no_bool)]
# base64 of at most DOC_MAX_BYTES
B64_MAX = (actions.DOC_MAX_BYTES + 2) // 3 * 4


# --- schemas --------------------------------------------------------------------------------------


class BenefitApplicationVoteOut(Schema):
    id: int
    step: int
    level: str
    voter: str
    decision: str
    reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_voter(obj: Any) -> str:
        return str(obj.voter.username)


class BenefitApplicationDocumentOut(Schema):
    name: str
    size: int
    sha256: str
    content_type: str


class BenefitApplicationOut(Schema):
    id: int
    programme: str
    beneficiary_key: str
    elder_id: int | None
    child_id: int | None
    person: str
    region_code: str
    status: str
    steps: list[dict[str, Any]]
    step: int
    step_level: str
    waiting_no_reviewer: bool
    documents: list[BenefitApplicationDocumentOut]
    note: str
    submitted_by: str | None
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    valid_from: dt.date | None
    votes: list[BenefitApplicationVoteOut]

    @staticmethod
    def resolve_programme(obj: Any) -> str:
        return str(obj.programme.code)

    @staticmethod
    def resolve_person(obj: Any) -> str:
        person = obj.elder or obj.child
        return mask_name(person.name) if person is not None else ""

    @staticmethod
    def resolve_submitted_by(obj: Any) -> str | None:
        return obj.submitted_by.username if obj.submitted_by_id else None

    @staticmethod
    def resolve_waiting_no_reviewer(obj: Any) -> bool:
        return sel.is_waiting_no_reviewer(obj)

    @staticmethod
    def resolve_votes(obj: Any) -> list[Any]:
        return sel.application_votes(obj)


class BenefitApplicationDocumentIn(Schema):
    name: str = Field(min_length=1, max_length=120, description="the file name (.pdf, .png, .jpg)")
    content_base64: str = Field(min_length=1, max_length=B64_MAX, description="the file, base64")


@contract(Application)
class BenefitApplicationIn(Schema):
    programme: str = Field(max_length=40, description="the programme's code (one needing an application)")
    elder_id: Int | None = Field(None, description="the older person's id (or elder_id_number)")
    elder_id_number: str | None = Field(None, max_length=18)
    child_id: Int | None = Field(None, description="the child's id")
    documents: list[BenefitApplicationDocumentIn] = Field(
        default_factory=list, max_length=actions.DOC_MAX_FILES
    )
    note: str = Field("", max_length=2000)


@contract(Application)
class BenefitApplicationFilters(Schema):
    status: str | None = None
    programme: str | None = Field(None, max_length=40)
    elder: Int | None = None
    child: Int | None = None
    queue: bool = Field(False, description="only those waiting for my vote")
    waiting: bool = Field(False, description='only those "waiting: no reviewer"')


@contract(ApplicationVote)
class BenefitVoteIn(Schema):
    decision: str
    reason: str = ""
    step: Int | None = Field(None, ge=0, le=32767, description="the step voted on (as seen)")


@contract()
class BenefitWithdrawIn(Schema):
    note: str = Field("", max_length=300)


# --- operations -----------------------------------------------------------------------------------


def _documents(docs: list[BenefitApplicationDocumentIn]) -> list[SimpleUploadedFile]:
    out = []
    for d in docs:
        try:
            content = base64.b64decode(d.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError({"documents": _("%(name)s is not base64.") % {"name": d.name}}) from None
        out.append(SimpleUploadedFile(d.name, content))
    return out


def _get(request: HttpRequest, pk: int) -> Application:
    return sel.application_get(actor=request.auth, pk=pk)


@router.get("/applications", response=list[BenefitApplicationOut], summary="Applications (with their votes)")
@paginate(Pages)
def list_applications(request: HttpRequest, filters: Query[BenefitApplicationFilters]):
    actor = request.auth
    if filters.waiting:
        ids = [a.pk for a in sel.waiting_no_reviewer(actor)]
        qs = sel.applications_visible(actor).filter(pk__in=ids)
    elif filters.queue:
        qs = sel.review_queue(actor)
    else:
        qs = sel.applications_visible(actor)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.programme:
        qs = qs.filter(programme__code=filters.programme)
    if filters.elder is not None:
        qs = qs.filter(elder_id=filters.elder)
    if filters.child is not None:
        qs = qs.filter(child_id=filters.child)
    return qs.order_by("-submitted_at", "-pk")


@router.get("/applications/{pk}", response=BenefitApplicationOut, summary="One application and its votes")
def get_application(request: HttpRequest, pk: int):
    return _get(request, pk)


@router.post(
    "/applications",
    response={201: BenefitApplicationOut},
    summary="Submit an application (family member or staff; Idempotency-Key honoured)",
)
@idempotent
def submit_application(request: HttpRequest, payload: BenefitApplicationIn):
    actor = request.auth
    programme = sel.programme_for(payload.programme)
    elder: Elder | None = None
    child: Child | None = None
    if payload.child_id is not None:
        if payload.elder_id is not None or payload.elder_id_number:
            raise ValidationError({"child_id": _("Name one person: an older person or a child.")})
        child = sel.child_for(actor=actor, pk=payload.child_id)
    elif payload.elder_id is not None or payload.elder_id_number:
        elder = sel.elder_for(actor=actor, pk=payload.elder_id, id_number=payload.elder_id_number)
    else:
        raise ValidationError({"elder_id": _("Name the person by elder_id, elder_id_number or child_id.")})
    app = actions.application_submit(
        actor=actor,
        programme=programme,
        elder=elder,
        child=child,
        documents=_documents(payload.documents),
        note=payload.note,
    )
    return Status(201, sel.application_get(actor=actor, pk=app.pk))


@router.post(
    "/applications/{pk}/votes",
    response=BenefitApplicationVoteOut,
    summary="Vote at the step under review (a repeated vote answers the existing one; Idempotency-Key honoured)",
)
@idempotent
def vote_application(request: HttpRequest, pk: int, payload: BenefitVoteIn):
    return actions.application_vote(
        actor=request.auth,
        application=_get(request, pk),
        decision=payload.decision,
        reason=payload.reason,
        step=payload.step,
    )


@router.post(
    "/applications/{pk}/withdraw", response=BenefitApplicationOut, summary="Withdraw (the submitter)"
)
def withdraw_application(request: HttpRequest, pk: int, payload: BenefitWithdrawIn):
    app = actions.application_withdraw(actor=request.auth, application=_get(request, pk), note=payload.note)
    return sel.application_get(actor=request.auth, pk=app.pk)
