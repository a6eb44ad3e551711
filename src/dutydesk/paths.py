"""Where dutydesk keeps its data, configuration and caches (via platformdirs)."""

from pathlib import Path

import platformdirs

APP_NAME = "dutydesk"


def default_database_path() -> Path:
    return platformdirs.user_data_path(APP_NAME) / "dutydesk.db"


def default_config_path() -> Path:
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def demo_database_path() -> Path:
    return platformdirs.user_cache_path(APP_NAME) / "demo.db"


def sample_data_dir() -> Path:
    """The shipped sample data: inside the wheel, or at the top of a source checkout."""
    packaged = Path(__file__).parent / "sample_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "sample_data"


def crash_report_dir() -> Path:
    """Where the TUI writes a report when an unexpected error stops it."""
    return platformdirs.user_log_path(APP_NAME)
