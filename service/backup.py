"""`resident-voice backup PATH` and `resident-voice restore PATH`.

SQLite is copied with SQLite's online backup API (`sqlite3.Connection.backup`): a consistent
snapshot even while the service is writing, with no need to stop it. PostgreSQL goes through
`pg_dump` / `pg_restore` in their custom format, the tools a council's DBA already trusts;
they must be installed and at least as new as the server, and we say so when they are not.

A restore is all or nothing: SQLite's backup API writes the whole file in one write
transaction, and `pg_restore --single-transaction --exit-on-error` rolls back on the first
error. It refuses to replace a database that holds data unless `force` is given; a database
with only the schema (freshly migrated, no rows) or none at all counts as empty.
Stop the service (web and workers) before a restore: it replaces what they are reading.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse, urlunparse

from service.db import DatabaseURLError, describe

#: Piccolo's record of applied migrations: present in every database we make, not "data".
MIGRATION_TABLE = "migration"
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Outcome:
    """What a backup or restore did, for the command's one-line report."""

    path: Path
    tables: int
    rows: int


# --- helpers shared by both engines ---------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    if not url.startswith("sqlite:///") or len(url) == len("sqlite:///"):
        raise DatabaseURLError("DATABASE_URL for SQLite takes three slashes and a file path")
    return Path(url[len("sqlite:///") :])


def _engine_kind(url: str) -> str:
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        return "sqlite"
    if scheme in ("postgres", "postgresql"):
        return "postgres"
    raise DatabaseURLError(
        f"DATABASE_URL scheme {scheme or '(none)'!r} is not supported: use "
        "sqlite:///path/to/file.sqlite or postgresql://user@host:port/database"
    )


def _check_output_path(path: Path) -> None:
    if path.exists():
        raise BackupError(
            f"{path} already exists; choose a new file name (a backup never overwrites one)"
        )
    if not path.parent.is_dir():
        raise BackupError(f"cannot write {path}: the folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK):
        raise BackupError(f"cannot write {path}: the folder {path.parent} is not writable")


def _file_kind(path: Path) -> str:
    """'sqlite', 'postgres' (custom-format dump) or 'unknown', from the file's first bytes."""
    if not path.exists():
        raise BackupError(f"{path} does not exist")
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgres"
    return "unknown"


def _check_backup_kind(path: Path, wanted: str) -> None:
    kind = _file_kind(path)
    if kind == wanted:
        return
    names = {"sqlite": "a SQLite backup", "postgres": "a PostgreSQL (pg_dump custom-format) backup"}
    found = names.get(kind, "neither a SQLite backup nor a pg_dump custom-format file")
    engine = "SQLite" if wanted == "sqlite" else "PostgreSQL"
    raise BackupError(
        f"{path} is {found}, but DATABASE_URL is a {engine} database; restore a backup made "
        "from the same kind of database"
    )


def _holding_data(counts: dict[str, int]) -> dict[str, int]:
    return {name: n for name, n in sorted(counts.items()) if n and name != MIGRATION_TABLE}


def _refusal(url: str, holding: dict[str, int]) -> BackupError:
    listed = ", ".join(f"{name}: {n} row(s)" for name, n in list(holding.items())[:5])
    more = f" and {len(holding) - 5} more table(s)" if len(holding) > 5 else ""
    return BackupError(
        f"the database at {describe(url)} already holds data ({listed}{more}); restoring would "
        "replace all of it. Restore into an empty database, or pass --force to replace it"
    )


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        # Table names come from sqlite_master, not from a person.
        name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
        for name in names
    }


def _sqlite_backup(url: str, path: Path) -> Outcome:
    source_path = _sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"there is no SQLite database at {source_path} (from DATABASE_URL)")
    _check_output_path(path)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(partial)
        try:
            source.backup(target)
            # A backup file should stand alone: no -wal beside it to forget when copying.
            target.execute("PRAGMA journal_mode = DELETE")
            counts = _sqlite_counts(target)
        finally:
            target.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    partial.rename(path)  # the backup appears whole or not at all
    return Outcome(path, len(counts), sum(counts.values()))


def _sqlite_restore(url: str, path: Path, force: bool) -> Outcome:
    _check_backup_kind(path, "sqlite")
    target_path = _sqlite_path(url)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            problems = [row[0] for row in source.execute("PRAGMA quick_check")]
            counts = _sqlite_counts(source)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is damaged and cannot be restored ({error})") from None
        if problems != ["ok"]:
            raise BackupError(f"{path} is damaged and cannot be restored: {problems[0]}")
        if MIGRATION_TABLE not in counts:
            raise BackupError(
                f"{path} is a SQLite file but not a Resident Voice backup (no migration table)"
            )
        if not target_path.parent.is_dir():
            raise BackupError(
                f"cannot restore to {target_path}: the folder {target_path.parent} does not exist"
            )
        target = sqlite3.connect(target_path, timeout=5)
        try:
            holding = _holding_data(_sqlite_counts(target))
            if holding and not force:
                raise _refusal(url, holding)
            # One write transaction on the target: on any failure it keeps what it had.
            source.backup(target)
            target.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as error:
            raise BackupError(
                f"cannot restore to {target_path}: {error}. Stop the service and its workers first"
            ) from None
        finally:
            target.close()
    finally:
        source.close()
    return Outcome(path, len(counts), sum(counts.values()))


