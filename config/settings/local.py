"""Development: the embedded default (SQLite, eager tasks) unless DATABASE_URL/REDIS_URL are set."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-secret")
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# The demo's audit signing key: made at set-up when missing, kept out of git (var/).
AUDIT_SIGNING_KEY_FILE = env(
    "AUDIT_SIGNING_KEY_FILE", default=str(BASE_DIR / "var" / "audit-signing-key.pem")
)
AUDIT_SIGNING_KEY_AUTOCREATE = True
