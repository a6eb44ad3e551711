"""A throw-away PostgreSQL server for tests, CI and benchmarks.

    python scripts/pg_test_server.py -- python -m pytest      # run a command against it
    python scripts/pg_test_server.py                          # print the URL, serve until Ctrl-C

The server lives in a new temporary directory, listens on 127.0.0.1 on a free port (and on a
Unix socket in that directory), trusts local socket connections and wants a password over TCP,
so tests can also check what a wrong password does. It is stopped and deleted on exit.
PostgreSQL refuses to run as root: when started by root the server runs as the unprivileged
system user `dutydesk-pg`, created here on first use. The command gets the URL of an empty
database in DUTYDESK_TEST_DB (the login may create databases: the test fixture makes one per test).
"""

import argparse
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SERVER_USER = "dutydesk-pg"
ROLE = "dutydesk"
PASSWORD = "dutydesk-test"
DATABASE = "dutydesk_test"
# A test server needs no durability: skipping fsync makes creating a database per test cheap.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def _binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/local/bin:/usr/lib/postgresql/15/bin")
    if found is None:
        sys.exit(f"pg_test_server: {name} not found: install PostgreSQL's server binaries")
    return found


def _server_user() -> str | None:
    """The user the server runs as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER], check=True
        )
    return SERVER_USER


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str], user: str | None) -> None:
    subprocess.run(command, user=user, check=True, stdout=subprocess.DEVNULL)


@contextmanager
def test_server() -> Iterator[str]:
    """Start a server, create an empty database, yield its URL; stop and delete it afterwards."""
    user = _server_user()
    home = Path(tempfile.mkdtemp(prefix="dutydesk-pg-"))
    if user is not None:
        shutil.chown(home, user)
    data, port = home / "data", _free_port()
    password_file = home / "password"
    password_file.write_text(PASSWORD)
    if user is not None:
        shutil.chown(password_file, user)
    try:
        _run(
            [_binary("initdb"), "-D", str(data), "-U", ROLE, "--pwfile", str(password_file), "-E", "UTF8"]
            + ["--locale", "C.UTF-8", "--auth-local", "trust", "--auth-host", "scram-sha-256"],
            user,
        )
        options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 " + " ".join(f"-c {s}" for s in FAST_SETTINGS)
        _run([_binary("pg_ctl"), "-D", str(data), "-l", str(home / "server.log"), "-o", options, "-w", "start"], user)
        try:
            _create_database(home, port)
            yield f"postgresql+psycopg://{ROLE}:{PASSWORD}@127.0.0.1:{port}/{DATABASE}"
        finally:
            _run([_binary("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], user)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _create_database(socket_dir: Path, port: int) -> None:
    import psycopg

    with psycopg.connect(host=str(socket_dir), port=port, user=ROLE, dbname="postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {DATABASE}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="*", help="run this with DUTYDESK_TEST_DB set, then stop the server")
    arguments = parser.parse_args()
    with test_server() as url:
        if arguments.command:
            return subprocess.run(arguments.command, env={**os.environ, "DUTYDESK_TEST_DB": url}).returncode
        stop_signals = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
        print(url, flush=True)
        signal.sigwait(stop_signals)
    return 0


if __name__ == "__main__":
    sys.exit(main())
