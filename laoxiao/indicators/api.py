from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

router = Router(tags=["plan"])


@router.get("/ping", include_in_schema=False)
def ping(request: HttpRequest) -> dict[str, str]:
    return {"ok": "yes"}
