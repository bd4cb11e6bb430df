"""Fail on an import cycle between files: module A imports B which (perhaps through others)
imports A. Imports inside functions count as much as those at the top of a file.

The import graph is grimp's (the library import-linter is built on; it reads every import
statement, including those in function bodies); the packages are import-linter's root_packages
in pyproject.toml. import-linter's own acyclic_siblings contract works on packages, not files,
so the cycles are found here: each strongly connected group of modules is reported with the
shortest cycle through each of its modules, and the line of every import in it.

Usage: python scripts/check_import_cycles.py   (from the repository root; exit 1 on a cycle)
"""

import sys
import tomllib
from collections import deque
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def root_packages() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["importlinter"]["root_packages"]


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; groups of more than one module, or one importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1 or node in edges[node]:
                        groups.append(sorted(group))
    return sorted(groups)


def shortest_cycle(edges: dict[str, set[str]], start: str, members: set[str]) -> list[str]:
    """The shortest path start -> ... -> start inside one group (breadth first)."""
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(edges[node] & members):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    raise AssertionError(f"{start} is in no cycle")


def main() -> int:
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(*root_packages(), cache_dir=None)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    groups = strongly_connected(edges)
    for group in groups:
        members = set(group)
        cycles = {}
        for module in group:
            cycle = shortest_cycle(edges, module, members)[:-1]
            turn = cycle.index(min(cycle))
            cycles[tuple(cycle[turn:] + cycle[:turn])] = None
        print(f"Import cycle among {len(group)} modules: {', '.join(group)}")
        for cycle in cycles:
            steps = []
            for importer, imported in zip(cycle, (*cycle[1:], cycle[0]), strict=True):
                lines = sorted(
                    d["line_number"]
                    for d in graph.get_import_details(importer=importer, imported=imported)
                )
                steps.append(f"{importer} (l.{','.join(map(str, lines))})")
            print("  " + " -> ".join([*steps, cycle[0]]))
    if groups:
        print(
            f"{len(groups)} import cycle(s) between files; break each (see docs/architecture.md)."
        )
        return 1
    print(f"No import cycles between files ({len(edges)} modules).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
