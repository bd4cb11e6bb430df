"""The access matrix in docs/access-matrix.md, read as data: one row per route and method, one
column per role. The tests read it; nothing else states who may do what."""

import re
from dataclasses import dataclass
from pathlib import Path

TABLE = Path(__file__).resolve().parents[2] / "docs" / "access-matrix.md"
ROLES = [
    "anon",
    "street",
    "dept",
    "drc",
    "finance",
    "contractor",
    "supervisor",
    "lab",
    "discipline",
    "admin",
    "village",
]
KINDS = {"read", "list", "write", "call"}
CELLS = {"all", "own", "no"}
# The acting user of each role in the test district (accounts/tests/factories.py): the "own"
# side's street office, contractor and supervision unit are theirs.
USERS = {
    "street": "street_zhenhai",
    "dept": "dept",
    "drc": "drc",
    "finance": "finance",
    "contractor": "contractor",
    "supervisor": "supervisor",
    "lab": "lab",
    "discipline": "discipline",
    "admin": "admin",
    "village": "village_zhenhai",
}


@dataclass(frozen=True)
class Row:
    route: str
    method: str
    kind: str
    cells: dict

    @property
    def key(self) -> tuple[str, str]:
        return self.route, self.method


def read_table(path: Path = TABLE) -> list[Row]:
    rows = []
    header = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cols = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if cols[0] == "route":
            header = cols
            assert header[3:] == ROLES, f"columns must be route, method, kind, {ROLES}"
            continue
        if header is None:  # another table (the explanation above the matrix)
            continue
        route, method, kind, *cells = cols
        assert kind in KINDS, (route, kind)
        assert len(cells) == len(ROLES) and set(cells) <= CELLS, (route, cells)
        rows.append(Row(route, method, kind, dict(zip(ROLES, cells, strict=True))))
    keys = [r.key for r in rows]
    assert len(keys) == len(set(keys)), "a route and method appear twice"
    return rows


def cell(own_ok: bool, other_ok: bool) -> str:
    if own_ok and other_ok:
        return "all"
    if own_ok:
        return "own"
    if other_ok:
        return "other (reached the other organisation's object but not its own)"
    return "no"


def refused(response) -> bool:
    if response.status_code in (301, 302) and "/login/" in response.get("Location", ""):
        return True
    return response.status_code in (401, 403, 404, 405)


def body_text(response) -> str:
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:  # an Excel export: every cell's text
        from io import BytesIO

        from openpyxl import load_workbook

        book = load_workbook(BytesIO(response.content), read_only=True)
        return "\n".join(
            str(v)
            for sheet in book
            for r in sheet.iter_rows(values_only=True)
            for v in r
            if v is not None
        )
    if "json" in kind or "html" in kind or "text" in kind:
        return (
            b"".join(response.streaming_content).decode("utf-8", "replace")
            if response.streaming
            else response.content.decode("utf-8", "replace")
        )
    return ""


def marks_of(side) -> list[str]:
    """What shows a side's rows in a page or answer: its name mark and its project codes."""
    from projects.models import Project

    from .world import MARKS

    codes = (
        Project.objects.filter(name__startswith=MARKS[side.name])
        .exclude(code=None)
        .values_list("code", flat=True)
    )
    return [MARKS[side.name], *(rf"{re.escape(c)}(?!\d)" for c in codes)]


def shows(text: str, marks: list[str]) -> bool:
    return any(re.search(m, text) for m in marks)
