"""The deployment's files agree with each other and with the app: the compose file runs the proxy
in front of an unpublished web service that knows it is behind one proxy, production settings
refuse to start without being told, check --deploy passes with the compose environment,
.env.example documents every setting, and the proxy's upload cap fits the app's limits."""

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from inspections.evidence import MAX_PHOTOS_PER_ENTRY
from inspections.photos import MAX_BYTES as PHOTO_MAX_BYTES

from .deployment import (
    ROOT,
    compose,
    documented_in_env_example,
    env_example,
    interpolate,
    nginx_directive,
    nginx_template_variables,
    service_environment,
    size_in_bytes,
)

SETTINGS_FILES = [
    *sorted((ROOT / "config" / "settings").glob("*.py")),
    ROOT / "config" / "gunicorn.py",
]
_ENV_READ = re.compile(
    r"""(?:\benv(?:\.\w+)?\(|os\.environ(?:\.get)?[(\[])\s*["']([A-Z][A-Z0-9_]+)["']"""
)


def _without_proxy_hops() -> dict[str, str]:
    return {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("TRUSTED_PROXY_HOPS", "DJANGO_ALLOW_ASYNC_UNSAFE")
        },
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "lingxing.example",
        "DATABASE_URL": "sqlite:///tmp/proxy-settings-check.sqlite3",
    }


def _start(env: dict[str, str]) -> subprocess.CompletedProcess:
    """What gunicorn does first: load the settings and set Django up."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            "print('hops', settings.TRUSTED_PROXY_HOPS)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(
    (ROOT / ".env").exists() and "TRUSTED_PROXY_HOPS" in (ROOT / ".env").read_text(),
    reason="a local .env sets TRUSTED_PROXY_HOPS (base settings read it)",
)
def test_production_settings_refuse_to_start_without_trusted_proxy_hops():
    unset = _start(_without_proxy_hops())
    assert unset.returncode != 0
    assert "ImproperlyConfigured: TRUSTED_PROXY_HOPS is not set" in unset.stderr
    assert "1 behind the nginx of docker-compose.yml" in unset.stderr

    for wrong in ("", "one", "-1", "1.5"):
        refused = _start({**_without_proxy_hops(), "TRUSTED_PROXY_HOPS": wrong})
        assert refused.returncode != 0 and "TRUSTED_PROXY_HOPS" in refused.stderr, wrong

    # An explicit 0 is a choice: clients connect to gunicorn directly.
    for hops in ("0", "1", "2"):
        started = _start({**_without_proxy_hops(), "TRUSTED_PROXY_HOPS": hops})
        assert started.returncode == 0, started.stderr
        assert started.stdout.split() == ["hops", hops]


def test_check_deploy_passes_with_the_compose_environment():
    """The web service's environment exactly as Compose builds it from .env.example, with a
    generated secret (the example's placeholder is one to replace)."""
    variables = {**env_example(), "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    web = service_environment("web", variables)
    assert web["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert web["TRUSTED_PROXY_HOPS"] == "1"
    # Without .env's line, Compose's own default is still one proxy.
    assert (
        service_environment("web", {**variables, "TRUSTED_PROXY_HOPS": ""})["TRUSTED_PROXY_HOPS"]
        == "1"
    )
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), **web},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "no issues (0 silenced)" in check.stdout


def test_only_the_proxy_is_published_and_it_runs_the_repositorys_template():
    services = compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert [p.rsplit(":", 1)[1] for p in proxy["ports"]] == ["80", "443"]
    assert "./deploy/nginx/templates:/etc/nginx/templates:ro" in proxy["volumes"]
    assert any(v.endswith(":/etc/nginx/certs:ro") for v in proxy["volumes"])
    # The image's entrypoint fills in every variable the template uses, and only those.
    environment = service_environment("proxy", env_example())
    assert environment["NGINX_ENVSUBST_FILTER"] == "^NGINX_"
    assert nginx_template_variables() <= set(environment)
    assert environment["NGINX_UPSTREAM"] == "web:8000"
    # The proxy and web share a network that PostgreSQL and Redis are not on.
    assert "edge" in proxy["networks"] and "edge" in services["web"]["networks"]
    assert all("networks" not in services[name] for name in ("postgres", "redis"))


def test_the_proxy_passes_what_the_app_relies_on():
    """Checked without nginx; tests/proxy/test_behind_nginx.py shows it working."""
    headers = set(nginx_directive("proxy_set_header"))
    assert {
        "Host $http_host",
        "X-Forwarded-For $proxy_add_x_forwarded_for",
        "X-Forwarded-Proto https",
    } <= headers
    assert (
        nginx_directive("return")[0] == "301 https://$host:${NGINX_PUBLIC_HTTPS_PORT}$request_uri"
    )


def test_env_example_documents_every_setting_the_app_reads():
    read = set()
    for path in SETTINGS_FILES:
        read |= set(_ENV_READ.findall(path.read_text()))
    assert {"DJANGO_SECRET_KEY", "TRUSTED_PROXY_HOPS", "GUNICORN_BIND"} <= read  # the pattern works
    missing = read - documented_in_env_example()
    assert not missing, f".env.example does not mention {sorted(missing)}"
    # And what .env sets reaches the containers: each active line is used by docker-compose.yml.
    text = (ROOT / "docker-compose.yml").read_text()
    unused = {name for name in env_example() if "${" + name not in text}
    assert unused <= {"COMPOSE_PROJECT_NAME"}, unused


def test_the_proxys_upload_cap_fits_the_largest_request_the_app_accepts():
    largest_files = max(
        settings.ATTACHMENT_MAX_FILES * settings.ATTACHMENT_MAX_BYTES,
        MAX_PHOTOS_PER_ENTRY * PHOTO_MAX_BYTES,
    )
    largest_request = largest_files + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    (cap,) = nginx_directive("client_max_body_size")
    # Room for the multipart framing, and not much more: nginx, not Django, caps a request.
    assert largest_request < size_in_bytes(cap) <= largest_request * 1.1


def test_compose_interpolation_as_compose_does_it():
    assert interpolate("${A:-x}", {"A": ""}) == "x"
    assert interpolate("${A-x}", {"A": ""}) == ""
    assert interpolate("${A:-x}", {"A": "1"}) == "1"
    assert interpolate("a$$b", {}) == "a$b"
    with pytest.raises(ValueError, match="set A"):
        interpolate("${A:?set A}", {})
