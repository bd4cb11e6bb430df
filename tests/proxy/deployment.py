"""The deployment as files: docker-compose.yml's services and environments with Compose's
interpolation from .env.example, and deploy/nginx's template rendered the way the nginx image's
entrypoint renders it (only the NGINX_* variables)."""

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "templates" / "default.conf.template"
SELF_SIGNED_CERT = ROOT / "deploy" / "self-signed-cert.sh"

_NGINX_VARIABLE = re.compile(r"\$\{?(NGINX_[A-Z0-9_]+)\}?")
_COMPOSE_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def env_example() -> dict[str, str]:
    """The active (uncommented) NAME=value lines of .env.example."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def documented_in_env_example() -> set[str]:
    """Every NAME in .env.example, set or shown commented out (`#NAME=` or `# NAME=`)."""
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, $$."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.groups()
        present = name in variables
        empty = not variables.get(name)
        if operator in (":-", "-"):
            use_default = empty if operator == ":-" else not present
            return argument if use_default else variables[name]
        if operator in (":?", "?"):
            missing = empty if operator == ":?" else not present
            if missing:
                raise ValueError(f"compose refuses to start: {argument}")
            return variables[name]
        return variables.get(name, "")

    return _COMPOSE_VARIABLE.sub(replace, value)


def service_environment(service: str, variables: dict[str, str]) -> dict[str, str]:
    """A service's environment as the container gets it."""
    environment = compose()["services"][service].get("environment", {})
    return {name: interpolate(str(value), variables) for name, value in environment.items()}


def nginx_template_variables() -> set[str]:
    return set(_NGINX_VARIABLE.findall(NGINX_TEMPLATE.read_text()))


def render_nginx_template(values: dict[str, str]) -> str:
    """As the image's envsubst with NGINX_ENVSUBST_FILTER=^NGINX_: those variables replaced, the
    rest ($host, $request_uri, ...) left to nginx."""
    missing = nginx_template_variables() - set(values)
    if missing:
        raise KeyError(f"no value for {sorted(missing)}")
    return _NGINX_VARIABLE.sub(lambda m: values[m.group(1)], NGINX_TEMPLATE.read_text())


def nginx_directive(name: str) -> list[str]:
    """The values of every `name value;` line in the template."""
    return re.findall(rf"^\s*{name}\s+([^;]+);", NGINX_TEMPLATE.read_text(), re.MULTILINE)


def size_in_bytes(nginx_size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", nginx_size.strip()).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]
