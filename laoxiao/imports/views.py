from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render as render_page

from laoxiao.imports.base import ImportReport, all_kinds, get_kind, run_import
from laoxiao.imports.exporters import render


def _importable(user: object) -> dict:
    return {k: v for k, v in all_kinds().items() if v.allowed(user)}


def _exportable(user: object) -> dict:
    return {
        k: v
        for k, v in all_kinds().items()
        if user.has_perm("accounts.export_records") or v.allowed(user)  # type: ignore[attr-defined]
    }


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    kinds = _importable(request.user)
    report: ImportReport | dict[str, bool] | None = None
    if request.method == "POST":
        kind_key = request.POST.get("kind", "")
        upload = request.FILES.get("file")
        if kind_key not in kinds:
            raise Http404
        if upload is None:
            report = {"missing_file": True}
        else:
            report = run_import(
                kind_key,
                upload,
                actor=request.user,
                filename=upload.name,
                dry_run=bool(request.POST.get("dry_run")),
            )
    template = "imports/_report.html" if request.htmx and report else "imports/upload.html"
    return render_page(request, template, {"kinds": kinds, "report": report})


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
