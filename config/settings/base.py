"""Settings shared by every environment; secrets and services come from the environment."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "csp",
    "axes",
    "core",
    "accounts",
    "projects",
    "approvals",
    "inspections",
    "ratings",
    "performance",
    "dashboards",
]

MIDDLEWARE = [
    "core.security.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.security.AbsoluteSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboards.navigation.navigation",
                "performance.context.warning_bell",
            ],
        },
    },
]

# The embedded default (SQLite) lets a newcomer try the app with one command; deployments and CI
# set DATABASE_URL to PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under concurrent requests (docs/architecture.md, "The embedded
    # default"): WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock
    # when a transaction begins, so a second writer waits (up to `timeout`) instead of failing
    # at once with "database is locked" when its read lock cannot be upgraded mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )


# Reads from a streaming replica (docs/architecture.md, "Reads from a replica"). With
# DATABASE_REPLICA_URL set, the views that opt in (dashboards, exports, lists, open data: GET only)
# read from the replica; writes, transactions, sessions and log-in data stay on the primary. A
# user is pinned to the primary for REPLICA_PIN_SECONDS after a write, so they read what they
# wrote. A replica that does not answer within its connect_timeout or is more than
# REPLICA_MAX_LAG_SECONDS behind is left alone for REPLICA_DOWN_SECONDS (reads go to the primary,
# no error); its lag is measured every REPLICA_CHECK_SECONDS. Without it: everything on `default`.
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=10)
REPLICA_MAX_LAG_SECONDS = env.int("REPLICA_MAX_LAG_SECONDS", default=30)
REPLICA_DOWN_SECONDS = 5
REPLICA_CHECK_SECONDS = 5
# Read from the primary always: a log-out, a revoked token or a deactivated user counts at once.
REPLICA_PRIMARY_ONLY = ["sessions", "knox", "axes", "accounts.user"]
# Writes that do not pin the user: bookkeeping nobody reads back on the next page (the session,
# a token's expiry moved on, log-in attempts, the audit event of a discipline officer's read).
# Every other write is of a model besides its audit event.
REPLICA_PIN_IGNORE = ["sessions", "knox", "axes", "core.auditevent"]


def replica_database(url: str) -> dict[str, Any]:
    config = env.db_url_config(url)
    config["ATOMIC_REQUESTS"] = False
    if config["ENGINE"] == "django.db.backends.postgresql":
        # a replica that does not answer is given up quickly (and left alone a few seconds)
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Tests read the test database through it (Django's TEST MIRROR).
    config["TEST"] = {"MIRROR": "default"}
    return config


def replica_routing(middleware: list[str]) -> tuple[list[str], list[str]]:
    """DATABASE_ROUTERS and MIDDLEWARE when there is a replica: the router, and the pin after the
    user is known."""
    after = middleware.index("core.security.AbsoluteSessionMiddleware") + 1
    pinned = [*middleware[:after], "core.replica.ReplicaPinMiddleware", *middleware[after:]]
    return ["core.replica.ReplicaRouter"], pinned


DATABASE_ROUTERS: list[str] = []
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = replica_database(env("DATABASE_REPLICA_URL"))
    DATABASE_ROUTERS, MIDDLEWARE = replica_routing(MIDDLEWARE)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# django-axes first: five failed log-ins for one user name from one address lock that pair out
# for 15 minutes, and 30 from one address (any names: password spraying) lock the address
# (pages and the API token endpoint alike); a success clears its own pair's count
# (accounts.throttling). Never a user name on its own: a spray of that name from many addresses
# must not lock its owner out everywhere. Each try while locked starts the 15 minutes again, so
# an attacker gets at most 20 password guesses an hour per (name, address) and 120 per address;
# README "Security" has the figures.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UserWithOrganisationBackend",
]
AXES_HANDLER = "accounts.throttling.UserAndAddressHandler"
AXES_FAILURE_LIMIT = 5
AXES_ADDRESS_FAILURE_LIMIT = 30
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploads: attachments are documents and drawings, not videos. Form fields (not files) of one
# request stay under 5 MB and 1,000 fields; a file over 2.5 MB goes to a temporary file instead
# of memory; one request carries at most 20 files (the forms allow 10, so the forms' own
# message in Chinese answers 11 to 20 and Django refuses more before reading them). Django
# does not cap a request's total size: the proxy does (deploy/nginx: client_max_body_size, the
# largest request these limits allow; tests/proxy keeps the two in step).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 20
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_MAX_FILES = 10

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # django-redis keeps one client per process; Django's own Redis backend builds a new
    # redis-py client (and its table of ~170 reply callbacks) for every cache call.
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# In each process: facts that may be half a minute old (a project's public facts, the rating
# policy), read on the residents' busiest path without a network round trip.
CACHES["process"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "process",
}

# Celery: a real worker on Redis when REDIS_URL is set; otherwise tasks run eagerly in-process
# (the embedded default only).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A task whose worker died is handed out again after this long (Redis's default is an hour);
# longer than any job here (scoring a quarter of 2,000 companies: seconds), and every task is
# idempotent, so a slow one given out twice does no harm.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 15 * 60}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # The dashboard's roll-up of a province's figures (docs/province.md).
    "dashboards-rollups-refresh": {
        "task": "dashboards.tasks.rollups_refresh_task",
        "schedule": timedelta(minutes=env.int("ROLLUP_MINUTES", default=10)),
    },
    # The anomaly lists of every region, computed ahead for the region views (docs/province.md).
    "dashboards-anomalies-snapshot": {
        "task": "dashboards.tasks.anomalies_snapshot_task",
        "schedule": timedelta(minutes=env.int("ANOMALY_SNAPSHOT_MINUTES", default=60)),
    },
    # Verify the audit chains every night from the last signed head (its signature, then the
    # events after it) and keep the heads; every Sunday hash every event again (docs/audit.md).
    "audit-verify-nightly": {
        "task": "core.tasks.audit_verify_chain",
        "schedule": crontab(hour=1, minute=30),
    },
    "audit-verify-full-weekly": {
        "task": "core.tasks.audit_verify_chain",
        "schedule": crontab(hour=3, minute=0, day_of_week="sun"),
        "kwargs": {"full": True},
    },
    # Sign the head at the end of each finished day with the key outside the database
    # (core.heads, docs/audit.md), after the night's verification.
    "audit-sign-heads-nightly": {
        "task": "core.tasks.audit_sign_heads",
        "schedule": crontab(hour=1, minute=40),
    },
    # Ratings whose screening task was lost (a worker killed mid-task) are screened anyway.
    "ratings-screen-pending": {
        "task": "ratings.tasks.screen_pending_ratings",
        "schedule": crontab(minute="*"),
    },
    # Low-score reviews for ratings that have settled since the day's last check.
    "ratings-review-check-nightly": {
        "task": "ratings.tasks.review_check_recent",
        "schedule": crontab(hour=1, minute=15),
    },
    # Files kept from refused filing forms, once their day is over (projects.kept_uploads).
    "projects-kept-uploads-nightly": {
        "task": "projects.tasks.forget_kept_uploads",
        "schedule": crontab(hour=4, minute=0),
    },
    # Exports and PDF reports made for their readers, once kept long enough (core.downloads).
    "core-downloads-expire-nightly": {
        "task": "core.tasks.downloads_expire",
        "schedule": crontab(hour=4, minute=15),
    },
    # Working days without a patrol log become violations against the supervision unit.
    "patrol-logs-missing-nightly": {
        "task": "inspections.tasks.find_missing_patrol_logs",
        "schedule": crontab(hour=1, minute=0),
    },
    # Performance and credit (performance): the quarter just ended, scored on the 1st of
    # Jan/Apr/Jul/Oct; credit rules after the patrol-log check; then risk colours, warnings.
    "performance-score-quarterly": {
        "task": "performance.tasks.score_quarter",
        "schedule": crontab(day_of_month=1, month_of_year="1,4,7,10", hour=2, minute=0),
    },
    "performance-credit-nightly": {
        "task": "performance.tasks.credit_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    "performance-risk-nightly": {
        "task": "performance.tasks.risk_recompute",
        "schedule": crontab(hour=3, minute=0),
    },
    "performance-warnings-nightly": {
        "task": "performance.tasks.warnings_refresh",
        "schedule": crontab(hour=3, minute=30),
    },
    "performance-demonstration-yearly": {
        "task": "performance.tasks.demonstration_yearly",
        "schedule": crontab(day_of_month=5, month_of_year="1", hour=4, minute=0),
    },
    # 双随机: the month's spot-check plan drafted on its first working day (the task checks).
    "inspections-spot-check-plan-monthly": {
        "task": "inspections.tasks.spot_check_plan_draft",
        "schedule": crontab(hour=6, minute=0),
    },
    # Long jobs cut into chunks that stopped moving are asked for again (core.chunks).
    "core-job-runs-resume-stale": {
        "task": "core.tasks.job_runs_resume_stale",
        "schedule": crontab(minute="*/15"),
    },
    # Tasks whose publish failed (broker down at commit time) are sent again.
    "core-outbox-relay": {
        "task": "core.tasks.outbox_relay",
        "schedule": crontab(minute="*"),
    },
}

# The nightly jobs in the order beat runs them: what the embedded default (no beat) runs at
# start-up and then daily at NIGHTLY_JOBS_AT, and what seed_demo runs once (core.jobs).
NIGHTLY_JOBS = [
    "patrol-logs-missing-nightly",
    "ratings-review-check-nightly",
    "performance-credit-nightly",
    "performance-risk-nightly",
    "performance-warnings-nightly",
    "inspections-spot-check-plan-monthly",
    "audit-verify-nightly",
    "projects-kept-uploads-nightly",
    "core-downloads-expire-nightly",
]
NIGHTLY_JOBS_AT = "01:00"
# Exports and PDF reports made on a worker (core.downloads) are kept this many days.
DOWNLOAD_KEEP_DAYS = env.int("DOWNLOAD_KEEP_DAYS", default=7)

# Queues by kind (docs/architecture.md, "Workers by kind"): the small tasks that follow a write
# (risk colours, decision notices, mail, the outbox relay) on the default `events` queue; the
# residents' rating screening on `ratings`; the scheduled and on-demand jobs on `jobs`; the
# Excel exports asked for on pages on `exports` and the PDF reports on `documents`. Each
# has workers of its own (docker-compose.yml: worker, worker-ratings, worker-jobs,
# worker-exports, worker-documents), scaled on its own, so that a night's scoring never delays a
# rating's screening or a notice after a write, nor a province's export somebody's PDF.
CELERY_QUEUES_BY_KIND = ("events", "ratings", "jobs", "exports", "documents")
CELERY_TASK_DEFAULT_QUEUE = "events"
CELERY_TASK_ROUTES = {
    "ratings.tasks.*": {"queue": "ratings"},
    "core.tasks.job_run": {"queue": "jobs"},
    "core.tasks.job_chunk": {"queue": "jobs"},
    "dashboards.tasks.anomalies_snapshot_region_task": {"queue": "jobs"},
    "core.tasks.export_make": {"queue": "exports"},
    "core.tasks.document_make": {"queue": "documents"},
}
for _entry in CELERY_BEAT_SCHEDULE.values():
    # a scheduled run goes to `jobs` (the same task sent after a write, e.g. one project's risk,
    # stays an event); the relay and the ratings' own entries keep their queues
    if _entry["task"] != "core.tasks.outbox_relay" and not _entry["task"].startswith("ratings."):
        _entry.setdefault("options", {})["queue"] = "jobs"

# Long jobs cut into chunks (core.chunks, docs/architecture.md "Long jobs"): the beat entry and
# the ChunkedJob that runs it, one transaction per chunk with its progress, resumable.
CHUNKED_JOBS = {
    "performance-score-quarterly": "performance.jobs.SCORE_QUARTER",
    "performance-risk-nightly": "performance.jobs.RISK_NIGHTLY",
}

# API tokens (django-rest-knox): kept only as SHA-512 digests, one per client that logs in. A
# token lives like a session: it ends API_TOKEN_IDLE_MINUTES after its last use (each use moves
# the end on) and API_TOKEN_MAX_HOURS after it was issued however active. Its owner lists and
# revokes it; a password change or deactivation revokes all of a user's (accounts.services).
API_TOKEN_IDLE = timedelta(minutes=env.int("API_TOKEN_IDLE_MINUTES", default=30))
API_TOKEN_MAX_AGE = timedelta(hours=env.int("API_TOKEN_MAX_HOURS", default=12))
REST_KNOX = {
    "TOKEN_TTL": API_TOKEN_IDLE,
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": API_TOKEN_MAX_AGE,
    "AUTH_HEADER_PREFIX": "Token",
}

REST_FRAMEWORK = {
    # The token first: DRF answers a missing or bad credential with the first class's
    # WWW-Authenticate, so an expired or revoked token gets 401 (the session has none: 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "零星工程智慧监管平台 API",
    "DESCRIPTION": "District minor public works platform. Same permissions as the pages.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TierEnum": "projects.choices.Tier",
        "ProjectStatusEnum": "projects.choices.ProjectStatus",
    },
}

# Content-Security-Policy: everything is served from this host (government intranets).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.security.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "security": {"level": "INFO"}},
}

# Business defaults that are not (yet) policies in the database.
LEDGER_WARNINGS = {"blue_share_elapsed": 0.5, "yellow_days_left": 3}
# The dashboard reads a province's figures from its roll-up on PostgreSQL, refreshed this often
# (dashboards/rollups.py, docs/province.md); off, it aggregates the live tables on each request.
DASHBOARD_ROLLUPS = env.bool("DASHBOARD_ROLLUPS", default=True)
ROLLUP_MINUTES = env.int("ROLLUP_MINUTES", default=10)
# A region's view reads its anomaly lists from the snapshots the beat job computes this often
# (dashboards/snapshots.py, docs/province.md); off, every list is computed on each request.
ANOMALY_SNAPSHOTS = env.bool("ANOMALY_SNAPSHOTS", default=True)
ANOMALY_SNAPSHOT_MINUTES = env.int("ANOMALY_SNAPSHOT_MINUTES", default=60)
SPOT_CHECK_RATES = {"red": 1.0, "yellow": 0.5, "green": 0.1}
SPOT_CHECK_DEADLINE_DAYS = 15
# PDF signatures (core/signing.py): the demo district CA and every organisation's key and
# certificate, as PEM files made at set-up (manage.py signing_keys) or on first use. Outside the
# repository's tracked files (/var/ is git-ignored) and never in the database; a deployment
# points this at a volume of its own.
SIGNING_KEYS_DIR = env.path("SIGNING_KEYS_DIR", default=BASE_DIR / "var" / "signing-keys")
# Site videos (inspections.VideoPolicy, effective-dated, overrides these): seconds and bytes of
# one clip, one clip per entry. A policy may not go above VIDEO_MAX_BYTES_CEILING: ten photos of
# 15 MB plus one clip of 50 MB plus the form stay under the proxy's client_max_body_size.
VIDEO_LIMITS = {"max_seconds": 60, "max_bytes": 50 * 1024 * 1024}
VIDEO_MAX_BYTES_CEILING = 50 * 1024 * 1024
DEMO_PASSWORD = env("DEMO_PASSWORD", default="licheng-demo-2025")
# The discipline map's base layer, e.g. an intranet tile server "https://tiles.example/{z}/{x}/{y}.png"
# (its origin is added to the map page's img-src). Empty: the district outline shipped in the repo.
MAP_TILE_URL = env("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")

# The residents' side. The public base URL is what QR codes point at (the address residents
# reach, which may differ from the intranet one); empty = the address of the request.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="")
# Behind N reverse proxies of our own, the client address is the N-th from the right of
# X-Forwarded-For; 0 = REMOTE_ADDR (no proxy). Production requires it to be set (1 behind
# deploy/nginx): config/settings/production.py.
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)
# Per client address, on the public rating and report forms (django-ratelimit, on the cache:
# Redis in production). The rating limit stops machine rates only: a crowd at a site sign shares
# one carrier address, and ratings that pass it but cluster are held for moderation by the
# screening (ratings.abuse), not refused (docs/rules.md §7).
RATING_RATE_LIMIT = env("RATING_RATE_LIMIT", default="40/5m")
REPORT_RATE_LIMIT = env("REPORT_RATE_LIMIT", default="5/h")
# The ceiling of a reward for a confirmed report (元), set by the district (seed 000 §四.5).
REPORT_REWARD_MAX = env("REPORT_REWARD_MAX", default="5000")
# The supervision hotline shown to residents (the public page, the site sign, a report's
# status): the national 纪检监察 reporting line unless the district sets its own.
SUPERVISION_HOTLINE = env("SUPERVISION_HOTLINE", default="12388")
# Looking a report up by its reference: enough for a resident, too few to walk the references.
REPORT_LOOKUP_RATE_LIMIT = env("REPORT_LOOKUP_RATE_LIMIT", default="30/h")
# Uploads to the public signature verification page, per address.
VERIFY_RATE_LIMIT = env("VERIFY_RATE_LIMIT", default="30/h")
RATING_PHONE_CHECK = env.bool("RATING_PHONE_CHECK", default=False)
RATING_SMS_BACKEND = env("RATING_SMS_BACKEND", default="ratings.sms.ConsoleBackend")

# The Ed25519 key that signs each day's audit head (docs/audit.md). It is never in the database:
# a PEM file (AUDIT_SIGNING_KEY_FILE), or the key itself in the environment (AUDIT_SIGNING_KEY:
# PEM, or base64 of its 32 bytes). Without one the nightly job signs nothing and says so in the
# log; the application serves as before. A host that publishes the heads but does not sign them
# may be given only the public key (AUDIT_PUBLIC_KEY: PEM or base64 of its 32 bytes).
AUDIT_SIGNING_KEY_FILE = env("AUDIT_SIGNING_KEY_FILE", default="")
AUDIT_SIGNING_KEY = env("AUDIT_SIGNING_KEY", default="")
AUDIT_PUBLIC_KEY = env("AUDIT_PUBLIC_KEY", default="")
# The audit chains (docs/audit.md "Chains"): events are spread over this many write chains and
# read chains (discipline officers' reads), each with its own append lock, so that writers of
# different chains never wait for one another. Raising them later is safe; events stay where
# they are, and new ones follow the new spread.
AUDIT_CHAINS = env.int("AUDIT_CHAINS", default=16)
AUDIT_READ_CHAINS = env.int("AUDIT_READ_CHAINS", default=4)
# The embedded default writes a key file at set-up when there is none (seed_demo); never true
# in production, where a missing key must be noticed, not replaced.
AUDIT_SIGNING_KEY_AUTOCREATE = False
