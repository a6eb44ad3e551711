"""Channels: where a notice goes, and the one place that talks to the outside world.

A channel's URL uses apprise's syntax (`dingtalk://…`, `wecombot://…`, `feishu://…`,
`mailto://…`, `json://…` and about a hundred more), so dutydesk writes no client of its
own. The URL holds the secret (a bot token, a password): it comes from an environment
variable or a file only its owner can read, and it is never shown, logged or exported —
every text that leaves this module passes `redact` first.
"""

import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dutydesk.config import NotifyChannel, NotifySettings
from dutydesk.errors import UserError
from dutydesk.i18n import _


@dataclass(frozen=True)
class Channel:
    key: str
    label: str
    url: str | None  # None: not configured, nothing is sent
    drills: bool
    source: str  # where the URL is read from: the variable's name or the file's path
    problem: str | None = None  # why the URL could not be read

    @property
    def shown(self) -> str:
        """What may be shown of the URL: its scheme only."""
        return f"{urlsplit(self.url).scheme}://…" if self.url else "—"


def channel_label(settings: NotifySettings, key: str) -> str:
    """A channel's name as shown (a channel no longer configured: its key)."""
    found = next((channel for channel in settings.channels if channel.key == key), None)
    return str(found.label) if found else key


def channels(settings: NotifySettings, environment: dict[str, str]) -> dict[str, Channel]:
    return {channel.key: _resolve(channel, environment) for channel in settings.channels}


def _resolve(channel: NotifyChannel, environment: dict[str, str]) -> Channel:
    source = " / ".join(where for where in (channel.url_env and f"${channel.url_env}", channel.url_file) if where)
    try:
        url = _url(channel, environment)
    except UserError as error:
        return Channel(channel.key, str(channel.label), None, channel.drills, source, problem=str(error))
    return Channel(channel.key, str(channel.label), url, channel.drills, source)


def _url(channel: NotifyChannel, environment: dict[str, str]) -> str | None:
    if channel.url_env and environment.get(channel.url_env, "").strip():
        return environment[channel.url_env].strip()
    if not channel.url_file:
        return None
    path = Path(channel.url_file).expanduser()
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise UserError(_("{path} can be read by others: make it private (chmod 600)").format(path=path))
        return path.read_text(encoding="utf-8").strip() or None
    except OSError as error:
        raise UserError(_("cannot read {path}: {reason}").format(path=path, reason=error.strerror)) from None


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every secret URL, and each of its parts longer than 3 characters, hidden."""
    for secret in secrets:
        parts = urlsplit(secret)
        pieces = [secret, parts.netloc, parts.path, parts.query, parts.password or "", parts.username or ""]
        for piece in sorted((p for p in pieces if len(p) > 3), key=len, reverse=True):
            text = text.replace(piece, "***")
    return text


NOTIFY_TYPES = {"critical": "failure", "warning": "warning", "info": "info"}  # apprise's names


def send(channel: Channel, title: str, body: str, level: str, timeout_s: float) -> str | None:
    """Send one message; None when delivered, else the reason (with no secret in it)."""
    import apprise

    if channel.url is None:
        return channel.problem or _("no URL configured")
    sender = apprise.Apprise(asset=apprise.AppriseAsset(async_mode=False))
    if not sender.add(channel.url):
        return _("the channel's URL is not one apprise understands")
    for service in sender:
        service.socket_connect_timeout = service.socket_read_timeout = timeout_s
    with apprise.LogCapture(level=apprise.logging.WARNING) as captured:  # type: ignore[no-untyped-call]
        # apprise refuses an empty body, and some channels show only the body
        delivered = sender.notify(title=title, body=body or title, notify_type=NOTIFY_TYPES[level])
    if delivered:
        return None
    reason = captured.getvalue().strip().splitlines()
    return redact(reason[-1].split(" - ", 2)[-1] if reason else _("not delivered"), [channel.url])
