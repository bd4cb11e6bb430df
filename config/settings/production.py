"""Production: every secret from the environment, no defaults; HTTPS only."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# The primary required; the replica (DATABASE_REPLICA_URL) as base.py set it, if any.
DATABASES["default"] = env.db("DATABASE_URL")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
for _database in DATABASES.values():
    _database["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)


def _trusted_proxy_hops() -> int:
    """Required: the client address behind log-in lock-outs and the residents' rate limits is
    only right when the app is told how many proxies of its own stand in front (0 is a choice
    too: clients connect to gunicorn directly)."""
    raw = env.str("TRUSTED_PROXY_HOPS", default="").strip()
    if not raw:
        raise ImproperlyConfigured(
            "TRUSTED_PROXY_HOPS is not set. Set it to the number of reverse proxies of our own "
            "in front of gunicorn that append to X-Forwarded-For: 1 behind the nginx of "
            "docker-compose.yml (deploy/nginx), 2 if the district's gateway in front of it "
            "appends too, 0 only if clients connect to gunicorn directly. Unset, every client "
            "would seem to come from the proxy, and one address's failed log-ins would lock "
            "everybody out. See .env.example."
        )
    if not (raw.isascii() and raw.isdigit()):
        raise ImproperlyConfigured(
            f"TRUSTED_PROXY_HOPS must be a whole number, 0 or more; it is {raw!r}."
        )
    return int(raw)


TRUSTED_PROXY_HOPS = _trusted_proxy_hops()
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
