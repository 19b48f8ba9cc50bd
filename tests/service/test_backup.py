"""`resident-voice backup` / `restore`: a round trip keeps every row of every table, a restore
never half-happens, and people get a clear message when a path, a file or a tool is wrong."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from piccolo import columns
from piccolo.conf.apps import Finder
from piccolo.table import sort_table_classes

from service.backup import BackupError, backup, restore
from tests.conftest import POSTGRES_ADMIN_URL, Backend

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
ROWS_PER_TABLE = 3


def _value(column: columns.Column, i: int, ids: dict[type, list[int]]) -> Any:
    """A value for `column` in row `i` that exercises the type: accents, quotes, JSON, NULL."""
    if isinstance(column, columns.ForeignKey):
        if column._meta.null and i == ROWS_PER_TABLE - 1:
            return None
        return ids[column._foreign_key_meta.resolved_references][i % ROWS_PER_TABLE]
    if column._meta.choices:
        options = [choice.value for choice in column._meta.choices]  # type: ignore[attr-defined]
        return options[i % len(options)]
    if column._meta.null and i == ROWS_PER_TABLE - 1:
        return None
    name = column._meta.name
    if isinstance(column, columns.Varchar):
        return f'{name}-{i}-Siân O’Brien "q" 🏠'[: column.length]
    if isinstance(column, columns.Text):
        return f"{name} {i}\nline two, naïve café; ' -- not SQL"
    if isinstance(column, columns.Boolean):
        return i % 2 == 0
    if isinstance(column, columns.Integer):
        return 1000 + i
    if isinstance(column, columns.Float):
        return 0.125 + i
    if isinstance(column, columns.Timestamptz):
        return dt.datetime(2026, 3, 1 + i, 9, 30, 15, 123456, tzinfo=dt.UTC)
    if isinstance(column, columns.Date):
        return dt.date(2026, 3, 1 + i)
    if isinstance(column, columns.JSON):
        return f'{{"row": {i}, "words": ["Llanelli", "ü"], "nested": {{"n": null}}}}'
    if isinstance(column, columns.Bytea):
        return bytes(range(i, i + 16))
    raise AssertionError(f"no test value for {type(column).__name__} ({column})")


async def fill_every_table() -> dict[str, int]:
    """ROWS_PER_TABLE rows in every app table, parents before children."""
    ids: dict[type, list[int]] = {}
    filled: dict[str, int] = {}
    for table in sort_table_classes(Finder().get_table_classes()):
        made = []
        for i in range(ROWS_PER_TABLE):
            values = {
                column: _value(column, i, ids)
                for column in table._meta.columns
                if not isinstance(column, columns.Serial)
            }
            row = await table.insert(table(_data=values)).returning(table._meta.primary_key)
            made.append(row[0][table._meta.primary_key._meta.name])
        ids[table] = made
        filled[table._meta.tablename] = len(made)
    return filled


def _sqlite_file(url: str) -> Path:
    return Path(url[len("sqlite:///") :])


def snapshot_sqlite(url: str) -> dict[str, Any]:
    connection = sqlite3.connect(_sqlite_file(url))
    try:
        tables = {
            name: sql
            for name, sql in connection.execute(
                "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        }
        rows = {
            name: connection.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
            for name, sql in tables.items()
            if sql and sql.startswith("CREATE TABLE")
        }
    finally:
        connection.close()
    return {"schema": tables, "rows": rows}


async def snapshot_postgres(url: str) -> dict[str, Any]:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        names = [
            r["tablename"]
            for r in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        rows = {
            name: [tuple(r) for r in await connection.fetch(f'SELECT * FROM "{name}" ORDER BY id')]
            for name in names
        }
        schema = [
            tuple(r)
            for r in await connection.fetch(
                "SELECT table_name, column_name, data_type, is_nullable, column_default "
                "FROM information_schema.columns WHERE table_schema = 'public' "
                "ORDER BY table_name, ordinal_position"
            )
        ]
        indexes = [
            tuple(r)
            for r in await connection.fetch(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                "ORDER BY indexname"
            )
        ]
        sequences = [
            tuple(r)
            for r in await connection.fetch(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' "
                "ORDER BY sequencename"
            )
        ]
    finally:
        await connection.close()
    return {"schema": schema, "indexes": indexes, "rows": rows, "sequences": sequences}


async def snapshot(backend_name: str, url: str) -> dict[str, Any]:
    if backend_name == "sqlite":
        return snapshot_sqlite(url)
    return await snapshot_postgres(url)


@pytest.fixture
async def fresh_url(db: Backend, tmp_path: Path) -> AsyncIterator[str]:
    """A database of the same kind that does not exist yet (SQLite) or has nothing in it."""
    if db.name == "sqlite":
        yield f"sqlite:///{tmp_path}/restored.sqlite"
        return
    import asyncpg

    name = f"rv_restore_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"{POSTGRES_ADMIN_URL.rpartition('/')[0]}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def change_data(backend_name: str, url: str) -> None:
    """Change a restored database after the restore (to see it refused or replaced)."""
    if backend_name == "sqlite":
        connection = sqlite3.connect(_sqlite_file(url))
        with connection:
            connection.execute("DELETE FROM periodic_lease")
        connection.close()
        return
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DELETE FROM periodic_lease")
    finally:
        await connection.close()


async def empty_app_tables(backend_name: str, url: str) -> None:
    names = [t._meta.tablename for t in Finder().get_table_classes()]
    if backend_name == "sqlite":
        connection = sqlite3.connect(_sqlite_file(url))
        with connection:
            for name in names:
                connection.execute(f'DELETE FROM "{name}"')
        connection.close()
        return
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " CASCADE")
    finally:
        await connection.close()


async def test_round_trip_keeps_every_row_of_every_table(
    db: Backend, fresh_url: str, tmp_path: Path
):
    filled = await fill_every_table()
    assert len(filled) >= 28 and all(n == ROWS_PER_TABLE for n in filled.values())
    before = await snapshot(db.name, db.url)
    assert all(before["rows"][name] for name in filled), "every table holds rows"

    made = await backup(db.url, tmp_path / "rv.backup")
    assert made.rows >= len(filled) * ROWS_PER_TABLE
    assert not (tmp_path / "rv.backup.partial").exists()

    restored = await restore(fresh_url, tmp_path / "rv.backup")
    after = await snapshot(db.name, fresh_url)
    assert restored.tables == made.tables
    assert after["rows"].keys() == before["rows"].keys()
    for name in before["rows"]:
        assert after["rows"][name] == before["rows"][name], f"table {name} differs"
    assert after == before  # schema, indexes and sequences too


async def test_restore_refuses_data_without_force_and_replaces_it_with_force(
    db: Backend, fresh_url: str, tmp_path: Path
):
    await fill_every_table()
    await backup(db.url, tmp_path / "rv.backup")
    await restore(fresh_url, tmp_path / "rv.backup")
    expected = await snapshot(db.name, fresh_url)
    await change_data(db.name, fresh_url)
    changed = await snapshot(db.name, fresh_url)
    assert changed != expected

    with pytest.raises(BackupError, match="already holds data") as refused:
        await restore(fresh_url, tmp_path / "rv.backup")
    assert "--force" in str(refused.value) and "row(s)" in str(refused.value)
    assert await snapshot(db.name, fresh_url) == changed, "a refused restore changes nothing"

    await restore(fresh_url, tmp_path / "rv.backup", force=True)
    assert await snapshot(db.name, fresh_url) == expected


async def test_restore_into_a_database_with_only_the_schema_needs_no_force(
    db: Backend, fresh_url: str, tmp_path: Path
):
    """What `resident-voice migrate` leaves (tables, no rows) counts as empty."""
    await fill_every_table()
    expected = await snapshot(db.name, db.url)
    await backup(db.url, tmp_path / "rv.backup")
    await restore(fresh_url, tmp_path / "rv.backup")
    await empty_app_tables(db.name, fresh_url)
    assert not any(
        rows
        for name, rows in (await snapshot(db.name, fresh_url))["rows"].items()
        if name != "migration"
    )
    await restore(fresh_url, tmp_path / "rv.backup")
    assert (await snapshot(db.name, fresh_url))["rows"] == expected["rows"]


async def test_a_damaged_backup_changes_nothing(db: Backend, fresh_url: str, tmp_path: Path):
    await fill_every_table()
    await backup(db.url, tmp_path / "rv.backup")
    await restore(fresh_url, tmp_path / "rv.backup")
    await change_data(db.name, fresh_url)
    before = await snapshot(db.name, fresh_url)
    whole = (tmp_path / "rv.backup").read_bytes()
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(whole[: len(whole) * 2 // 3])

    with pytest.raises(BackupError) as failed:
        await restore(fresh_url, damaged, force=True)
    assert "damaged" in str(failed.value) or "pg_restore failed" in str(failed.value)
    assert await snapshot(db.name, fresh_url) == before


async def test_bad_paths_say_what_is_wrong(db: Backend, tmp_path: Path):
    with pytest.raises(BackupError, match=r"folder .*missing.* does not exist"):
        await backup(db.url, tmp_path / "missing" / "rv.backup")
    (tmp_path / "taken.backup").write_text("x")
    with pytest.raises(BackupError, match="already exists"):
        await backup(db.url, tmp_path / "taken.backup")
    assert (tmp_path / "taken.backup").read_text() == "x"
    with pytest.raises(BackupError, match="does not exist"):
        await restore(db.url, tmp_path / "nowhere.backup", force=True)
    with pytest.raises(BackupError, match="neither a SQLite backup nor a pg_dump"):
        await restore(db.url, tmp_path / "taken.backup", force=True)
    other = b"PGDMP\x01\x0e" if db.name == "sqlite" else b"SQLite format 3\x00" + bytes(100)
    (tmp_path / "other.backup").write_bytes(other)
    with pytest.raises(BackupError, match="same kind of database"):
        await restore(db.url, tmp_path / "other.backup", force=True)


@pytest.mark.parametrize("db_engine", ["postgres"], indirect=True)
async def test_missing_pg_tools_are_named(
    db: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match=r"pg_dump is not installed.*postgresql-client"):
        await backup(db.url, tmp_path / "rv.backup")
    (tmp_path / "x.backup").write_bytes(b"PGDMP\x01\x0e")
    with pytest.raises(BackupError, match="pg_restore is not installed"):
        await restore(db.url, tmp_path / "x.backup", force=True)


@pytest.mark.parametrize("db_engine", ["postgres"], indirect=True)
async def test_pg_tools_older_than_the_server_are_refused(
    db: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    for tool in ("pg_dump", "pg_restore"):
        fake = tmp_path / tool
        fake.write_text(f"#!/bin/sh\necho '{tool} (PostgreSQL) 9.6.24'\n")
        fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    with pytest.raises(BackupError, match="pg_dump is version 9 but the server is PostgreSQL"):
        await backup(db.url, tmp_path / "rv.backup")
    assert not (tmp_path / "rv.backup").exists()
    (tmp_path / "x.backup").write_bytes(b"PGDMP\x01\x0e")
    with pytest.raises(BackupError, match="pg_restore is version 9"):
        await restore(db.url, tmp_path / "x.backup", force=True)


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from service.cli import entry; entry()", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow  # two CLI subprocesses
@pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
async def test_the_commands(db: Backend, tmp_path: Path):
    await fill_every_table()
    path = tmp_path / "cli.backup"
    made = cli("backup", str(path), DATABASE_URL=db.url)
    assert made.returncode == 0, made.stderr
    assert f"row(s) to {path}" in made.stdout
    refused = cli("restore", str(path), DATABASE_URL=db.url)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "already holds data" in refused.stderr and "--force" in refused.stderr
