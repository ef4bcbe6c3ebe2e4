"""On ``LAOXIAO_TASKS_BACKEND=rq`` the suite's tasks go through this process's own queue on Redis
(settings_test): delete it when the session ends (the Redis server is shared by parallel runs)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings

from laoxiao.jobs.engines import RQ, engine
from laoxiao.jobs.tests.rq_inline import forget_queue


@pytest.fixture(scope="session", autouse=True)
def _forget_the_test_queue() -> Iterator[None]:
    yield
    if engine() == RQ:
        forget_queue(settings.LAOXIAO_REDIS_URL, settings.LAOXIAO_TASKS_QUEUE)
