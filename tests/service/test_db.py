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


SQLITE_ONLY = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)


def _insert_job(name: str) -> Any:
    def unit(connection: Any) -> int:
        row = connection.execute(
            "INSERT INTO job (name, payload, status, attempts, max_attempts, run_after, created_at)"
            " VALUES (?, '{}', 'queued', 0, 3, '2026-01-01 00:00:00+00:00',"
            " '2026-01-01 00:00:00+00:00') RETURNING id",
            (name,),
        ).fetchall()
        if name.startswith("bad"):
            raise ValueError(f"{name} refused after its insert")
        return int(row[0]["id"])

    return unit


@pytest.mark.db
@SQLITE_ONLY
async def test_run_atomic_commits_together_but_fails_alone(db: Any):
    """64 units at once: they share commits (group commit), a failing unit's insert is rolled
    back to its savepoint and its error reaches its own caller, the others are kept."""
    engine = db.engine
    units_before, commits_before = engine.group_commit_stats()
    names = [f"bad{n}" if n % 8 == 0 else f"ok{n}" for n in range(64)]
    results = await asyncio.gather(
        *(engine.run_atomic(_insert_job(name)) for name in names), return_exceptions=True
    )
    for name, result in zip(names, results, strict=True):
        if name.startswith("bad"):
            assert isinstance(result, ValueError) and name in str(result)
        else:
            assert isinstance(result, int)
    stored = sorted(r["name"] for r in await Job.select(Job.name))
    assert stored == sorted(n for n in names if n.startswith("ok"))
    units, commits = engine.group_commit_stats()
    assert units - units_before == 64
    assert commits - commits_before < 64  # they did share transactions


@pytest.mark.db
@SQLITE_ONLY
async def test_run_atomic_refuses_to_run_inside_a_transaction(db: Any):
    async with Job._meta.db.transaction():
        with pytest.raises(RuntimeError, match="cannot join"):
            await db.engine.run_atomic(_insert_job("inner"))
    assert await Job.count() == 0


@pytest.mark.db
@SQLITE_ONLY
async def test_reads_see_commits_and_do_not_wait_for_an_open_transaction(db: Any):
    """Plain SELECTs go to the reader connection: they see every committed write at once and
    are not queued behind a transaction that holds the writer (WAL snapshot isolation)."""
    await Job(name="committed", payload={}).save()
    assert [r["name"] for r in await Job.select(Job.name)] == ["committed"]
    inside = asyncio.Event()
    release = asyncio.Event()

    async def long_transaction() -> None:
        async with Job._meta.db.transaction():
            await Job(name="uncommitted", payload={}).save()
            inside.set()
            await release.wait()

    holder = asyncio.create_task(long_transaction())
    await inside.wait()
    try:
        seen = await asyncio.wait_for(Job.select(Job.name), timeout=5)
    finally:
        release.set()  # so a failure here does not leave the writer held
        await holder
    assert [r["name"] for r in seen] == ["committed"]  # not blocked, and no dirty read
    assert sorted(r["name"] for r in await Job.select(Job.name)) == ["committed", "uncommitted"]


@pytest.mark.db
@SQLITE_ONLY
async def test_two_engines_on_one_file_take_turns_without_losing_writes(db: Any):
    """Two engines on one file stand for two uvicorn workers: their group commits queue on
    the shared writer lock file rather than failing or sleeping in SQLite's busy handler."""
    other = SharedSQLiteEngine(path=db.engine.path)
    try:
        names = [f"ok-a{n}" for n in range(48)] + [f"ok-b{n}" for n in range(48)]
        results = await asyncio.gather(
            *(
                (db.engine if name.startswith("ok-a") else other).run_atomic(_insert_job(name))
                for name in names
            )
        )
        assert all(isinstance(r, int) for r in results) and len(set(results)) == 96
        stored = sorted(r["name"] for r in await Job.select(Job.name))
        assert stored == sorted(names)
    finally:
        await other.close()


def test_one_statement_text_serves_both_engines() -> None:
    import sqlite3

    from service.db import Statement

    statement = Statement("SELECT {} + {} AS total")
    assert statement.sqlite == "SELECT ? + ? AS total"
    assert statement.query(1, 2).template == "SELECT {} + {} AS total"
    connection = sqlite3.connect(":memory:")
    assert statement.execute(connection, (1, 2)).fetchone() == (3,)
    with pytest.raises(TypeError, match="takes 2 values, not 1"):
        statement.query(1)
    with pytest.raises(ValueError, match=r"placeholders as \{\} only"):
        Statement("SELECT ?")


@pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
async def test_sqlite_commits_are_synced_before_they_are_acknowledged(db: Any) -> None:
    """synchronous=FULL on the connection that writes responses (NORMAL can lose the last
    acknowledged commits on power loss). A SQLite setting: PostgreSQL syncs each commit by
    default (synchronous_commit=on)."""
    assert isinstance(db.engine, SharedSQLiteEngine)
    level = await db.engine.run_atomic(
        lambda connection: connection.execute("PRAGMA synchronous").fetchone()
    )
    assert list(level.values()) == [2]  # 2 = FULL
