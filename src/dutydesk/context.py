"""What every command and the TUI work with: the chosen language, the config and the database.

Built by one function for the CLI, the TUI and the tests alike. The TUI may start before its
database is open (`open_context_for_tui`): it paints the Log screen's first page, read with
`sqlite3` alone, while the storage stack is imported and the database opened in a worker
(`Context.open_database`); whoever needs `Context.db` meanwhile waits for it.
"""

import os
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from dutydesk import paths
from dutydesk.config import Config, load_config
from dutydesk.domain.views import FirstPage, read_first_page
from dutydesk.i18n import choose_language, set_language

if TYPE_CHECKING:
    from dutydesk.store.db import Database


class Context:
    def __init__(self, config: Config, config_path: Path, db_target: "str | Path") -> None:
        self.config, self.config_path, self.db_target = config, config_path, db_target
        self._db: Future[Database] = Future()
        self._opening = threading.Lock()
        self.first_page: FirstPage | None = None  # read before the database was opened, if it was

    @property
    def db(self) -> "Database":
        """The open database; until `open_database` has run, waits for it (on a worker's thread,
        never the UI's: the app opens it in a worker)."""
        return self._db.result()

    @property
    def db_is_open(self) -> bool:
        return self._db.done()

    def open_database(self) -> None:
        """Open (creating or migrating) the database, once; a failure is raised here and to every
        later user of `db`."""
        with self._opening:
            if not self._db.done():
                try:
                    from dutydesk.store.db import open_database  # the storage stack: SQLAlchemy, SQLModel

                    self._db.set_result(open_database(self.db_target))
                except BaseException as error:
                    self._db.set_exception(error)
        self._db.result()


def open_context(
    db_target: str | Path | None = None,
    config_path: Path | None = None,
    language: str | None = None,
) -> Context:
    """--db, else $DUTYDESK_DB, else the user data dir; --config, else the user config dir."""
    context = _context(db_target, config_path, language)
    context.open_database()
    return context


def open_context_for_tui(
    db_target: str | Path | None = None,
    config_path: Path | None = None,
    language: str | None = None,
    *,
    page_size: int,
) -> Context:
    """Like `open_context`, but an SQLite file already at this schema is not opened yet: its
    first page (`page_size` entries) is read with `sqlite3` alone, the app opens it after
    its first frame. Any other database is opened now."""
    context = _context(db_target, config_path, language)
    target = context.db_target
    if "://" not in str(target):
        context.first_page = read_first_page(Path(target).expanduser(), context.config.center.team, page_size)
    if context.first_page is None:
        context.open_database()
    return context


def _context(db_target: str | Path | None, config_path: Path | None, language: str | None) -> Context:
    set_language(choose_language(language))
    chosen_config = config_path or paths.default_config_path()
    config = load_config(chosen_config, required=config_path is not None)
    return Context(config, chosen_config, db_target or database_target())


def database_target() -> str | Path:
    return os.environ.get("DUTYDESK_DB") or paths.default_database_path()
