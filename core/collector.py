"""Python's cyclic garbage collector held off while a read builds tens of thousands of rows.

A discipline list at 50,000 projects reads 30,000–100,000 tuples and makes as many small objects
from them. None of them forms a reference cycle, so reference counting frees them all; but each
allocation past the collector's threshold starts a collection that walks the young heap again, and
the full ones walk everything the request has built so far. Measured on bench/anomalies.py, that
was 30–50% of a list's time (docs/architecture.md, "Reads that build many rows"). The collector
is paused for the read and resumed after it, with one young collection for whatever the read did
leave in a cycle; a pause inside a pause leaves the outer one in charge.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
        gc.collect(0)
