"""Database engines: SQLite by default, PostgreSQL from `DATABASE_URL`.

Piccolo's stock SQLite engine opens a new connection for every query; under 64 concurrent
writers that gave p99 latencies of several seconds. SQLite allows one writer at a time anyway,
so `SharedSQLiteEngine` keeps one long-lived connection per event loop and serialises access
behind an asyncio lock: no `database is locked` retries, no connection set-up per query.
"""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlparse

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory


class DatabaseURLError(ValueError):
    """DATABASE_URL is not one we understand; the message says what would be."""


class _LoopState:
    """The connection and lock for one event loop (tests and workers may run several)."""

    def __init__(self) -> None:
        self.connection: aiosqlite.Connection | None = None
        self.lock = asyncio.Lock()


class SharedSQLiteTransaction(SQLiteTransaction):
    """A transaction that holds the shared connection's lock from BEGIN to COMMIT."""

    async def __aenter__(self) -> SharedSQLiteTransaction:
        if self._parent is not None:
            return self._parent  # type: ignore[return-value]
        engine: SharedSQLiteEngine = self.engine  # type: ignore[assignment]
        state = engine._state()
        await state.lock.acquire()
        try:
            self.connection = await engine._connection(state)
            await self.begin()
        except BaseException:
            state.lock.release()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        engine: SharedSQLiteEngine = self.engine  # type: ignore[assignment]
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            engine._state().lock.release()
        return exception is None


class SharedSQLiteEngine(SQLiteEngine):
    """SQLite with one connection per event loop, WAL mode and foreign keys on."""

    __slots__ = ("_states",)

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = (
            weakref.WeakKeyDictionary()
        )

    def _state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        state = self._states.get(loop)
        if state is None:
            state = self._states[loop] = _LoopState()
        return state

    async def _connection(self, state: _LoopState) -> aiosqlite.Connection:
        if state.connection is None:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            # Piccolo's kwargs carry detect_types, which its type converters rely on.
            connection = await aiosqlite.connect(**self.connection_kwargs)
            connection.row_factory = dict_factory  # type: ignore[assignment]
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA synchronous = NORMAL")
            await connection.execute("PRAGMA foreign_keys = ON")
            await connection.execute("PRAGMA busy_timeout = 30000")
            state.connection = connection
        return state.connection

    async def get_connection(self) -> aiosqlite.Connection:
        return await self._connection(self._state())

    async def _run(self, query: str, args: list[Any] | None) -> list[dict[str, Any]]:
        current = self.current_transaction.get()
        if current is not None:
            return cast(
                list[dict[str, Any]],
                list(await current.connection.execute_fetchall(query, args or [])),
            )
        state = self._state()
        async with state.lock:
            connection = await self._connection(state)
            # One hop to aiosqlite's thread (execute + fetch), not three (execute, fetch, close).
            return cast(
                list[dict[str, Any]], list(await connection.execute_fetchall(query, args or []))
            )

    async def run_querystring(self, querystring: Any, in_pool: bool = False) -> Any:
        query, args = querystring.compile_string(engine_type=self.engine_type)
        if self.log_queries:
            self.print_query(query_id=self.get_query_id(), query=str(querystring))
        return await self._run(query, args)

    async def run_ddl(self, ddl: str, in_pool: bool = False) -> Any:
        if self.log_queries:
            self.print_query(query_id=self.get_query_id(), query=ddl)
        return await self._run(ddl, None)

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.immediate,
        allow_nested: bool = True,
    ) -> SharedSQLiteTransaction:
        """Transactions default to IMMEDIATE: they take the write lock at BEGIN."""
        return SharedSQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    async def close(self) -> None:
        """Close this loop's connection (tests and shutdown)."""
        loop = asyncio.get_running_loop()
        state = self._states.pop(loop, None)
        if state is not None and state.connection is not None:
            await state.connection.close()


class LoopPoolPostgresEngine(PostgresEngine):
    """PostgreSQL with one asyncpg pool per event loop.

    An asyncpg pool belongs to the loop that made it. Piccolo's engine keeps one `pool`
    attribute, which breaks as soon as two loops share the engine (a test client's portal
    thread, a CLI command inside a server). Here `pool` resolves to the current loop's pool.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def pool(self) -> Any:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        return self._pools.get(loop)

    @pool.setter
    def pool(self, value: Any) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # Piccolo's __init__ sets pool = None outside any loop
        if value is None:
            self._pools.pop(loop, None)
        else:
            self._pools[loop] = value


def engine_from_url(url: str) -> Engine:
    """Build the Piccolo engine for a DATABASE_URL, or raise DatabaseURLError saying why not."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # As SQLAlchemy: sqlite:///relative/path.sqlite, sqlite:////absolute/path.sqlite
        if not url.startswith("sqlite:///"):
            raise DatabaseURLError(
                "DATABASE_URL for SQLite takes three slashes, e.g. sqlite:///var/resident_voice.sqlite"
            )
        path = url[len("sqlite:///") :]
        if not path:
            raise DatabaseURLError(
                "DATABASE_URL 'sqlite://' needs a file path, e.g. sqlite:///var/resident_voice.sqlite"
            )
        return SharedSQLiteEngine(path=path)
    if parsed.scheme in ("postgres", "postgresql"):
        if not parsed.hostname or not parsed.path.strip("/"):
            raise DatabaseURLError(
                "DATABASE_URL for PostgreSQL needs a host and a database name, "
                "e.g. postgresql://postgres@127.0.0.1:5432/test"
            )
        return LoopPoolPostgresEngine(
            config={"dsn": url.replace("postgres://", "postgresql://", 1)}
        )
    raise DatabaseURLError(
        f"DATABASE_URL scheme {parsed.scheme or '(none)'!r} is not supported: use "
        "sqlite:///path/to/file.sqlite or postgresql://user@host:port/database"
    )


def describe(url: str) -> str:
    """The URL without any password, for messages and logs."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


async def close(engine: Engine) -> None:
    """Close what `engine` holds for the running event loop, so a process can exit."""
    if isinstance(engine, SharedSQLiteEngine):
        await engine.close()
    elif isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()


async def ping(engine: Engine) -> None:
    """Raise if the database cannot run a trivial query."""
    await engine.run_ddl("SELECT 1")
