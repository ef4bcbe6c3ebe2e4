"""The one settings module, read from the environment.

Variables (see docs/deployment.md):
  DATABASE_URL            default sqlite:///var/laoxiao.sqlite3 (WAL mode)
  LAOXIAO_DEBUG           1 for local development
  LAOXIAO_SECRET_KEY      Django's secret key
  LAOXIAO_FIELD_KEY       key(s) for personal-data encryption: URL-safe base64 of 32 random bytes;
                          several comma-separated ``id:key`` pairs during a rotation (first encrypts)
  LAOXIAO_ALLOWED_HOSTS   comma-separated host names
With LAOXIAO_DEBUG=1 missing keys fall back to development keys kept in var/dev-keys.json;
without it the platform refuses to start until they are set.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LAOXIAO_VAR_DIR", BASE_DIR / "var"))

DEBUG = os.environ.get("LAOXIAO_DEBUG", "").lower() in {"1", "true", "yes", "on"}


def _dev_keys() -> dict[str, str]:
    """Local development keys, created once and kept in var/ (never used without LAOXIAO_DEBUG)."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "dev-keys.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    keys = {
        "secret_key": secrets.token_urlsafe(50),
        "field_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    }
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return keys


def _required(name: str, dev_value: str) -> str:
    value = os.environ.get(name, "")
    if value:
        return value
    if DEBUG:
        return dev_value
    raise ImproperlyConfigured(
        f"{name} is not set. Set it in the environment (see docs/deployment.md), "
        "or set LAOXIAO_DEBUG=1 for local development."
    )


_dev = _dev_keys() if DEBUG else {"secret_key": "", "field_key": ""}
SECRET_KEY = _required("LAOXIAO_SECRET_KEY", _dev["secret_key"])
FIELD_KEY = _required("LAOXIAO_FIELD_KEY", _dev["field_key"])

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("LAOXIAO_ALLOWED_HOSTS", "").split(",") if h.strip()]
if DEBUG:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "testserver", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",  # issue 10: login throttling (see "Sign-in, headers and duplicates" below)
    "csp",
    "django_tasks",
    "django_tasks_db",
    "laoxiao.core",
    "laoxiao.regions",
    "laoxiao.accounts",
    "laoxiao.plan",
    "laoxiao.providers",
    "laoxiao.supervision",
    "laoxiao.portal",
    "laoxiao.people",
    "laoxiao.planning",
    "laoxiao.services",
    "laoxiao.ledger",
    "laoxiao.benefits",
    "laoxiao.imports",
    "laoxiao.demo",
    "laoxiao.jobs",
    "laoxiao.web",
    "laoxiao.api",  # issue 10: Idempotency-Key records (laoxiao/api/idempotency.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "laoxiao.core.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # issue 10 (sign-in, headers): CSP on every answer, no-store on authenticated ones,
    # axes last so it sees the authenticated user (its documented place).
    "csp.middleware.CSPMiddleware",
    "laoxiao.core.headers.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "laoxiao.urls"
WSGI_APPLICATION = "laoxiao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "laoxiao.web.context_processors.shell",
            ],
        },
    },
]

DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'laoxiao.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets pages read while an import writes; see docs/decisions/0001-stack.md
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        " PRAGMA busy_timeout=10000; PRAGMA cache_size=-64000;",
        "transaction_mode": "IMMEDIATE",
    }

# The default cache stays per process; "planning" shares the projection's results between the
# server's processes (docs/decisions/0003-planning-shared-cache.md).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "planning": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache" / "planning"),
        "TIMEOUT": 7 * 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 64},
    },
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # issue 10: refuses a locked-out account/address first
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "laoxiao" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from the finders in debug
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Imports (docs/deployment.md, docs/import-formats.md "Limits"): a file larger, longer or slower is refused.
LAOXIAO_IMPORT_MAX_BYTES = int(os.environ.get("LAOXIAO_IMPORT_MAX_BYTES", 20 * 1024 * 1024))
LAOXIAO_IMPORT_MAX_ROWS = int(os.environ.get("LAOXIAO_IMPORT_MAX_ROWS", 200_000))
LAOXIAO_IMPORT_MAX_ERRORS = int(os.environ.get("LAOXIAO_IMPORT_MAX_ERRORS", 1000))
LAOXIAO_IMPORT_MAX_SECONDS = float(os.environ.get("LAOXIAO_IMPORT_MAX_SECONDS", 300))
LAOXIAO_IMPORT_MAX_UNZIPPED_BYTES = int(
    os.environ.get("LAOXIAO_IMPORT_MAX_UNZIPPED_BYTES", 200 * 1024 * 1024)
)
LAOXIAO_IMPORT_CHUNK_ROWS = int(os.environ.get("LAOXIAO_IMPORT_CHUNK_ROWS", 2000))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = os.environ.get("LAOXIAO_INSECURE_COOKIES", "") != "1"
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# The city whose divisions are loaded (the root of the region tree); any city may be loaded.
LAOXIAO_CITY_CODE = os.environ.get("LAOXIAO_CITY_CODE", "340600000000")
LAOXIAO_TODAY = os.environ.get("LAOXIAO_TODAY", "")  # ISO date: the whole run is on that day (core.clock)
LAOXIAO_PAGE_SIZE = 50

