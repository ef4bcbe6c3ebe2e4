"""Test settings: only overrides. DATABASE_URL chooses SQLite (default, in memory) or PostgreSQL."""

import os

os.environ.setdefault("LAOXIAO_DEBUG", "1")
os.environ.setdefault("LAOXIAO_SECRET_KEY", "test-secret-key-not-for-production")
# a fixed test key: URL-safe base64 of 32 bytes
os.environ.setdefault("LAOXIAO_FIELD_KEY", "dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy0hISE=")
os.environ.setdefault("LAOXIAO_TASKS_BACKEND", "immediate")  # jobs run in the test's process
if not os.environ.get("LAOXIAO_TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = "sqlite:///:memory:"
else:
    os.environ["DATABASE_URL"] = os.environ["LAOXIAO_TEST_DATABASE_URL"]

from laoxiao.settings import *  # noqa: E402,F403
from laoxiao.settings import DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA foreign_keys=ON;"}
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

INSTALLED_APPS = [*INSTALLED_APPS, "laoxiao.core.tests.testapp"]  # noqa: F405

# No cache shared across test runs (docs/decisions/0003-planning-shared-cache.md)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# LAOXIAO_TASKS_BACKEND=rq (the CI step on the broker): each task goes through RQ and Redis but runs in
# the test's process, as "immediate" does, on a queue of this process's own (parallel runs share Redis).
# The broker tests (laoxiao/jobs/tests/test_broker.py) start real workers on a queue of their own.
if "RQ_QUEUES" in globals():
    LAOXIAO_TASKS_QUEUE = f"laoxiao-test-{os.getpid()}"
    TASKS["default"]["QUEUES"] = [LAOXIAO_TASKS_QUEUE]  # noqa: F405
    RQ_QUEUES = {  # noqa: F405
        LAOXIAO_TASKS_QUEUE: {
            **RQ_QUEUES["default"],  # noqa: F405
            "ASYNC": False,
            "QUEUE_CLASS": "laoxiao.jobs.tests.rq_inline.InlineQueue",  # runs from threads too
        },
        "default": RQ_QUEUES["default"],  # noqa: F405
    }
