"""Real receivers on loopback for notification tests: a JSON webhook and an SMTP server."""

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Webhook:
    """Receives apprise's `json://` posts; answers 500 while `failing` is set."""

    port: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    failing: bool = False

    def url(self, secret: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{secret}"

    @property
    def titles(self) -> list[str]:
        return [message["title"] for message in self.received]


@contextmanager
def webhook() -> Iterator[Webhook]:
    state = Webhook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.failing:
                self.send_response(500)
            else:
                state.received.append(json.loads(body))
                self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    port: int
    messages: list[str] = field(default_factory=list)

    def url(self) -> str:
        return f"mailto://duty@127.0.0.1:{self.port}?mode=insecure&from=duty@example.com&to=lead@example.com"

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"


@contextmanager
def mailbox() -> Iterator[Mailbox]:
    with socket.socket() as probe:  # aiosmtpd needs a port number up front
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox(port)
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
