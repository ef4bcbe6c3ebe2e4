"""The job engine in process: enqueue → run → same values as the synchronous compute; a lost
worker's job is picked up after its lease expires; finishing twice changes nothing; retry; scope.
Marked ``broker``: the CI runs them again on the RQ backend (each task through Redis, run in process)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from laoxiao.core.models import ChangeLog
from laoxiao.jobs import actions, worker
from laoxiao.jobs.kinds import upload_dir
from laoxiao.jobs.models import Job
from laoxiao.plan.actions.values import indicator_values_recompute, indicator_values_recompute_enqueue
from laoxiao.plan.models import IndicatorValue
from laoxiao.providers.tests.factories import provider
from laoxiao.regions.models import PopulationFigure

pytestmark = [pytest.mark.django_db, pytest.mark.broker]
COUNTY = "340603000000"
FIELDS = ("measure_id", "region_code", "period", "value", "numerator", "denominator", "reason")


def _values() -> list[tuple[Any, ...]]:
    return list(IndicatorValue.objects.order_by(*FIELDS[:3]).values_list(*FIELDS))


def _queue(admin: Any, capture: Any, period: str = "2021", region: str = COUNTY) -> Job:
    with capture(execute=False):  # queued, not run: the test says when a worker runs it
        return indicator_values_recompute_enqueue(actor=admin, period=period, region_code=region)


def test_the_job_stores_what_the_synchronous_compute_stores(
    admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    provider(region="340603001001", status="filed", name="甲院", beds=100, nursing_beds=60)
    indicator_values_recompute(actor=admin_user, period="2021", region_code="340600000000")
    expected = _values()
    assert expected
    IndicatorValue.objects.all().delete()
    job = _queue(admin_user, django_capture_on_commit_callbacks, region="340600000000")
    assert job.status == "queued" and not IndicatorValue.objects.exists()
    assert ChangeLog.objects.filter(note="job indicators.compute queued", actor=admin_user).exists()
    assert worker.job_run(job.pk) == "done"
    job.refresh_from_db()
    assert _values() == expected
    assert job.status == "done" and job.done == job.total > 0 and job.finished_at and job.attempts == 1
    assert job.result["values"] == len(expected)


def test_only_a_city_administrator_queues_a_recomputation(
    xiangshan_officer: Any, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with pytest.raises(PermissionDenied):
        indicator_values_recompute_enqueue(actor=xiangshan_officer, period="2021", region_code=COUNTY)
    with pytest.raises(ValidationError):
        indicator_values_recompute_enqueue(actor=admin_user, period="20x1", region_code=COUNTY)
    assert not Job.objects.exists()


def test_a_lost_workers_job_is_picked_up_and_finished_once(
    admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = _queue(admin_user, django_capture_on_commit_callbacks)
    assert worker.job_claim(job.pk, "dead-worker") is not None  # the worker took it, then was killed
    assert worker.job_claim(job.pk, "other") is None  # a live lease: nobody else takes it
    assert actions.jobs_requeue_expired() == 0
    Job.objects.filter(pk=job.pk).update(lease_expires=timezone.now() - dt.timedelta(seconds=1))
    assert actions.jobs_requeue_expired() == 1  # queued again; the (immediate) engine runs it at once
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 2 and job.lease_owner != "dead-worker"
    assert IndicatorValue.objects.filter(region_code=COUNTY, period="2021").exists()
    finished_at = job.finished_at
    # the lost worker comes back and finishes or fails: nothing changes; running again does nothing
    assert not worker.job_finish(job.pk, "dead-worker", {"values": -1})
    assert not worker.job_fail(job.pk, "dead-worker", "late")
    assert worker.job_run(job.pk) == ""
    job.refresh_from_db()
    assert job.status == "done" and job.finished_at == finished_at and job.result["values"] > 0
    assert job.errors == []
    with pytest.raises(worker.LeaseLost):
        worker.job_progress(job.pk, "dead-worker", 1, 2)


def test_a_job_that_loses_its_worker_too_often_fails(
    admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = _queue(admin_user, django_capture_on_commit_callbacks)
    worker.job_claim(job.pk, "dead")
    Job.objects.filter(pk=job.pk).update(attempts=3, lease_expires=timezone.now() - dt.timedelta(seconds=1))
    assert actions.jobs_requeue_expired(max_attempts=3) == 0
    job.refresh_from_db()
    assert job.status == "failed" and "lost" in job.errors[-1]


def test_a_failed_job_is_retried_by_an_administrator(
    admin_user: Any,
    xiangshan_officer: Any,
    client: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    import laoxiao.plan.engine as engine

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("the calculators broke")

    monkeypatch.setattr(engine, "indicators_results", broken)
    job = _queue(admin_user, django_capture_on_commit_callbacks)
    assert worker.job_run(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and "the calculators broke" in job.errors[0]
    client.force_login(admin_user)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "the calculators broke" in page and 'id="retry"' in page
    assert client.get(f"/api/v1/jobs/{job.pk}").json()["status"] == "failed"
    client.force_login(xiangshan_officer)  # sees the county's job, may not retry it
    assert 'id="retry"' not in client.get(f"/jobs/{job.pk}/").content.decode()
    assert client.post(f"/jobs/{job.pk}/retry/").status_code == 403
    monkeypatch.undo()
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/jobs/{job.pk}/retry/")
    assert r.status_code == 302
    job.refresh_from_db()
    assert job.status == "done" and job.errors == [] and job.attempts == 1
    assert ChangeLog.objects.filter(note="job indicators.compute retried").count() == 1
    with pytest.raises(ValidationError):  # a done job is not retried
        actions.job_retry(actor=admin_user, job=job)


def test_job_pages_are_scoped(
    admin_user: Any,
    xiangshan_officer: Any,
    suixi_officer: Any,
    client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    job = _queue(admin_user, django_capture_on_commit_callbacks)
    client.force_login(suixi_officer)  # another county
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/api/v1/jobs/{job.pk}").status_code == 404
    assert client.post(f"/jobs/{job.pk}/retry/").status_code == 404
    assert client.get("/api/v1/jobs/abc").status_code in (404, 422)
    assert f'href="/jobs/{job.pk}/"' not in client.get("/jobs/").content.decode()
    client.force_login(admin_user)
    r = client.get(f"/jobs/{job.pk}/")
    assert r.status_code == 200 and 'hx-trigger="every 2s"' in r.content.decode()
    assert "<script" not in r.content.decode().split("<main")[-1].split("</main>")[0]
    assert f'href="/jobs/{job.pk}/"' in client.get("/jobs/").content.decode()
    partial = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<section class="card" id="job-progress"')
    assert client.get(f"/api/v1/jobs/{job.pk}").json()["status"] == "queued"


POPULATION = "区划代码,年份,常住人口\n340603001001,2023,1000\n340621100001,2023,500\n"


def test_a_large_upload_runs_as_a_job_and_its_file_is_deleted(
    admin_user: Any, client: Any, settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:

    settings.VAR_DIR = tmp_path
    settings.LAOXIAO_IMPORT_JOB_BYTES = 10  # this small file counts as large
    client.force_login(admin_user)
    data = {"kind": "population", "file": SimpleUploadedFile("p.csv", POPULATION.encode(), "text/csv")}
    with django_capture_on_commit_callbacks(execute=False) as queued:
        r = client.post("/imports/", data)
    assert r.status_code == 302 and r["Location"].startswith("/jobs/")
    job = Job.objects.get(kind="imports.run")
    assert job.status == "queued" and not PopulationFigure.objects.filter(year=2023).exists()
    assert len(list(upload_dir().iterdir())) == 1  # stored for the worker
    queued[0]()
    job.refresh_from_db()
    assert job.status == "done" and job.result["rows"] == 2 and job.result["errors"] == 0, job.errors
    assert PopulationFigure.objects.get(year=2023, region_code="340603001001").population == 1000
    assert list(upload_dir().iterdir()) == []  # deleted after
    assert "path" not in client.get(f"/api/v1/jobs/{job.pk}").json()["params"]
    htmx = client.post(
        "/imports/",
        {"kind": "population", "file": SimpleUploadedFile("p.csv", POPULATION.encode(), "text/csv")},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 204 and htmx["HX-Redirect"].startswith("/jobs/")
    settings.LAOXIAO_IMPORT_JOB_BYTES = 10**6  # a small file is imported in the request as before
    small = client.post(
        "/imports/",
        {"kind": "population", "file": SimpleUploadedFile("p.csv", POPULATION.encode(), "text/csv")},
    )
    assert small.status_code == 200 and Job.objects.filter(kind="imports.run").count() == 2
