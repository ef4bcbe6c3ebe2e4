"""Pages of background jobs: my jobs, one job (its progress polls with htmx), retry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from laoxiao.core.errors import NotFound
from laoxiao.jobs import actions, selectors
from laoxiao.jobs.models import Job
from laoxiao.jobs.registry import KINDS


def _get(request: HttpRequest, pk: int) -> Job:
    try:
        return selectors.job_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def _context(request: HttpRequest, job: Job) -> dict:
    spec = KINDS.get(job.kind)
    return {
        "job": job,
        "title": spec.title if spec else job.kind,
        "can_retry": selectors.can_retry(request.user, job),
    }


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = list(selectors.jobs_of(actor=request.user)[:100])
    return render(request, "jobs/job_list.html", {"jobs": jobs, "kinds": KINDS})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get(request, pk)
    template = "jobs/_progress.html" if request.htmx else "jobs/job_detail.html"
    return render(request, template, _context(request, job))


@login_required
@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get(request, pk)
    try:
        actions.job_retry(actor=request.user, job=job)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("job-detail", pk=job.pk)
