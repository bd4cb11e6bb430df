"""Production settings for the app behind a real nginx (tests/proxy), changed only where a test
machine needs it; the throttling, the client address, the cookies and HTTPS are production's."""

import os

from config.settings.production import *  # noqa: F403
from config.settings.production import CACHES, STORAGES

# A thousand failed log-ins: production's PBKDF2 costs about a third of a second a try on these
# two cores. The lock-outs count attempts, whatever the hash costs.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# No collectstatic: whitenoise serves the files from the source tree (the image serves the
# collected ones the same way).
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# The Redis of the machine is shared: the rate-limit counts of each run under a prefix of their own.
CACHES = {
    **CACHES,
    "default": {**CACHES["default"], "KEY_PREFIX": os.environ["PROXY_TEST_CACHE_PREFIX"]},
}
# No Celery worker here: a task runs in the web process after its commit.
CELERY_TASK_ALWAYS_EAGER = True
