"""Fixtures for the service's command-line tests."""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file that the real `resident-voice migrate` brought up to date, made once.

    xdist workers share one (their base temp directories have a common parent), under a file
    lock, so a run pays for one `migrate` subprocess instead of one per test. Tests about
    `migrate` itself run it on a fresh file instead (tests/service/test_cli.py).
    """
    from tests.service.test_cli import cli

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # this run's directory, common to its workers only
    template = shared / "rv-migrated-template.sqlite"
    made = shared / "rv-migrated-template.made"
    with open(shared / "rv-migrated-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.exists():
            template.unlink(missing_ok=True)  # a worker that failed half-way
            done = cli("migrate", DATABASE_URL=f"sqlite:///{template}")
            assert done.returncode == 0, done.stderr
            assert "Applied" in done.stdout
            made.touch()
    return template


@pytest.fixture
def migrated_sqlite(migrated_sqlite_template: Path, tmp_path: Path) -> str:
    """The DATABASE_URL of this test's own copy of the migrated template."""
    path = tmp_path / "migrated.sqlite"
    with sqlite3.connect(migrated_sqlite_template) as source, sqlite3.connect(path) as target:
        source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{path}"


def seed(url: str, work: Callable[[], Awaitable[None]]) -> None:
    """Run `work()` in this process against the database at `url`, then point back.

    For setting up a CLI test's own database without paying for another Python process.
    Only for synchronous tests: nothing else may use the database while it runs.
    """
    from piccolo.apps.migrations.tables import Migration
    from piccolo.conf.apps import Finder

    import piccolo_conf
    from service.db import close, engine_from_url
    from tests.conftest import _use_engine

    tables = [*Finder().get_table_classes(), Migration]
    before = (piccolo_conf.DB, [t._meta.db for t in tables])
    engine = engine_from_url(url)

    async def run() -> None:
        try:
            await work()
        finally:
            await close(engine)

    _use_engine(engine)
    try:
        asyncio.run(run())
    finally:
        piccolo_conf.DB = before[0]
        for table, db in zip(tables, before[1], strict=True):
            table._meta.db = db
