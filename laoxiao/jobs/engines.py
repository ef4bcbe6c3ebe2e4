"""Which worker the configured task backend needs (``laoxiao jobs_worker`` and ``laoxiao serve`` ask)."""

from __future__ import annotations

from django_tasks import task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_rq import RQBackend

DATABASE = "database"
RQ = "rq"


def engine(alias: str = "default") -> str:
    """ "database" (django-tasks-db's queue in our database), "rq" (RQ on Redis), or "" when the backend
    runs its tasks itself (``immediate``) and no worker is needed."""
    backend = task_backends[alias]
    if isinstance(backend, DatabaseBackend):
        return DATABASE
    if isinstance(backend, RQBackend):
        return RQ
    return ""
