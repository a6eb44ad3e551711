"""`dutydesk queue …` (watch, check, replay a feed) and `dutydesk staffing` (Erlang C)."""

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dutydesk.cli_support import (
    JsonOption,
    TeamOption,
    command_context,
    console,
    fail,
    open_shift_of,
    print_json,
)
from dutydesk.i18n import _

if TYPE_CHECKING:  # imported where used: the CLI starts without loading the queue package
    from dutydesk.queue.monitor import QueueMonitor
    from dutydesk.queue.runner import FeedRunner

app = typer.Typer(help=_("The live queue feed: watch it, check a feed file, replay one."), no_args_is_help=True)

FeedOption = Annotated[
    str | None,
    typer.Option(
        "--feed", "--source", help=_("sim, file:PATH, asterisk:PATH or an http(s):// URL (default: from config).")
    ),
]
FileArgument = Annotated[
    Path, typer.Argument(help=_("A JSONL or CSV feed file, or Asterisk's queue_log."), exists=True, dir_okay=False)
]
FIRST_DELIVERY_WAIT_S = 10.0


@app.command("watch")
def watch(
    ctx: typer.Context,
    feed: FeedOption = None,
    seed: Annotated[int | None, typer.Option("--seed", help=_("Seed for the simulator (reproducible runs)."))] = None,
    once: Annotated[bool, typer.Option("--once", help=_("Print the figures once and exit."))] = False,
    as_json: JsonOption = False,
) -> None:
    """Show the queues live in a plain terminal table (Ctrl+C stops)."""
    from rich.live import Live

    from dutydesk.queue.render import queue_table
    from dutydesk.queue.runner import open_feed

    context = command_context(ctx)
    runner = open_feed(context.config, feed, seed=seed).start()
    try:
        _wait_for_first_delivery(runner)
        if once or as_json:
            view = runner.monitor.view()
            if as_json:
                status = runner.status()
                print_json(
                    view.as_json()
                    | {"feed": {"spec": status.spec, "warnings": status.warnings, "last_warning": status.last_warning}}
                )
            else:
                console().print(queue_table(view, context.config))
            return
        with Live(queue_table(runner.monitor.view(), context.config), console=console(), auto_refresh=False) as live:
            while True:
                time.sleep(context.config.queue.refresh_s)
                live.update(queue_table(runner.monitor.view(), context.config), refresh=True)
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()


def _wait_for_first_delivery(runner: "FeedRunner") -> None:
    deadline = time.monotonic() + FIRST_DELIVERY_WAIT_S
    while runner.last_received is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.1)  # let a burst (the simulator's warm-up, a file's backlog) come in


@app.command("check")
def check(ctx: typer.Context, path: FileArgument, as_json: JsonOption = False) -> None:
    """Validate a feed file: good and bad lines, with the reason for each bad one."""
    from dutydesk.queue.asterisk import reader_for_file
    from dutydesk.queue.parse import check_feed

    context = command_context(ctx)
    try:
        parser = check_feed(str(path), 0, parser=reader_for_file(str(path), context.config))
    except OSError as error:
        fail(_("cannot read {path}: {reason}").format(path=path, reason=error.strerror or error))
    errors = list(parser.warnings.recent)
    if as_json:
        print_json(
            {
                "good": parser.good,
                "bad": parser.warnings.count,
                "reasons": dict(sorted(parser.warnings.by_code.items())),
                "errors": [{"line": e.line, "code": e.code, "reason": e.reason} for e in errors],
            }
        )
    else:
        for warning in errors:
            typer.echo(_("line {line}: {reason}").format(line=warning.line, reason=warning.reason))
        typer.echo(_("{good} good snapshots, {bad} bad lines").format(good=parser.good, bad=parser.warnings.count))
    if parser.warnings.count:
        raise typer.Exit(1)


