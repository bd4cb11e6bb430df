"""Settings for bench/ratings.py: production settings served over plain HTTP on 127.0.0.1,
plus a URL for the bare insert view the rating endpoint is compared with."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.rating_urls"
SECURE_SSL_REDIRECT = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
