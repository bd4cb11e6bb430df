"""Test set-up shared by every app: service markers and the people of a small district."""

import os
import shutil

import pytest
from django.conf import settings

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _missing(marker: str) -> str | None:
    if (
        marker == "postgres"
        and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
    ):
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if marker == "redis" and not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://..."
    if marker == "browser" and not shutil.which(CHROMIUM):
        return f"needs Chromium at {CHROMIUM}"
    if marker == "ffmpeg" and not (shutil.which("ffprobe") and shutil.which("ffmpeg")):
        return "needs Debian's ffmpeg (scripts/install-system-deps.sh installs it)"
    if marker == "nginx" and not nginx_binary():
        return "needs Debian's nginx (scripts/install-system-deps.sh installs it)"
    if marker == "replica":
        from tests.pgcluster import unavailable

        return unavailable()
    return None


def nginx_binary() -> str | None:
    """Debian's nginx, which sits in /usr/sbin (not on every user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def pytest_runtest_setup(item):
    """Without a service its tests skip; with REQUIRE_SERVICES=1 (CI) they fail instead."""
    for marker in ("postgres", "redis", "browser", "nginx", "ffmpeg", "replica"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _missing(marker)
        if reason is None:
            continue
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def _signing_keys(tmp_path_factory):
    return tmp_path_factory.mktemp("signing-keys")


@pytest.fixture(autouse=True)
def _signing_keys_dir(_signing_keys, settings):
    """Tests sign with keys of their own (one district CA per test worker), never the demo's."""
    settings.SIGNING_KEYS_DIR = _signing_keys


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (the test settings keep it in the process, so
    parallel workers never clear each other's; tests of the Redis cache set their own)."""
    from django.core.cache import caches

    from ratings.selectors import forget_public_facts

    for each in caches.all():
        each.clear()
    forget_public_facts()
    yield


@pytest.fixture(autouse=True)
def _working_day_overrides(_fresh_cache):
    """Each test starts with no working-day overrides (as its database), already loaded: the
    loading query would otherwise land in whichever test first asks for a working day."""
    from core.dates import reset_for_tests

    reset_for_tests()
    yield
    reset_for_tests()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in English leaves English active in the thread; each test starts afresh."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def district(db):
    """Two streets, the departments, and one user of every role."""
    from accounts.tests.factories import district as build
    from projects.tests.factories import ensure_default_start_policy, ensure_default_tier_policy

    ensure_default_tier_policy()
    ensure_default_start_policy()
    return build()


def pytest_collection_modifyitems(items):
    """A transactional test reads committed rows on every connection, so the test settings'
    mirror of a replica (docs/architecture.md, "Reads from a replica") may be used by the pages
    that read from it: allow it wherever a transactional test names no databases of its own.
    (A test inside one rolled-back transaction keeps to the primary's connection.)"""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or "databases" in marker.kwargs:
            continue
        if not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
            continue
        if "replica" not in settings.DATABASES:
            continue
        item.add_marker(
            pytest.mark.django_db(*marker.args, **marker.kwargs, databases=["default", "replica"]),
            append=False,  # before the test's own marker, so that it is the closest
        )