@app.command("replay")
def replay(
    ctx: typer.Context,
    path: FileArgument,
    team: TeamOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a recorded feed through the rules as fast as possible: alerts go into the open
    shift's log and the 15-min intervals are stored, as the live panel would."""
    from dutydesk.queue.asterisk import reader_for_file
    from dutydesk.queue.monitor import QueueMonitor
    from dutydesk.queue.parse import read_feed_file

    context = command_context(ctx)
    shift = open_shift_of(context, team)
    monitor = QueueMonitor(context.config, context.db, lambda: shift)
    refuse_while_another_stores(monitor)
    try:
        parser = reader_for_file(str(path), context.config)
        for snapshot in read_feed_file(str(path), parser):
            monitor.ingest(snapshot)
    except OSError as error:
        fail(_("cannot read {path}: {reason}").format(path=path, reason=error.strerror or error))
    monitor.save(final=True)
    if monitor.write_problem:
        fail(_("could not save the replay: {reason}").format(reason=monitor.write_problem))
    refuse_while_another_stores(monitor)
    alerts = sorted(monitor.alerts, key=lambda alert: alert.fired_at)
    if as_json:
        print_json(
            {
                "alerts": [alert.as_json() for alert in alerts],
                "snapshots": parser.good,
                "skipped": parser.warnings.count,
                "errors": [{"line": e.line, "code": e.code, "reason": e.reason} for e in parser.warnings.recent],
            }
        )
        return
    from dutydesk.domain.log import severity_label
    from dutydesk.queue.monitor import alert_summary

    zone = context.config.zone
    for alert in alerts:
        cleared = alert.cleared_at.astimezone(zone).strftime("%H:%M:%S") if alert.cleared_at else "—"
        typer.echo(
            _("{fired} – {cleared}  {level}  {summary}").format(
                fired=alert.fired_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                cleared=cleared,
                level=severity_label(alert.rule.level),
                summary=alert_summary(alert),
            )
        )
    typer.echo(
        _("{snapshots} snapshots, {skipped} skipped, {alerts} alerts").format(
            snapshots=parser.good, skipped=parser.warnings.count, alerts=len(alerts)
        )
    )


def refuse_while_another_stores(monitor: "QueueMonitor") -> None:
    """A replay stores what it reads: not while a running panel stores this team's figures."""
    holder = monitor.storing_console()
    if monitor.writer is False or (holder is not None and holder != monitor.holder):
        fail(
            _("another console ({holder}) stores this team's queue figures now: stop its queue panel first").format(
                holder=(holder or "?").rsplit(":", 1)[0]
            )
        )


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$")
_TARGET = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)\s*$")


def staffing(
    calls: Annotated[float, typer.Option("--calls", min=0, help=_("Calls offered in the interval."))],
    interval: Annotated[str, typer.Option("--interval", help=_("Interval length: 30m, 1h, 900s."))] = "30m",
    aht: Annotated[float, typer.Option("--aht", min=1, help=_("Average handle time in seconds."))] = 180,
    target: Annotated[
        str, typer.Option("--target", help=_("Service level: percent answered / within seconds, e.g. 80/20."))
    ] = "80/20",
    as_json: JsonOption = False,
) -> None:
    """Agents needed for a service level, by Erlang C."""
    from dutydesk.queue.erlang import MAX_AGENTS, agents_needed

    duration = _DURATION.match(interval)
    goal = _TARGET.match(target)
    if duration is None or float(duration.group(1)) <= 0:
        fail(_("bad interval {value!r}: use e.g. 30m, 1h or 900s").format(value=interval))
    if goal is None or not 0 < float(goal.group(1)) < 100:
        fail(_("bad target {value!r}: use percent/seconds, e.g. 80/20").format(value=target))
    seconds = float(duration.group(1)) * {"": 60, "m": 60, "s": 1, "h": 3600}[duration.group(2)]
    hint = agents_needed(calls, seconds, aht, float(goal.group(1)) / 100, float(goal.group(2)))
    if hint.service_level < float(goal.group(1)) / 100:
        fail(
            _(
                "{erlangs:.0f} erlangs of traffic need more than {limit} agents: check --calls, --interval and --aht"
            ).format(erlangs=hint.traffic_erlangs, limit=MAX_AGENTS)
        )
    if as_json:
        print_json(hint.as_json())
        return
    typer.echo(
        _(
            "{agents} agents: service level {sl:.1%}, ASA {asa:.1f} s, occupancy {occupancy:.1%} "
            "({erlangs:.2f} erlangs)"
        ).format(
            agents=hint.agents,
            sl=hint.service_level,
            asa=hint.asa_s,
            occupancy=hint.occupancy,
            erlangs=hint.traffic_erlangs,
        )
    )
