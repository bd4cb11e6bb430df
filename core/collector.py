"""Python's cyclic garbage collector held off while a request builds and shows tens of thousands
of rows.

A discipline list at 50,000 projects reads 30,000–100,000 tuples and makes as many small objects
from them. None of them forms a reference cycle, so reference counting frees them all; but each
allocation past the collector's threshold starts a collection that walks the young heap again, and
the older generations' collections walk everything the request still holds: measured on
bench/anomalies.py, 30–50% of a list's time, and now and then one collection of 400 ms while the
page was being drawn (docs/architecture.md, "Reads that build many rows"). The collector is paused
for the whole request — the rows are read, sorted, paged and drawn — and resumed when the view
returns, by which time reference counting has freed the rows; a pause inside a pause leaves the
outer one in charge.
"""

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps


@contextmanager
def paused() -> Iterator[None]:
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def paused_view(view: Callable) -> Callable:
    """A view whose whole request runs with the collector paused (see the module's note)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        with paused():
            return view(*args, **kwargs)

    return wrapped
