"""Anchors: what the database alone can never prove, a copy kept outside it can.

Whoever can write the database file can re-key every supervisor and re-sign every record
(docs/handover-signing.md, threat model). An anchor names each chain's head (team, link
number, digest) and each supervisor's key fingerprint at one moment; kept elsewhere (an
anchor file, or any exported summary, which ends with one), it lets `verify --anchor`
prove that today's chains extend those heads and the keys are the same.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from dutydesk.domain.chain import ChainCheck
from dutydesk.domain.signing import fingerprint
from dutydesk.errors import UserError
from dutydesk.i18n import _
from dutydesk.store.db import Database
from dutydesk.store.tables import HandoverSignature, SigningKey, Supervisor

ANCHOR_FORMAT = "dutydesk.anchor/1"
FENCE = "dutydesk-anchor"  # the fenced block of an exported summary that holds its anchor
FENCED = re.compile(r"^```" + FENCE + r"\n(.*?)\n```$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Anchor:
    heads: dict[str, tuple[int, str | None]]  # team ("" for no team) -> (link number, digest)
    keys: dict[str, str]  # supervisor name -> key fingerprint

    def as_json(self) -> dict[str, Any]:
        return {
            "format": ANCHOR_FORMAT,
            "chains": {team: {"seq": seq, "digest": digest} for team, (seq, digest) in sorted(self.heads.items())},
            "keys": dict(sorted(self.keys.items())),
        }

    def to_text(self) -> str:
        return json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n"


def key_fingerprints(db: Database) -> dict[str, str]:
    """Every supervisor's key fingerprint by name ("?" for a key that is not even hex)."""
    query = select(col(Supervisor.name), col(SigningKey.public_key)).join(
        Supervisor, col(SigningKey.supervisor_id) == col(Supervisor.id)
    )
    with db.engine.connect() as connection:
        rows = connection.execute(query).all()
    found = {}
    for name, public_key in rows:
        try:
            found[name] = fingerprint(public_key)
        except ValueError:
            found[name] = "?"
    return found


def anchor_of(db: Database, chain: ChainCheck) -> Anchor:
    """The anchor of the record as it stands: each chain's last link (as recomputed) and every key."""
    heads: dict[str, tuple[int, str | None]] = {
        team: (max(links), links[max(links)]) for team, links in chain.digests.items() if links
    }
    return Anchor(heads, key_fingerprints(db))


def read_anchor(text: str, source: str) -> Anchor:
    """An anchor file, or the anchor block at the end of an exported summary."""
    blocks = FENCED.findall(text)
    try:
        data = json.loads(blocks[-1] if blocks else text)
        if data["format"] != ANCHOR_FORMAT:
            raise ValueError(data["format"])
        heads = {str(team): (int(head["seq"]), head["digest"]) for team, head in data["chains"].items()}
        keys = {str(name): str(value) for name, value in data["keys"].items()}
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        raise UserError(_("{source} is not a dutydesk anchor or exported summary").format(source=source)) from None
    return Anchor(heads, keys)


def check_anchor(db: Database, anchor: Anchor, chain: ChainCheck) -> list[str]:
    """What in today's database does not extend the anchored heads with the anchored keys."""
    problems = []
    for team, (seq, digest) in sorted(anchor.heads.items()):
        broken = chain.first_break(team, seq)
        if chain.digests.get(team, {}).get(seq) != digest or broken is not None:
            problems.append(
                _("the chain of team {team} does not extend the anchored head (link {seq})").format(
                    team=team or _("(no team)"), seq=seq
                )
            )
    current = key_fingerprints(db)
    with db.engine.connect() as connection:
        signed = connection.execute(
            select(col(HandoverSignature.supervisor_name), col(HandoverSignature.key_fingerprint))
        ).all()
        shown = dict(connection.execute(select(col(Supervisor.name), col(Supervisor.display_name))).all())
    for name, key in sorted(anchor.keys.items()):
        used = {key_fingerprint for signer, key_fingerprint in signed if signer == name}
        if current.get(name) != key or used - {key}:
            problems.append(_("the signing key of {name} is not the anchored one").format(name=shown.get(name, name)))
    return problems
