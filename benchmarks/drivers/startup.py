"""Start-up driver: run an app until its first screen is painted and idle, note when, exit.

    python benchmarks/drivers/startup.py dutydesk --db PATH   # the real `dutydesk` command
    python benchmarks/drivers/startup.py minimal              # Textual App with one Static
    python benchmarks/drivers/startup.py minimal-stack        # the same, importing dutydesk's stack too

Run inside a real pseudo-terminal (see `benchmarks.measure.run_in_pty`), so Textual uses
its normal terminal driver and really writes the screen. Two moments are written, as
`time.monotonic()` (system-wide, so the parent can subtract the moment it started the
process), to the file named by $BENCH_READY_FILE:

- `paint`: the first frame written to the terminal that holds $BENCH_PAINT_MARKER, text that
  only the real data shows (for dutydesk the newest entry of the open shift; for the minimal
  apps their one Static). A frame with an empty table or a spinner does not count.
- `idle`: `App.run` gains an `auto_pilot` that waits until the app is idle (every pending
  message handled, running workers done, then once more idle), then exits the app.

For `dutydesk` the command line goes through the console script's own function
(`dutydesk.startup.run`: argument parsing, config, database, `make_app`).
"""

import importlib.util
import json
import os
import sys
import time
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec

MINIMAL_TEXT = "Duty log"


def install_hooks() -> None:
    from textual.app import App
    from textual.drivers.linux_driver import LinuxDriver

    moments: dict[str, float] = {}
    marker = os.environ.get("BENCH_PAINT_MARKER", MINIMAL_TEXT)
    original_write, original_run = LinuxDriver.write, App.run

    def write(self, data: str) -> None:  # type: ignore[no-untyped-def]
        original_write(self, data)
        if "paint" not in moments and marker in data:
            moments["paint"] = time.monotonic()

    async def until_idle(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        moments["idle"] = time.monotonic()
        with open(os.environ["BENCH_READY_FILE"], "w") as file:
            json.dump(moments, file)
        pilot.app.exit()

    def run(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        moments["run"] = time.monotonic()  # imported and built: the rest is the app's own start
        kwargs["auto_pilot"] = until_idle
        return original_run(self, *args, **kwargs)

    LinuxDriver.write = write  # type: ignore[method-assign]
    App.run = run  # type: ignore[method-assign]


class HooksAfterTextual(MetaPathFinder):
    """Installs the hooks right after `textual.app` is imported, by whom it pleases: importing it
    here first would change what dutydesk's own start-up does (and its garbage collector's)."""

    def find_spec(self, fullname: str, path: object, target: object = None) -> ModuleSpec | None:
        if fullname != "textual.app":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        assert spec is not None and spec.loader is not None
        load = spec.loader.exec_module

        def exec_module(module: object) -> None:
            load(module)  # type: ignore[arg-type]
            install_hooks()

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def minimal(with_stack: bool) -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    if with_stack:  # what dutydesk imports besides Textual
        import cryptography.hazmat.primitives.asymmetric.ed25519  # noqa: F401
        import sqlmodel  # noqa: F401
        import typer  # noqa: F401

    class Minimal(App[None]):
        def compose(self) -> ComposeResult:
            yield Static(MINIMAL_TEXT)

    install_hooks()
    Minimal().run()


def main() -> None:
    mode, rest = sys.argv[1], sys.argv[2:]
    if mode == "dutydesk":
        sys.meta_path.insert(0, HooksAfterTextual())
        from dutydesk.startup import run

        sys.argv = ["dutydesk", *rest]
        run()
    elif mode == "minimal":
        minimal(with_stack=False)
    elif mode == "minimal-stack":
        minimal(with_stack=True)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
