"""Start-up without the garbage collector.

Starting builds a few hundred thousand objects (modules, classes, SQLAlchemy's tables, the
config, Textual's widgets and styles) and frees almost none of them, so the collections that
run meanwhile find nothing and cost about 90 ms. The `dutydesk` console script (`run`) pauses
the collector; it comes back (`resume`) once a command has its context (or, for `db copy` and
`db migrate`, which open databases of their own, its imports), or the TUI its first frame,
after what start-up built was frozen: no later collection scans it again.
"""

import gc


def run() -> None:
    """The `dutydesk` console script: `dutydesk.cli.main`, its start-up without garbage collection."""
    gc.disable()
    from dutydesk.cli import main

    main()


def resume() -> None:
    """Collect garbage again, if start-up paused it (a test calling `cli.main` never does)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
