"""Every URL pattern, requested without a session, is refused or sent to log in — except the
explicit public list."""
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Pages anyone may open: log-in and log-out, the language switch, the health check, and the
# token endpoint (which itself demands a username and password), the capture pages' web-app
# manifest (browsers fetch it without cookies; it holds names and icons only), the residents'
# side (public project page, rating, report, photos; the rating API) and the open data.
PUBLIC = {"login", "logout", "set_language", "health", "api-token", "admin:login",
          "admin:logout", "inspections:capture_manifest", "ratings:public", "ratings:rate",
          "ratings:phone_code", "ratings:report", "ratings:public_photo", "api-public-rating",
          "api-open-oc4ids", "api-open-oc4ids-project"}
SAMPLE = {"int": "1", "slug": "file", "str": "x", "path": "x/y", "uuid":
          "00000000-0000-0000-0000-000000000000"}


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + _sample(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}{p.name}" if p.name else ""
            yield prefix + _sample(p.pattern), name


def _sample(pattern) -> str:
    text = str(pattern)
    if text.startswith("^"):  # regex (the admin's): fill named groups with a sample value
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: "1" if "id" in m[1] else "auth", text)
        text = re.sub(r"\(\?:[^)]*\)\??", "", text)
        return text.strip("^$").replace("\\", "")
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m[1] or "str", "x"), text)


URLS = sorted(set(_walk(get_resolver().url_patterns)))


def test_the_sweep_finds_the_application_urls():
    names = {name for _url, name in URLS}
    assert {"home", "projects:list", "projects:detail", "approvals:transition", "api-projects",
            "api-project-transition", "api-schema", "api-docs"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "name"), [u for u in URLS if u[1] not in PUBLIC])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_refused_or_sent_to_login(client, url, name, method):
    response = getattr(client, method)("/" + url)
    if response.status_code in (301, 302):
        assert "/login/" in response["Location"], (url, response["Location"])
    else:
        assert response.status_code in (401, 403, 404, 405), (url, response.status_code)
