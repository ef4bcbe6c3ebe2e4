from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render as render_page
from django.urls import reverse

from laoxiao.imports.base import ErrorSink, ImportReport, _message, all_kinds, get_kind, run_import
from laoxiao.imports.exporters import render
from laoxiao.imports.limits import Limits
from laoxiao.imports.readers import check_size
from laoxiao.jobs.actions import job_enqueue
from laoxiao.jobs.kinds import actor_region, store_upload

SHOWN_ERRORS = 100  # on the page; the downloadable report holds every kept error and the counts
_REPORT_KEY = "imports:last-report-csv"


def _too_large(kind_key: str, exc: ValidationError) -> ImportReport:
    report = ImportReport(kind=kind_key)
    sink = ErrorSink({}, 1)
    sink.add(1, "", _message(exc), value="")
    report.take_errors(sink)
    return report


def _importable(user: object) -> dict:
    return {k: v for k, v in all_kinds().items() if v.allowed(user)}


def _exportable(user: object) -> dict:
    """Kinds exported whole from the export page (a kind with ``export_options``, such as a batch's
    ``payment-items``, is downloaded from its own page)."""
    return {
        k: v
        for k, v in all_kinds().items()
        if not v.export_options and (user.has_perm("accounts.export_records") or v.allowed(user))
    }


def _as_job(request: HttpRequest, kind_key: str, upload: Any) -> Any:
    """Files above ``LAOXIAO_IMPORT_JOB_BYTES`` are stored and imported by a job (``imports.run``);
    None when the file is small (or the user has no region to hold a job: then it runs here)."""
    if upload.size is None or upload.size <= settings.LAOXIAO_IMPORT_JOB_BYTES:
        return None
    region_code = actor_region(request.user)
    if region_code is None:
        return None
    stored = store_upload(upload)
    params = {
        "kind": kind_key,
        "path": stored.name,
        "name": upload.name,
        "dry_run": bool(request.POST.get("dry_run")),
    }
    try:
        return job_enqueue(actor=request.user, kind="imports.run", params=params, region_code=region_code)
    except BaseException:
        stored.unlink(missing_ok=True)
        raise


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    kinds = _importable(request.user)
    report: ImportReport | dict[str, bool] | None = None
    if request.method == "POST":
        kind_key = request.POST.get("kind", "")
        if kind_key not in kinds:
            raise Http404
        limits = Limits.current()
        try:  # refused before the body is read: the declared length is enough
            check_size(int(request.META.get("CONTENT_LENGTH") or 0) - 64 * 1024, limits)
        except (ValidationError, ValueError) as exc:
            report = _too_large(kind_key, exc if isinstance(exc, ValidationError) else ValidationError(""))
            return _show(request, kinds, report)
        upload = request.FILES.get("file")
        if upload is None:
            report = {"missing_file": True}
        elif (job := _as_job(request, kind_key, upload)) is not None:  # a large file: in the background
            url = reverse("job-detail", args=[job.pk])
            if request.htmx:
                return HttpResponse(status=204, headers={"HX-Redirect": url})
            return redirect(url)
        else:
            report = run_import(
                kind_key,
                upload,
                actor=request.user,
                filename=upload.name,
                dry_run=bool(request.POST.get("dry_run")),
            )
    return _show(request, kinds, report)


def _show(request: HttpRequest, kinds: dict, report: ImportReport | dict[str, bool] | None) -> HttpResponse:
    if isinstance(report, ImportReport) and not report.ok:
        request.session[_REPORT_KEY] = report.errors_csv()  # bounded by LAOXIAO_IMPORT_MAX_ERRORS
    template = "imports/_report.html" if request.htmx and report else "imports/upload.html"
    shown = report.errors[:SHOWN_ERRORS] if isinstance(report, ImportReport) else []
    return render_page(request, template, {"kinds": kinds, "report": report, "shown_errors": shown})


@login_required
def error_report(request: HttpRequest) -> HttpResponse:
    """The last failed import's report as CSV: every kept error, then the counts by column and reason."""
    data = request.session.get(_REPORT_KEY)
    if not data:
        raise Http404
    response = HttpResponse(data.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="import-errors.csv"'
    return response


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    return render_page(request, "imports/export.html", {"kinds": _exportable(request.user)})


@login_required
def export_file(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in _exportable(request.user):
        raise Http404
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        fmt = "xlsx"
    try:
        get_kind(kind)
    except ValidationError:
        raise Http404 from None
    data = render(kind, actor=request.user, fmt=fmt, labels=request.GET.get("labels", "keys"))
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{kind}.{fmt}"'
    return response
