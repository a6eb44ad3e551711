"""Figures as coloured text with a status symbol, for the Queue screen and `queue watch`.

Rich only (no Textual): the same cells in the app and in a plain terminal.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.table import Table
from rich.text import Text

from dutydesk.config import Config
from dutydesk.i18n import N_, _
from dutydesk.queue.metrics import AMBER, GREEN, RED, Figures, duration_text, status, value_text

if TYPE_CHECKING:
    from dutydesk.queue.monitor import PanelView

STATUS_STYLE = {GREEN: "bold #5fd75f", AMBER: "bold #ffaf00", RED: "bold #ff5f5f"}
WARNING_STYLE = "bold #ffaf00"
SIMULATOR_STYLE = "bold #000000 on #ffaf00"  # a block of warning colour no screenshot can miss
SIMULATOR_MARK = N_("SIMULATOR — drill data, not live")
# (metric, column title); counts without a target are shown plain.
COLUMNS = [
    ("waiting", N_("Waiting")),
    ("longest_wait_s", N_("Longest")),
    ("offered", N_("Offered")),
    ("answered", N_("Answered")),
    ("abandoned", N_("Abandoned")),
    ("answer_rate", N_("Answer %")),
    ("abandon_rate", N_("Abandon %")),
    ("service_level", N_("SL")),
    ("asa_s", N_("ASA")),
    ("aht_s", N_("AHT")),
]


def figure_text(metric: str, value: float | None, config: Config) -> Text:
    """The value, and when it has a target its status symbol, coloured."""
    state = status(metric, value, config.targets, config.queue.amber_band)
    if state is None:
        return Text(value_text(metric, value))
    symbol = getattr(config.queue.symbols, state)
    return Text(f"{value_text(metric, value)} {symbol}", style=STATUS_STYLE[state])


# Left out first when the screen is narrow: counts say less than the rates with their symbols,
# and handle time is not about the callers waiting now.
NARROW_LEFT_OUT = ("offered", "answered", "abandoned", "aht_s")


def columns(narrow: bool = False) -> list[tuple[str, str]]:
    """The (metric, title) columns shown; at 80 columns the counts go, the figures with a
    target and their status symbols stay."""
    return [(metric, title) for metric, title in COLUMNS if not (narrow and metric in NARROW_LEFT_OUT)]


def figure_cells(figures: Figures, config: Config, narrow: bool = False) -> list[Text]:
    return [figure_text(metric, figures.value(metric), config) for metric, _title in columns(narrow)]


def column_titles(narrow: bool = False) -> list[str]:
    return [_(title) for _metric, title in columns(narrow)]


SPANS = {"window": N_("last 30 min"), "interval": N_("this 15-min interval"), "shift": N_("shift so far")}


def queue_table(view: "PanelView", config: Config, span: str = "window") -> Table:
    """The queues and their total as one rich table (`queue watch`)."""
    title = Text(_(SPANS[span]))
    if view.simulated:
        title = Text.assemble(simulator_mark(), " ", title)
    table = Table(_("Queue"), *column_titles(), title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for line in view.queues:
        table.add_row(Text(line.queue), *figure_cells(getattr(line, span), config))
    table.add_row(Text(_("Total"), style="bold"), *figure_cells(getattr(view.total, span), config), end_section=True)
    return table


def staffing_text(view: "PanelView", config: Config) -> Text:
    """Agents able to take calls against Erlang C's need, with a status symbol and, when red,
    why (too few agents, or callers waiting while agents are free)."""
    text = Text(_("Able to take calls {able}").format(able=view.staffed_agents), style="bold")
    staffing = view.staffing
    if staffing is None:
        return text
    symbol = getattr(config.queue.symbols, staffing.status)
    needs = _("Erlang C needs {agents} (ASA {asa})").format(
        agents=staffing.hint.agents, asa=duration_text(staffing.hint.asa_s)
    )
    text.append(" · ")
    text.append(f"{needs} {symbol}", style=STATUS_STYLE[staffing.status])
    if staffing.problem == "short":
        text.append(
            " " + _("short by {count}").format(count=staffing.hint.agents - staffing.able), style=STATUS_STYLE[RED]
        )
    elif staffing.problem == "idle_while_waiting":
        text.append(
            " "
            + _("callers wait while {count} agents are available: check telephony and routing").format(
                count=staffing.available
            ),
            style=STATUS_STYLE[RED],
        )
    return text


def simulator_mark() -> Text:
    """Says the figures are the simulator's, in the panel and in `queue watch`."""
    return Text(f" {_(SIMULATOR_MARK)} ", style=SIMULATOR_STYLE)


BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], low: float, high: float) -> str:
    """One bar a value on a fixed scale (a dip from 100 % to 97 % must look small)."""
    span = max(high - low, 1e-9)
    steps = len(BARS) - 1
    return "".join(BARS[round(min(max((value - low) / span, 0.0), 1.0) * steps)] for value in values)
