"""Where the database file lives: the --db option, the AIDF_DB variable, or the data folder."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

APP_DIR_NAME = "ai-decision-frameworks"
DB_FILE_NAME = "aidf.sqlite3"
DB_ENV_VAR = "AIDF_DB"


def default_db_path() -> Path:
    """The database in the user's data folder; the folder is created when the file is opened."""
    return Path(user_data_dir(APP_DIR_NAME, appauthor=False)) / DB_FILE_NAME


def resolve_db_path(cli_value: str | None) -> Path:
    """The --db value if given, else $AIDF_DB, else the default; empty values count as unset."""
    if cli_value:
        return Path(cli_value).expanduser()
    env_value = os.environ.get(DB_ENV_VAR, "")
    if env_value:
        return Path(env_value).expanduser()
    return default_db_path()


#: The file-dialog filter for database files (the GUI offers it when choosing another file).
DATABASE_FILE_FILTER = "SQLite databases (*.sqlite3 *.db);;All files (*)"
