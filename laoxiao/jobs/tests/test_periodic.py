"""The worker's periodic housekeeping: due functions run once per period, failures never stop it;
the stored answers of idempotent requests are pruned after their keep time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from laoxiao.accounts.tests.factories import make_user
from laoxiao.api.idempotency import prune
from laoxiao.api.models import IdempotencyRecord
from laoxiao.jobs import periodic


def test_due_functions_run_once_per_period_and_a_failure_does_not_stop_the_others(monkeypatch) -> None:
    monkeypatch.setattr(periodic, "REGISTRY", {})
    calls: list[str] = []

    def boom() -> None:
        calls.append("boom")
        raise RuntimeError("broken")

    periodic.register_periodic("a", 60, lambda: calls.append("a"))
    periodic.register_periodic("b", 10, boom)
    assert periodic.run_due(now=1000) == ["a", "b"]
    assert periodic.run_due(now=1005) == []  # neither is due yet
    assert periodic.run_due(now=1011) == ["b"]
    assert periodic.run_due(now=1061) == ["a", "b"]
    assert calls == ["a", "boom", "boom", "a", "boom"]


def test_the_api_registers_the_idempotency_prune() -> None:
    assert "api.idempotency_prune" in periodic.REGISTRY


@pytest.mark.django_db
def test_prune_deletes_only_answers_past_their_keep_time(settings) -> None:
    settings.LAOXIAO_IDEMPOTENCY_KEEP_HOURS = 48
    user = make_user("idem", [], [])
    old = IdempotencyRecord.objects.create(user=user, key="old", method="POST", path="/x", fingerprint="f")
    new = IdempotencyRecord.objects.create(user=user, key="new", method="POST", path="/x", fingerprint="f")
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=49))
    assert prune() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert prune(keep_hours=0) == 1 and not IdempotencyRecord.objects.filter(pk=new.pk).exists()
