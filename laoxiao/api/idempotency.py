"""``Idempotency-Key`` for creating POSTs (issue 10): one mechanism for every operation.

Decorate an operation under its ``@router.post(...)`` with ``@idempotent``. A request with an
``Idempotency-Key`` header (1-200 visible characters) is authenticated first, then a row
(user, key) is inserted in the same transaction as the operation: a parallel request with the same
key waits on that row's unique constraint until the first one has committed, then replays its
stored answer (status, body) with ``Idempotent-Replayed: true``. The same key with another
method, path or body answers 422. Only successful (2xx) answers are stored: after a refusal the
client may correct the body and retry with the same key. Without the header nothing changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.decorators import decorate_view
from ninja.errors import HttpError

from laoxiao.api.models import IdempotencyRecord

F = TypeVar("F", bound=Callable[..., Any])
HEADER = "Idempotency-Key"


class _Refused(Exception):
    def __init__(self, response: HttpResponseBase):
        self.response = response


def _fingerprint(request: HttpRequest) -> str:
    h = hashlib.sha256()
    h.update((request.method or "").encode() + b" " + request.path.encode() + b"\n")
    h.update(request.body)
    return h.hexdigest()


def _replay(record: Any) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def _wrap_run(run: Any) -> Any:
    operation = run.__self__  # the (possibly cloned) operation whose run this wraps

    @wraps(run)
    def wrapper(request: HttpRequest, **kw: Any) -> HttpResponseBase:
        key = request.headers.get(HEADER)
        if key is None:
            return run(request, **kw)
        error = operation._run_checks(request)  # authenticate first: keys are per user
        if error:
            return error
        if not key or len(key) > 200 or not key.isprintable():
            exc = HttpError(422, _("The Idempotency-Key header must be 1 to 200 visible characters."))
            return operation.api.on_exception(request, exc)
        user = request.auth
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            user=user,
                            key=key,
                            method=request.method or "POST",
                            path=request.path[:500],
                            fingerprint=fingerprint,
                        )
                except IntegrityError:
                    record = IdempotencyRecord.objects.get(user=user, key=key)
                    if record.fingerprint != fingerprint:
                        exc = HttpError(422, _("This Idempotency-Key was used for another request."))
                        return operation.api.on_exception(request, exc)
                    return _replay(record)
                response = run(request, **kw)
                if not 200 <= response.status_code < 300 or not isinstance(response, HttpResponse):
                    raise _Refused(response)
                record.status = response.status_code
                record.content_type = response.get("Content-Type", "application/json")
                record.body = response.content
                record.save(update_fields=["status", "content_type", "body"])
                return response
        except _Refused as refused:
            return refused.response

    return wrapper


def idempotent(func: F) -> F:
    """Honour ``Idempotency-Key`` on this operation (put it below ``@router.post``).
    Built on ninja's ``decorate_view``, so it survives the router's cloning of operations."""
    return decorate_view(_wrap_run)(func)


def prune(*, keep_hours: float | None = None) -> int:
    """Delete the stored answers older than ``keep_hours`` (``LAOXIAO_IDEMPOTENCY_KEEP_HOURS``,
    48 by default): a client retries within minutes, not days. Answers how many were deleted; the
    job worker runs it every hour (``ApiConfig.ready``)."""
    hours = settings.LAOXIAO_IDEMPOTENCY_KEEP_HOURS if keep_hours is None else keep_hours
    cutoff = timezone.now() - dt.timedelta(hours=hours)
    deleted, _rows = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
