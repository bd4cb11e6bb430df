"""Fail when pyproject.toml asks for a package that requirements-dev.lock does not pin, or pins
outside the range asked: run `make lock` then. Offline and quick (make check runs it); the
resolution itself is uv's, in `make lock`.

Usage: python scripts/check_lock.py   (from the repository root)
"""

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)


def main() -> int:
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    lock = (ROOT / "requirements-dev.lock").read_text()
    pins: dict[str, list[str]] = {}
    for name, version in PIN.findall(lock):
        pins.setdefault(canonicalize_name(name), []).append(version)
    problems = []
    for line in wanted:
        req = Requirement(line)
        versions = pins.get(canonicalize_name(req.name))
        if not versions:
            problems.append(f"{req.name} is not in requirements-dev.lock")
        elif not any(req.specifier.contains(v, prereleases=True) for v in versions):
            problems.append(f"{req.name} is pinned to {', '.join(versions)}, not {req.specifier}")
    for problem in problems:
        print(problem)
    if problems:
        print("pyproject.toml and the lock disagree: run `make lock` and commit both.")
        return 1
    print(f"requirements-dev.lock pins all {len(wanted)} requirements of pyproject.toml.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
