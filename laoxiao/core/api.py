import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from laoxiao.api.pagination import Pages
from laoxiao.core import selectors
from laoxiao.core.models import ChangeLog
from laoxiao.core.reveal import reveal_field
from laoxiao.core.schemas import ChangeLogOut, contract

router = Router(tags=["change log"])


@contract(ChangeLog)
class ChangeLogFilters(Schema):
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    region: str | None = None
    actor_name: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


@router.get("/", response=list[ChangeLogOut], summary="Change log rows the caller may see")
@paginate(Pages)
def list_changes(request: HttpRequest, filters: Query[ChangeLogFilters]):
    return selectors.changelog_list(actor=request.auth, **filters.dict())


@router.get("/{pk}", response=ChangeLogOut, summary="One change log row")
def get_change(request: HttpRequest, pk: int):
    return selectors.changelog_get(actor=request.auth, pk=pk)


@contract()
class RevealIn(Schema):
    target_type: str
    target_id: str
    field: str


class RevealOut(Schema):
    value: str


reveal_router = Router(tags=["personal data"])


@reveal_router.post("/", response=RevealOut, summary="The full value of a protected field (logged)")
def reveal(request: HttpRequest, body: RevealIn):
    return {"value": reveal_field(actor=request.auth, **body.dict())}
