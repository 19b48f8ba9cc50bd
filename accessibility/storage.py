"""Where stored runs keep what is not in the database, and how JSON columns are read.

Screenshots are PNG files in ``<AUDITS_DIR>/<run_id>/<name>.png`` (``AUDITS_DIR`` defaults to
``./var/audits``), named by their content so identical crops share a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from accessibility.errors import NotFound
from service.settings import VAR_DIR

__all__ = ["audits_dir", "now", "read_json", "save_png", "screenshot_path"]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def read_json(value: Any) -> Any:
    """Piccolo returns JSON columns as text on both engines; read it."""
    if isinstance(value, str):
        return json.loads(value) if value else None
    return value


def audits_dir() -> Path:
    return Path(os.environ.get("AUDITS_DIR") or VAR_DIR / "audits")


def save_png(folder: Path, png: bytes) -> str:
    """Store a screenshot once, named by its content (identical crops share a file)."""
    name = hashlib.sha256(png).hexdigest()[:24] + ".png"
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / name).exists():
        (folder / name).write_bytes(png)
    return name


def screenshot_path(run_id: int, name: str) -> Path:
    """The file of a stored screenshot; NotFound for anything but a plain PNG name."""
    if not name.endswith(".png") or "/" in name or "\\" in name or name.startswith("."):
        raise NotFound("no such screenshot")
    path = audits_dir() / str(run_id) / name
    if not path.is_file():
        raise NotFound("no such screenshot")
    return path
