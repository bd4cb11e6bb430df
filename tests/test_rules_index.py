"""docs/rules.md names, for every rule, the file and the functions that hold it: each file it
names exists and each name it gives after a file occurs in that file, so the index cannot
drift silently when code moves."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
INDEX = ROOT / "docs" / "rules.md"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def _cells() -> list[str]:
    return [
        cell
        for line in INDEX.read_text(encoding="utf-8").splitlines()
        if line.startswith("|") and not line.startswith("| ---")
        for cell in line.strip("|").split("|")
    ]


def test_every_file_and_name_in_the_rule_index_exists():
    missing = []
    for cell in _cells():
        current = None
        for token in re.findall(r"`([^`]+)`", cell):
            if token.endswith((".py", ".md")):
                current = ROOT / token
                if current is not None and not current.exists():
                    missing.append(token)
                    current = None
                continue
            if current is None or not NAME.match(token) or token.startswith("settings."):
                continue
            name = token.rsplit(".", 1)[-1]
            if not re.search(rf"\b{re.escape(name)}\b", current.read_text(encoding="utf-8")):
                missing.append(f"{current.relative_to(ROOT)}: {token}")
    assert missing == []


def test_the_index_links_every_section_of_the_specification():
    headings = re.findall(r"^## (\d+)\. ", INDEX.read_text(encoding="utf-8"), flags=re.M)
    assert [int(h) for h in headings] == list(range(1, 13))
