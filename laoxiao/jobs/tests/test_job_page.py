"""The job page: a running job's progress (done/total, percent, message, polling), a failed job's
errors and the administrator's retry from the page (a fresh start: no stale errors, result or start
time); a queued job whose task was lost is sent again. Marked ``broker``: the CI runs them again on
the RQ backend."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from laoxiao.accounts.tests.factories import PASSWORD
from laoxiao.core.models import ChangeLog
from laoxiao.jobs import actions
from laoxiao.jobs.models import Job
from laoxiao.web.browser import browser_page, chromium_path

pytestmark = [pytest.mark.django_db, pytest.mark.broker]
COUNTY = "340603000000"


def _job(admin: Any, **fields: Any) -> Job:
    return Job.objects.create(
        kind="indicators.compute", params={"period": "2021"}, created_by=admin, region_code=COUNTY, **fields
    )


def test_a_running_jobs_page_shows_its_progress_and_polls(admin_user: Any, client: Any) -> None:
    job = _job(
        admin_user,
        status="running",
        done=3,
        total=10,
        message="县 3 of 10",
        attempts=2,
        started_at=timezone.now(),
        lease_owner="w1",
        lease_expires=timezone.now() + dt.timedelta(minutes=1),
    )
    client.force_login(admin_user)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert '<progress max="100" value="30">' in page and "3/10" in page and "县 3 of 10" in page
    assert 'hx-trigger="every 2s"' in page and 'data-status="running"' in page
    assert 'id="retry"' not in page  # a running job is not retried
    assert client.post(f"/jobs/{job.pk}/retry/").status_code == 302
    job.refresh_from_db()
    assert job.status == "running" and job.lease_owner == "w1"  # the refused retry changed nothing
    api = client.get(f"/api/v1/jobs/{job.pk}").json()
    assert (api["status"], api["done"], api["total"], api["message"]) == ("running", 3, 10, "县 3 of 10")
    Job.objects.filter(pk=job.pk).update(status="done", done=10, finished_at=timezone.now())
    done = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and 'value="100"' in done  # a finished job stops polling


def test_an_administrator_retries_a_failed_job_from_its_page(
    admin_user: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    old = timezone.now() - dt.timedelta(hours=1)
    job = _job(
        admin_user,
        status="failed",
        done=4,
        total=9,
        attempts=3,
        errors=["RuntimeError: the database went away", "the worker was lost 3 times"],
        result={"partial": 1},
        started_at=old,
        finished_at=old,
    )
    client.force_login(admin_user)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "RuntimeError: the database went away" in page and "the worker was lost 3 times" in page
    assert 'id="retry"' in page and f'action="/jobs/{job.pk}/retry/"' in page
    assert "hx-trigger" not in page  # a failed job does not poll
    with django_capture_on_commit_callbacks(execute=False) as sent:
        r = client.post(f"/jobs/{job.pk}/retry/")
    assert r.status_code == 302 and r["Location"] == f"/jobs/{job.pk}/" and len(sent) == 1
    job.refresh_from_db()
    assert (job.status, job.done, job.errors, job.result, job.attempts) == ("queued", 0, [], {}, 0)
    assert job.started_at is None and job.finished_at is None and job.lease_expires > timezone.now()
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "the database went away" not in page and 'hx-trigger="every 2s"' in page
    assert ChangeLog.objects.filter(note="job indicators.compute retried", actor=admin_user).count() == 1
    sent[0]()  # the engine runs it
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 1 and job.started_at > old and job.errors == []
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-status="done"' in page and 'id="retry"' not in page


def test_a_queued_job_whose_task_was_lost_is_sent_again(
    admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):  # the task never reaches the engine
        job = actions.job_enqueue(
            actor=admin_user, kind="indicators.compute", params={"period": "2021"}, region_code=COUNTY
        )
    assert job.status == "queued" and job.lease_expires > timezone.now()
    assert actions.jobs_requeue_expired() == 0  # not yet due: a task may just be waiting its turn
    Job.objects.filter(pk=job.pk).update(lease_expires=timezone.now() - dt.timedelta(seconds=1))
    assert actions.jobs_requeue_expired() == 1  # sent again; the engine runs it
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 1
    assert actions.jobs_requeue_expired() == 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_retry_from_the_job_page_in_a_real_browser(live_server: Any, admin_user: Any) -> None:
    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed")
    job = _job(admin_user, status="failed", done=1, total=5, errors=["RuntimeError: 计算中断"])
    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", admin_user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/jobs/{job.pk}/")
        assert page.locator("#job-progress").get_attribute("data-status") == "failed"
        assert "RuntimeError: 计算中断" in page.locator("ul.errors").inner_text()
        page.click("#retry")  # the test's engine runs the job as the retry commits
        page.wait_for_url(f"{live_server.url}/jobs/{job.pk}/")
        page.wait_for_selector('#job-progress[data-status="done"]', timeout=30_000)
        assert page.locator("ul.errors").count() == 0 and page.locator("#retry").count() == 0
        assert errors == []
    job.refresh_from_db()
    assert job.status == "done" and job.errors == []
