"""The RQ queue the test suite uses on ``LAOXIAO_TASKS_BACKEND=rq`` (settings_test: ``ASYNC: False``,
each task run in the process that queues it): RQ's time limit by a timer instead of SIGALRM, so a task
queued from a thread (the live server of a browser test, a concurrency test's threads) runs too."""

from __future__ import annotations

from typing import Any

from django_rq.queues import DjangoRQ
from rq.timeouts import TimerDeathPenalty


class InlineQueue(DjangoRQ):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["death_penalty_class"] = TimerDeathPenalty
        super().__init__(*args, **kwargs)
