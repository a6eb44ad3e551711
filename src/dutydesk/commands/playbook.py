"""`dutydesk playbook …`: list, show and lint the incident playbooks."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dutydesk.cli_support import JsonOption, console, fail, print_json, wrapping_table
from dutydesk.i18n import _

if TYPE_CHECKING:  # imported where used: `dutydesk --help` stays fast
    from dutydesk.domain.playbooks import Playbook

app = typer.Typer(help=_("Incident playbooks: list, show, check."), no_args_is_help=True)


@app.command("list")
def list_playbooks(as_json: JsonOption = False) -> None:
    """List the playbooks (yours override shipped ones by key) and the broken files."""

    from dutydesk.domain.playbooks import kind_label, load_playbooks

    found = load_playbooks()
    if as_json:
        print_json([p.as_json() for p in found.ordered()] + [b.as_json() for b in found.broken])
        return
    table = wrapping_table(_("Key"), _("Title"), _("Kind"), _("Level"), _("Source"))
    for playbook in found.ordered():
        table.add_row(
            playbook.key,
            str(playbook.title),
            kind_label(playbook.kind),
            str(playbook.level),
            _("shipped") if playbook.origin == "shipped" else str(playbook.path),
        )
    for broken in found.broken:
        table.add_row(
            broken.key or broken.path.stem,
            _("BROKEN: {reason}").format(reason=broken.reason),
            "",
            "",
            str(broken.path),
            style="red",
        )
    console().print(table)


@app.command("show")
def show(
    key: Annotated[str, typer.Argument(help=_("The playbook key, e.g. crm_down."))], as_json: JsonOption = False
) -> None:
    """Show one playbook: trigger, response time, contacts, IVR text and steps."""
    from dutydesk.domain.playbooks import load_playbooks

    playbook = load_playbooks().get(key)
    if as_json:
        print_json(playbook.as_json())
        return
    console().print(_describe(playbook), markup=False)


def _describe(playbook: "Playbook") -> str:
    from dutydesk.domain.playbooks import kind_label

    minutes = int(playbook.respond_within.total_seconds() // 60)
    lines = [
        f"{playbook.title}  ({playbook.key})",
        _("Kind: {kind} · level {level} · respond within {minutes} min").format(
            kind=kind_label(playbook.kind), level=playbook.level, minutes=minutes
        ),
    ]
    if playbook.trigger:
        lines.append(_("When: {trigger}").format(trigger=playbook.trigger))
    for contact in playbook.contacts:
        lines.append(
            _("Escalate to: {role} {name} ({channel})").format(
                role=contact.role, name=contact.name, channel=contact.channel or "—"
            )
        )
    if playbook.ivr:
        lines.append(_("IVR: {text}").format(text=playbook.ivr))
    lines.append("")
    for step in playbook.steps:
        due = _(" (within {minutes} min)").format(minutes=int(step.within.total_seconds() // 60)) if step.within else ""
        lines.append(f"{step.n:>2}. [ ] {step.text}{due}")
    return "\n".join(lines)


@app.command("check")
def check(
    directory: Annotated[
        Path | None, typer.Argument(help=_("Directory of playbook files (default: your playbooks)."))
    ] = None,
) -> None:
    """Lint every playbook file of a directory; exits 1 on any error."""
    from dutydesk.domain.playbooks import check_dir, user_dir

    good, broken = check_dir(directory or user_dir())
    for playbook in good:
        typer.echo(_("ok      {path} ({key})").format(path=playbook.path, key=playbook.key))
    for item in broken:
        typer.echo(_("error   {reason}").format(reason=item.reason), err=True)
    if broken:
        fail(
            _("{count} of {total} playbook files have errors").format(count=len(broken), total=len(good) + len(broken))
        )
    typer.echo(_("{count} playbooks checked, no errors").format(count=len(good)))
