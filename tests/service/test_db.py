"""Database URLs and the shared SQLite engine under concurrency."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from service.db import DatabaseURLError, SharedSQLiteEngine, describe, engine_from_url
from service.tables import Job


def test_database_urls():
    assert isinstance(engine_from_url("sqlite:///var/x.sqlite"), SharedSQLiteEngine)
    assert engine_from_url("sqlite:///var/x.sqlite").path == "var/x.sqlite"
    assert engine_from_url("sqlite:////tmp/x.sqlite").path == "/tmp/x.sqlite"
    for bad, words in [
        ("mysql://x", "not supported"),
        ("postgresql://", "host"),
        ("sqlite://x", "three slashes"),
        ("", "not supported"),
    ]:
        with pytest.raises(DatabaseURLError, match=words):
            engine_from_url(bad)
    assert describe("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"


@pytest.mark.db
async def test_concurrent_transactions_neither_lose_nor_half_write(db: Any):
    """64 concurrent writers, some failing mid-transaction: all or nothing for each."""

    async def writer(n: int) -> None:
        async with Job._meta.db.transaction():
            await Job(name=f"w{n}", payload={}).save()
            await Job(name=f"w{n}", payload={}).save()
            if n % 4 == 0:
                raise RuntimeError("fail after two writes")

    results = await asyncio.gather(*(writer(n) for n in range(64)), return_exceptions=True)
    failures = sum(isinstance(r, RuntimeError) for r in results)
    assert failures == 16
    rows = await Job.select(Job.name)
    names = [r["name"] for r in rows]
    assert len(names) == 2 * 48
    assert all(names.count(f"w{n}") == (0 if n % 4 == 0 else 2) for n in range(64))


@pytest.mark.db
async def test_sqlite_runs_in_wal_mode_with_foreign_keys(db: Any):
    if db.name != "sqlite":
        assert await db.engine.run_ddl("SHOW server_version")
        return
    mode = await db.engine.run_ddl("PRAGMA journal_mode")
    keys = await db.engine.run_ddl("PRAGMA foreign_keys")
    assert mode[0]["journal_mode"] == "wal"
    assert keys[0]["foreign_keys"] == 1
