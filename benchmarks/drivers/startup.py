"""Start-up driver: run an app until its first screen is drawn and idle, note when, exit.

    python benchmarks/drivers/startup.py dutydesk --db PATH   # the real `dutydesk` command
    python benchmarks/drivers/startup.py minimal              # Textual App with one Static
    python benchmarks/drivers/startup.py minimal-sqlmodel     # the same, importing sqlmodel too

Run inside a real pseudo-terminal (see `benchmarks.measure.run_in_pty`), so Textual uses
its normal terminal driver and really writes the screen. `App.run` is wrapped to pass an
`auto_pilot` that waits until the app is idle: every pending message handled, running
workers done, then once more idle; it then writes `time.monotonic()` to the file named by
$BENCH_READY_FILE and exits the app. CLOCK_MONOTONIC is system-wide, so the parent can
subtract the moment it started the process. For `dutydesk` the command line goes through
`dutydesk.cli.main` exactly as the console script does (argument parsing, config,
database, `make_app`); only `App.run` gains the auto-pilot.
"""

import os
import sys
import time


def install_ready_hook() -> None:
    from textual.app import App

    original_run = App.run

    async def until_idle(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        with open(os.environ["BENCH_READY_FILE"], "w") as file:
            file.write(repr(time.monotonic()))
        pilot.app.exit()

    def run(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["auto_pilot"] = until_idle
        return original_run(self, *args, **kwargs)

    App.run = run  # type: ignore[method-assign]


def minimal(with_sqlmodel: bool) -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    if with_sqlmodel:
        import sqlmodel  # noqa: F401

    class Minimal(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("Duty log")

    install_ready_hook()
    Minimal().run()


def main() -> None:
    mode, rest = sys.argv[1], sys.argv[2:]
    if mode == "dutydesk":
        install_ready_hook()
        from dutydesk.cli import main as dutydesk_main

        sys.argv = ["dutydesk", *rest]
        dutydesk_main()
    elif mode == "minimal":
        minimal(with_sqlmodel=False)
    elif mode == "minimal-sqlmodel":
        minimal(with_sqlmodel=True)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
