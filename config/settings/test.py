"""Tests: the real services when DATABASE_URL/REDIS_URL are set, tasks eager unless a test asks."""

from .base import *  # noqa: F403
from .base import DATABASES, MIDDLEWARE, STORAGES, replica_routing

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
# Likewise the anomaly lists: computed live unless a test of their snapshots switches them on.
ANOMALY_SNAPSHOTS = False
# The cache in the process: parallel test workers must not clear or count each other's keys
# (rate limits, cached facts). Tests of the Redis cache configure it themselves.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "process": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "process"},
}
# A replica in every test run: a mirror of the test database (Django's TEST MIRROR) unless
# DATABASE_REPLICA_URL names one, so that the router, the pin and the views that opt in run in
# every test. Reads stay on the primary inside a transaction, hence in every test on `db`; tests
# on `transactional_db` that declare databases=["default", "replica"] read through the mirror
# (core/tests/test_replica.py). tests/test_replica_streaming.py runs a real replica.
if "replica" not in DATABASES:
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS, MIDDLEWARE = replica_routing(MIDDLEWARE)
