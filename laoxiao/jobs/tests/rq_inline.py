"""RQ for the test suite. ``InlineQueue`` is the queue it uses on ``LAOXIAO_TASKS_BACKEND=rq``
(settings_test: ``ASYNC: False``, each task run in the process that queues it): RQ's time limit by a
timer instead of SIGALRM, so a task queued from a thread (the live server of a browser test, a
concurrency test's threads) runs too. ``forget_queue`` deletes a test queue's keys from Redis."""

from __future__ import annotations

from typing import Any

import redis
from django_rq.queues import DjangoRQ
from rq.timeouts import TimerDeathPenalty


class InlineQueue(DjangoRQ):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["death_penalty_class"] = TimerDeathPenalty
        super().__init__(*args, **kwargs)


def forget_queue(url: str, queue: str) -> None:
    """Delete the queue ``queue``, its registries and its tasks from the Redis at ``url``."""
    r = redis.Redis.from_url(url)
    keys = list(r.scan_iter(match=f"rq:*:{queue}", count=1000))
    ids: set[bytes] = set()
    for key in keys:
        kind = r.type(key)
        if kind == b"zset":
            ids.update(r.zrange(key, 0, -1))
        elif kind == b"list":
            ids.update(r.lrange(key, 0, -1))
    for job_id in ids:
        job_id = job_id.split(b":")[0]
        keys += [b"rq:job:" + job_id, b"rq:results:" + job_id]
    if keys:
        r.delete(*keys)
    r.srem("rq:queues", f"rq:queue:{queue}")
