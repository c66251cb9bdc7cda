"""What a tab may need from the app besides its framework: background tasks and the database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ui.tasks import TaskRunner


@dataclass(frozen=True)
class AppServices:
    runner: TaskRunner
    db_path: Path
