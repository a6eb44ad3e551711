"""What every command and the TUI work with: the chosen language, the config and the database.

Built by one function for the CLI, the TUI and the tests alike.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from dutydesk import paths
from dutydesk.config import Config, load_config
from dutydesk.i18n import choose_language, set_language
from dutydesk.store.db import Database, open_database


@dataclass
class Context:
    config: Config
    db: Database
    config_path: Path


def open_context(
    db_target: str | Path | None = None,
    config_path: Path | None = None,
    language: str | None = None,
) -> Context:
    """--db, else $DUTYDESK_DB, else the user data dir; --config, else the user config dir."""
    set_language(choose_language(language))
    chosen_config = config_path or paths.default_config_path()
    config = load_config(chosen_config, required=config_path is not None)
    db = open_database(db_target or database_target())
    return Context(config, db, chosen_config)


def database_target() -> str | Path:
    return os.environ.get("DUTYDESK_DB") or paths.default_database_path()