# Background jobs (docs/decisions/0005-job-engine.md, docs/deployment.md "Background jobs"): Django's
# tasks API; the engine is a setting. "database" (default) is the embedded queue that the worker
# started by `laoxiao serve` runs; "immediate" runs a job in the process that queues it (tests).
# "rq" is RQ on Redis for a province (docs/decisions/0006-broker-backend.md): the same worker command
# runs RQ's worker. Whatever the engine, correctness lives in our job rows (leases, counters).
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "rq": "django_tasks_rq.RQBackend",
}
_task_backend = os.environ.get("LAOXIAO_TASKS_BACKEND", "database")
# the queue our one task goes to (a test run takes a name of its own on a shared broker)
LAOXIAO_TASKS_QUEUE = os.environ.get("LAOXIAO_TASKS_QUEUE", "default")
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS.get(_task_backend, _task_backend),
        "QUEUES": [LAOXIAO_TASKS_QUEUE],
    }
}
LAOXIAO_REDIS_URL = os.environ.get("LAOXIAO_REDIS_URL", "redis://127.0.0.1:6379/0")
if TASKS["default"]["BACKEND"] == _TASK_BACKENDS["rq"]:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {
        LAOXIAO_TASKS_QUEUE: {
            "URL": LAOXIAO_REDIS_URL,
            # RQ's own time limit on one task; a job's lease, not this, decides when a worker is lost
            "DEFAULT_TIMEOUT": int(os.environ.get("LAOXIAO_RQ_JOB_TIMEOUT", str(6 * 3600))),
            # "0": run each task in the process that queues it, through RQ and Redis (the test suite)
            "ASYNC": os.environ.get("LAOXIAO_RQ_ASYNC", "1") != "0",
        },
    }
    # django-tasks-rq reads a task's result back over the connection of the queue named "default"
    RQ_QUEUES.setdefault("default", {"URL": LAOXIAO_REDIS_URL})
LAOXIAO_JOB_LEASE_SECONDS = int(os.environ.get("LAOXIAO_JOB_LEASE_SECONDS", "120"))
LAOXIAO_JOB_MAX_ATTEMPTS = int(os.environ.get("LAOXIAO_JOB_MAX_ATTEMPTS", "3"))
# a queued job that no worker took within this many seconds has its task sent again (a lost task)
LAOXIAO_JOB_REDISPATCH_SECONDS = int(os.environ.get("LAOXIAO_JOB_REDISPATCH_SECONDS", "600"))
# payment batches (benefits.actions.batches): beneficiaries per build chunk; a chunk lease's seconds
LAOXIAO_BENEFIT_CHUNK_SIZE = int(os.environ.get("LAOXIAO_BENEFIT_CHUNK_SIZE", "1000"))
LAOXIAO_BENEFIT_LEASE_SECONDS = int(os.environ.get("LAOXIAO_BENEFIT_LEASE_SECONDS", "120"))
# how long the first answers of idempotent API requests are kept (laoxiao/api/idempotency.py)
LAOXIAO_IDEMPOTENCY_KEEP_HOURS = float(os.environ.get("LAOXIAO_IDEMPOTENCY_KEEP_HOURS", "48"))
# Long writes commit in chunks of this many rows, each a short transaction (the write lock is short)
LAOXIAO_WRITE_CHUNK_ROWS = int(os.environ.get("LAOXIAO_WRITE_CHUNK_ROWS", "500"))
# Uploads above this many bytes are imported as a background job (the page shows its progress)
LAOXIAO_IMPORT_JOB_BYTES = int(os.environ.get("LAOXIAO_IMPORT_JOB_BYTES", str(2 * 1024 * 1024)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

APP_NAME = _("laoxiao")


# --- issue 10: sign-in throttling, security headers (docs/security.md "Sign-in, headers and duplicates")
def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


# How many reverse proxies in front of the server append to X-Forwarded-For (0: use REMOTE_ADDR).
LAOXIAO_TRUSTED_PROXY_COUNT = _env_int("LAOXIAO_TRUSTED_PROXY_COUNT", 0)
AXES_ENABLED = True
AXES_FAILURE_LIMIT = _env_int("LAOXIAO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = _env_int("LAOXIAO_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
# Lock an account after N failures from anywhere, and an address after N failures on any accounts:
# the first stops guessing one password from many addresses, the second spraying many accounts.
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_CLIENT_IP_CALLABLE = "laoxiao.core.headers.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_HTTP_RESPONSE_CODE = 429
# Bad API bearer tokens: this many from one address within the window answer 429.
LAOXIAO_API_TOKEN_FAILURE_LIMIT = _env_int("LAOXIAO_API_TOKEN_FAILURE_LIMIT", 20)
LAOXIAO_API_TOKEN_FAILURE_WINDOW = _env_int("LAOXIAO_API_TOKEN_FAILURE_WINDOW", 600)  # seconds

# Content-Security-Policy: only our own scripts (htmx and ECharts are vendored). Styles allow
# 'unsafe-inline' because ECharts and htmx set element styles at run time and templates use a few
# style= attributes for widths/colours computed on the server; no script can run from a style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
