"""Tests: the real services when DATABASE_URL/REDIS_URL are set, tasks eager unless a test asks."""

from .base import *  # noqa: F403
from .base import STORAGES

SECRET_KEY = "test-only-not-secret"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests that need a worker switch this off for themselves (tests/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
# The dashboard aggregates live in tests, which read their writes at once; the roll-up's own
# tests switch it on (dashboards/tests/test_rollups.py).
DASHBOARD_ROLLUPS = False
# The cache in the process: parallel test workers must not clear or count each other's keys
# (rate limits, cached facts). Tests of the Redis cache configure it themselves.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "process": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "process"},
}
