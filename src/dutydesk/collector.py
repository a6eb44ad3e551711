"""The garbage collector paused while a bulk read builds tens of thousands of rows.

Verifying the record or exporting a shift allocates rows, links and strings that reference
counting frees, none of them in cycles; but each few hundred allocations start a collection,
and the older generations' collections traverse everything still alive, the growing result
included: on a loaded machine, up to a third of a year's `verify --all` went to collections that found nothing.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside; the collector comes back after, unless it was already off
    (start-up's own pause, or another pause still running, keeps it off)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