# --- PostgreSQL -----------------------------------------------------------------------------


def _pg_connection(url: str) -> tuple[list[str], dict[str, str]]:
    """`--dbname` for the tools, and an environment carrying the password (so it is not on
    the command line, where `ps` would show it)."""
    parsed = urlparse(url)
    env = dict(os.environ)
    netloc = parsed.hostname or ""
    if parsed.username:
        netloc = f"{parsed.username}@{netloc}"
    if parsed.port:
        netloc = f"{netloc}:{parsed.port}"
    if parsed.password:
        env["PGPASSWORD"] = unquote(parsed.password)
    dsn = urlunparse(("postgresql", netloc, parsed.path, "", parsed.query, ""))
    return ["--dbname", dsn], env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed (needed to back up or restore PostgreSQL): install the "
            "PostgreSQL client tools of your server's version, e.g. `apt-get install "
            "postgresql-client`, or put them on PATH"
        )
    return found


def _tool_major(executable: str) -> int:
    result = subprocess.run(  # noqa: S603 - the tool found on PATH, no shell
        [executable, "--version"], capture_output=True, text=True, check=False
    )
    match = re.search(r"(\d+)(?:\.\d+)?", result.stdout)
    if match is None:
        raise BackupError(f"cannot tell the version of {executable}: {result.stdout.strip()!r}")
    return int(match.group(1))


async def _pg_server(url: str) -> tuple[int, dict[str, int]]:
    """The server's major version and the row count of each table in `public`."""
    import asyncpg

    try:
        connection = await asyncpg.connect(
            url.replace("postgres://", "postgresql://", 1), timeout=10
        )
    except (OSError, asyncpg.PostgresError) as error:
        raise BackupError(f"cannot reach the database at {describe(url)}: {error}") from None
    try:
        version = int(await connection.fetchval("SHOW server_version_num")) // 10000
        names = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        counts = {}
        for row in names:
            name = row["tablename"].replace('"', '""')
            counts[row["tablename"]] = await connection.fetchval(
                f'SELECT count(*) FROM "{name}"'  # noqa: S608 - a name from pg_tables, quoted
            )
        return version, counts
    finally:
        await connection.close()


def _run_tool(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()
        first = next(
            (line for line in detail if "error" in line.lower()), detail[0] if detail else ""
        )
        if "version mismatch" in result.stderr or "unsupported version" in result.stderr:
            first += " (the client tools are older than the server or the file: install newer ones)"
        raise BackupError(f"{what} failed: {first or f'exit status {result.returncode}'}")


async def _pg_backup(url: str, path: Path) -> Outcome:
    pg_dump = _tool("pg_dump")
    _check_output_path(path)
    server, counts = await _pg_server(url)
    client = _tool_major(pg_dump)
    if client < server:
        raise BackupError(
            f"pg_dump is version {client} but the server is PostgreSQL {server}: pg_dump must be "
            f"at least as new as the server; install postgresql-client-{server}"
        )
    dbname, env = _pg_connection(url)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        await asyncio.to_thread(
            _run_tool,
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(partial),
                *dbname,
            ],
            env,
            "pg_dump",
        )
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(path)
    return Outcome(path, len(counts), sum(counts.values()))


async def _pg_restore(url: str, path: Path, force: bool) -> Outcome:
    _check_backup_kind(path, "postgres")
    pg_restore = _tool("pg_restore")
    server, counts = await _pg_server(url)
    client = _tool_major(pg_restore)
    if client < server:
        raise BackupError(
            f"pg_restore is version {client} but the server is PostgreSQL {server}: install "
            f"postgresql-client-{server}"
        )
    holding = _holding_data(counts)
    if holding and not force:
        raise _refusal(url, holding)
    dbname, env = _pg_connection(url)
    command = [
        pg_restore,
        "--single-transaction",  # all or nothing
        "--exit-on-error",
        "--no-owner",
        "--no-privileges",
        *dbname,
    ]
    if counts:  # tables exist (empty after migrate, or data with --force): replace them
        command += ["--clean", "--if-exists"]
    await asyncio.to_thread(_run_tool, [*command, str(path)], env, "pg_restore")
    _, restored = await _pg_server(url)
    return Outcome(path, len(restored), sum(restored.values()))


# --- the two entry points -------------------------------------------------------------------


async def backup(url: str, path: Path) -> Outcome:
    """Write a consistent copy of the database at `url` to the new file `path`."""
    if _engine_kind(url) == "sqlite":
        return await asyncio.to_thread(_sqlite_backup, url, path)
    return await _pg_backup(url, path)


async def restore(url: str, path: Path, *, force: bool = False) -> Outcome:
    """Replace the database at `url` with the backup at `path`, whole or not at all.

    Refuses (BackupError) when the database holds data, unless `force`.
    """
    if _engine_kind(url) == "sqlite":
        return await asyncio.to_thread(_sqlite_restore, url, path, force)
    return await _pg_restore(url, path, force)


__all__ = ["BackupError", "Outcome", "backup", "restore"]
