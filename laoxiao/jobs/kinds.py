"""The job kinds: long work that runs in the background worker, in repeatable chunks."""

from __future__ import annotations

import inspect
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_noop

from laoxiao.accounts.models import RegionAssignment
from laoxiao.benefits.actions.batches import batch_build, batch_build_failed, may_build
from laoxiao.benefits.models import PaymentBatch
from laoxiao.core.access import is_city_admin
from laoxiao.imports import base
from laoxiao.jobs.periodic import register_periodic
from laoxiao.jobs.registry import Progress, job_kind
from laoxiao.plan.actions.values import indicator_values_recompute
from laoxiao.services.actions.alarms import alarms_escalate


@job_kind("indicators.compute", allowed=is_city_admin, title=gettext_noop("Recompute indicator values"))
def indicators_compute_job(job: Any, progress: Progress) -> dict[str, Any]:
    """The cockpit's recomputation: reads outside a transaction, upserts in short chunks (repeatable)."""
    done = indicator_values_recompute(
        actor=job.created_by,
        period=job.params.get("period"),
        region_code=str(job.params.get("region") or job.region_code),
        progress=progress,
    )
    return {"period": done.period, "region": done.region_code, "regions": done.regions, "values": done.values}


@job_kind(
    "services.alarms_escalate", allowed=is_city_admin, title=gettext_noop("Escalate unacknowledged alarms")
)
def services_alarms_escalate_job(job: Any, progress: Progress) -> dict[str, Any]:
    """Emergency alarms not acknowledged in time move up a level (repeatable: a conditional update)."""
    moved = alarms_escalate()
    progress(1, 1)
    return {"escalated": moved}


# the worker escalates overdue alarms every minute (the rule's step is minutes)
register_periodic("services.alarms_escalate", 60, alarms_escalate)


@job_kind("benefits.batch_build", allowed=may_build, title=gettext_noop("Build a payment batch"))
def benefits_batch_build_job(job: Any, progress: Progress) -> dict[str, Any]:
    """A payment batch's build (``benefits.actions.batches.batch_build``): chunked and resumable, so
    a lost worker's job run again finishes the same batch (its owner is the job: the rerun takes
    the lost run's chunk leases back at once). Params: batch (id)."""
    batch = PaymentBatch.objects.get(pk=int(job.params["batch"]))
    try:
        done = batch_build(batch=batch, actor=job.created_by, progress=progress, owner=f"job:{job.pk}")
    except Exception as exc:
        batch_build_failed(batch=batch, message=str(exc))
        raise
    return {
        "batch": done.pk,
        "status": done.status,
        "items": done.items_count,
        "total_fen": done.total_fen,
        "held": done.held_count,
        "already_paid_elsewhere": done.skipped_count,
    }


def upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "jobs" / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(upload: Any) -> Path:
    """Copy an uploaded file under VAR_DIR/jobs/uploads (a random name; the job deletes it after)."""
    suffix = Path(str(upload.name or "")).suffix.lower()[:8]
    target = upload_dir() / f"{uuid.uuid4().hex}{suffix if suffix.isascii() else ''}"
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target


def actor_region(actor: Any) -> str | None:
    """The region a user's job belongs to: the city for city-wide users, else their first region."""
    prefixes = actor.region_prefixes()
    if prefixes is None:
        return str(settings.LAOXIAO_CITY_CODE)
    row = (
        RegionAssignment.objects.filter(user=actor)
        .order_by("pk")
        .values_list("region_code", flat=True)
        .first()
    )
    return row


def _may_import(actor: Any) -> bool:
    return bool(getattr(actor, "is_active", False))  # the import kind itself checks who may import what


@job_kind("imports.run", allowed=_may_import, title=gettext_noop("Import a file"))
def imports_run_job(job: Any, progress: Progress) -> dict[str, Any]:
    """A large upload: the stored file is imported by ``run_import`` (chunked writes, its own
    permission checks), then deleted. Params: kind, path (under VAR_DIR/jobs/uploads), name."""
    path = upload_dir() / Path(str(job.params.get("path", ""))).name
    run_import: Any = base.run_import

    def step(done: int, total: int = 0, *_: Any) -> None:  # run_import's (done) or (done, total)
        progress(done, total or done, "")

    try:
        kwargs: dict[str, Any] = {
            "actor": job.created_by,
            "filename": job.params.get("name") or path.name,
            "dry_run": bool(job.params.get("dry_run")),
        }
        if "progress" in inspect.signature(run_import).parameters:
            kwargs["progress"] = step
        with path.open("rb") as fh:
            report = run_import(job.params["kind"], fh, **kwargs)
    finally:
        path.unlink(missing_ok=True)
    return _report_summary(report)


def _report_summary(report: Any) -> dict[str, Any]:
    errors = list(getattr(report, "errors", []) or [])
    return {
        "rows": int(getattr(report, "rows", 0) or 0),
        "written": bool(getattr(report, "written", False)),
        "errors": len(errors),
        "first_errors": [str(e) for e in errors[:20]],
    }
