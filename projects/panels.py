"""Sections that apps above `projects` add to the project page, without projects importing
them: an app registers a function (request, project) -> (template, context) or None."""
from collections.abc import Callable

_PANELS: list[Callable] = []


def register(panel: Callable) -> Callable:
    _PANELS.append(panel)
    return panel


def project_panels(request, project) -> list[tuple[str, dict]]:
    panels = []
    for panel in _PANELS:
        result = panel(request, project)
        if result is not None:
            panels.append(result)
    return panels
