"""Throwaway PostgreSQL databases for the benchmarks that compare SQLite with PostgreSQL.

One copy for every bench script (they are run as `python bench/<name>.py`, so this module is
importable beside them). PostgreSQL is the one the tests use: `TEST_POSTGRES_URL`, or
127.0.0.1:5432 database `test` with trust auth.
"""

from __future__ import annotations

import os
import uuid

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


async def create_postgres(prefix: str) -> str:
    """Create an empty database named `<prefix>_<random>` and return its URL."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:6]}"
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


async def drop_postgres(url: str) -> None:
    """Drop a database made by `create_postgres`, even if a stopped server or worker's
    connection has not closed yet (FORCE: before, the drop failed on it and a bench's
    results were lost with the exception)."""
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    await connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    await connection.close()
