"""Sections that apps above `projects` add to the project page, without projects importing
them: an app registers a function (request, project) -> (template, context) or None."""

from collections.abc import Callable

_PANELS: list[tuple[int, Callable]] = []


def register(panel: Callable, order: int = 50) -> Callable:
    """Lower `order` shows first: the route (10), site supervision (30), funds (50)."""
    _PANELS.append((order, panel))
    _PANELS.sort(key=lambda entry: entry[0])
    return panel


def project_panels(request, project) -> list[tuple[str, dict]]:
    panels = []
    for _order, panel in _PANELS:
        result = panel(request, project)
        if result is not None:
            panels.append(result)
    return panels
