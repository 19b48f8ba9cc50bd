"""Database engines: SQLite by default, PostgreSQL from `DATABASE_URL`.

Piccolo's stock SQLite engine opens a new connection for every query; under 64 concurrent
writers that gave p99 latencies of several seconds. SQLite allows one writer at a time anyway,
so `SharedSQLiteEngine` keeps, per event loop, one long-lived *writer* connection (writes
serialised behind an asyncio lock: no `database is locked` retries, no set-up per query) and
one *reader* connection for plain SELECTs outside transactions, which WAL lets run while a
write is in progress. Each connection lives on its own thread (`SQLiteThread`).

The hot write path (a resident's submit) does not hold the writer lock across event-loop
turns: `run_atomic` hands a synchronous unit of work to the writer thread, and units that
arrive together share one BEGIN IMMEDIATE … COMMIT, each inside its own savepoint (group
commit). Under load the lock was held for four loop turnarounds per transaction, so throughput
was bounded by event-loop latency, not by SQLite.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlparse

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Any]


class Statement:
    """One SQL text for both engines, written once with Piccolo's ``{}`` placeholders.

    A hot path runs the statement through ``run_atomic`` on SQLite (sqlite3 wants ``?``) and
    as a Piccolo ``QueryString`` on PostgreSQL; this keeps one text a reader can check, and
    derives the SQLite form from it. The rule: ``{}`` and ``?`` appear in the text only as
    placeholders, never inside a literal, so the rewrite cannot change what the SQL means
    (checked here); values are always parameters.
    """

    __slots__ = ("params", "sqlite", "text")

    def __init__(self, text: str) -> None:
        if "?" in text:
            raise ValueError("write placeholders as {} only; '?' is made for SQLite from them")
        self.text = text
        self.params = text.count("{}")
        self.sqlite = text.replace("{}", "?")

    def _check(self, args: Sequence[Any]) -> None:
        if len(args) != self.params:
            raise TypeError(f"the statement takes {self.params} values, not {len(args)}")

    def query(self, *args: Any) -> QueryString:
        """The statement with ``args`` for ``engine.run_querystring`` (PostgreSQL, Piccolo)."""
        self._check(args)
        return QueryString(self.text, *args)

    def execute(self, connection: sqlite3.Connection, args: Sequence[Any]) -> sqlite3.Cursor:
        """Run it with ``args`` on a sqlite3 connection (inside a ``run_atomic`` unit)."""
        self._check(args)
        return connection.execute(self.sqlite, tuple(args))

    def __repr__(self) -> str:
        return f"Statement({self.text!r})"


class DatabaseURLError(ValueError):
    """DATABASE_URL is not one we understand; the message says what would be."""


def _fetchall(connection: sqlite3.Connection, sql: str, args: Sequence[Any]) -> list[Any]:
    return connection.execute(sql, args).fetchall()


class SQLiteThread:
    """One sqlite3 connection that lives on, and is only touched by, one thread.

    Coroutines hand it functions; each runs to completion before the next starts, so a
    function sees the connection exactly as the previous one left it. The methods Piccolo's
    transaction calls (`execute`) are here too, so it can drive BEGIN/COMMIT/SAVEPOINT.
    """

    def __init__(self, connect_kwargs: dict[str, Any], *, read_only: bool = False) -> None:
        self._kwargs = connect_kwargs
        self._read_only = read_only
        self._connection: sqlite3.Connection | None = None  # only used on the thread
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")

    def _open(self) -> sqlite3.Connection:
        Path(self._kwargs["database"]).parent.mkdir(parents=True, exist_ok=True)
        # Piccolo's kwargs carry detect_types (its type converters rely on it) and
        # isolation_level=None (autocommit: transactions are explicit BEGINs).
        connection = sqlite3.connect(**self._kwargs)
        connection.row_factory = dict_factory
        connection.execute("PRAGMA busy_timeout = 30000")
        if self._read_only:
            connection.execute("PRAGMA query_only = ON")
        else:
            connection.execute("PRAGMA journal_mode = WAL")
        # FULL: every commit is synced to disk before it returns, so a response the resident
        # saw acknowledged survives a power cut (NORMAL in WAL mode may lose the last commits).
        # Group commit (run_atomic) shares one sync between the submits that arrive together.
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    def _on_thread(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        if self._connection is None:
            self._connection = self._open()
        return fn(self._connection, *args)

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(connection, *args)` on the connection's thread and return its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._on_thread, fn, args)

    async def execute_fetchall(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        return await self.call(_fetchall, sql, args)

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        return await self.call(_fetchall, sql, args)

    async def close(self) -> None:
        def _close(connection: sqlite3.Connection) -> None:
            connection.close()
            self._connection = None

        if self._connection is not None:
            await self.call(_close)
        self._executor.shutdown(wait=False)


class _WriterTurn:
    """Whole-file lock that orders group commits of all processes sharing the database.

    Without it, a worker process whose BEGIN IMMEDIATE met another process's write lock slept
    in SQLite's busy handler (1, 2, 5, 10, 15, 20… ms, growing), which set the p99 latency of
    residents' saves with two uvicorn workers. `flock` wakes the waiting thread as soon as
    the lock is released. Only held on the writer thread, from BEGIN to COMMIT.
    """

    def __init__(self, database: str) -> None:
        self._path = f"{database}-writer.lock"
        self._fd: int | None = None

    def __enter__(self) -> None:
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        assert self._fd is not None
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _run_batch(
    connection: sqlite3.Connection, works: list[Work], turn: _WriterTurn
) -> list[tuple[bool, Any]]:
    """Run units of work in one transaction, each in a savepoint; COMMIT once for all.

    A unit that raises is rolled back to its savepoint and its exception returned; the others
    still commit. If the COMMIT itself fails, everything is rolled back and the error raised.
    """
    outcomes: list[tuple[bool, Any]] = []
    with turn:
        connection.execute("BEGIN IMMEDIATE")
        try:
            for work in works:
                connection.execute("SAVEPOINT unit")
                try:
                    value = work(connection)
                except Exception as exc:  # handed back to the caller that owns the unit
                    connection.execute("ROLLBACK TO unit")
                    connection.execute("RELEASE unit")
                    outcomes.append((False, exc))
                else:
                    connection.execute("RELEASE unit")
                    outcomes.append((True, value))
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
    return outcomes


class _LoopState:
    """The connections, lock and pending units of work for one event loop."""

    def __init__(self, connect_kwargs: dict[str, Any]) -> None:
        self.writer = SQLiteThread(connect_kwargs)
        self.turn = _WriterTurn(connect_kwargs["database"])
        self.reader = SQLiteThread(connect_kwargs, read_only=True)
        self.lock = asyncio.Lock()
        self.pending: list[tuple[Work, asyncio.Future[Any]]] = []
        self.flusher: asyncio.Task[None] | None = None
        self.units = 0  # units of work run by run_atomic, and the commits they took:
        self.commits = 0  # units / commits is the group-commit factor the benchmark reports


class SharedSQLiteTransaction(SQLiteTransaction):
    """A transaction that holds the writer's lock from BEGIN to COMMIT."""

    async def __aenter__(self) -> SharedSQLiteTransaction:
        if self._parent is not None:
            return self._parent  # type: ignore[return-value]
        engine: SharedSQLiteEngine = self.engine  # type: ignore[assignment]
        state = engine._state()
        await state.lock.acquire()
        try:
            self.connection = state.writer
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


def _is_read(sql: str) -> bool:
    """A plain SELECT: safe on the read-only connection (it refuses any write anyway)."""
    return sql.lstrip()[:6].upper() == "SELECT"


class SharedSQLiteEngine(SQLiteEngine):
    """SQLite with a writer and a reader connection per event loop, WAL and foreign keys on."""

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
            state = self._states[loop] = _LoopState(dict(self.connection_kwargs))
        return state

    async def get_connection(self) -> Any:
        """Not offered: Piccolo's cursor batches would close the shared connection."""
        raise NotImplementedError(
            "SharedSQLiteEngine shares one connection per event loop; use queries or "
            "transaction(), not get_connection()/batch()"
        )

    async def _run(self, query: str, args: list[Any] | None) -> list[dict[str, Any]]:
        current = self.current_transaction.get()
        if current is not None:
            return cast(
                list[dict[str, Any]],
                await current.connection.execute_fetchall(query, args or []),
            )
        state = self._state()
        if _is_read(query):
            rows = await state.reader.execute_fetchall(query, args or [])
        else:
            async with state.lock:
                rows = await state.writer.execute_fetchall(query, args or [])
        return cast(list[dict[str, Any]], rows)

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

    async def run_atomic(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work(connection)` on the writer thread, atomically, and return its result.

        `work` is synchronous and uses the sqlite3 connection directly (`?` placeholders). It
        runs inside a savepoint of a transaction it may share with other units that arrived
        at the same time (group commit): its writes commit when its result is returned, or
        are rolled back if it raises, and its exception is re-raised here. It must not
        BEGIN/COMMIT itself. Not for use inside a Piccolo transaction.
        """
        if self.current_transaction.get() is not None:
            raise RuntimeError("run_atomic cannot join a Piccolo transaction")
        state = self._state()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        state.pending.append((work, future))
        if state.flusher is None or state.flusher.done():
            state.flusher = asyncio.get_running_loop().create_task(self._flush(state))
        return await future

    async def _flush(self, state: _LoopState) -> None:
        """Commit pending units in batches until none are left."""
        while state.pending:
            async with state.lock:
                batch, state.pending = state.pending, []
                state.units += len(batch)
                state.commits += 1
                try:
                    works = [work for work, _ in batch]
                    outcomes = await state.writer.call(_run_batch, works, state.turn)
                except BaseException as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    if not isinstance(exc, Exception):
                        raise
                    continue
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def group_commit_stats(self) -> tuple[int, int]:
        """(units of work, commits) that `run_atomic` has run on this event loop."""
        state = self._state()
        return state.units, state.commits

    async def close(self) -> None:
        """Close this loop's connections (tests and shutdown)."""
        loop = asyncio.get_running_loop()
        state = self._states.pop(loop, None)
        if state is not None:
            await state.writer.close()
            await state.reader.close()
            state.turn.close()


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


async def serialise_on(engine: Engine, key: str) -> None:
    """Inside a transaction: take turns with every other transaction that asks for `key`.

    For count-then-insert rules (rate limits): without it, parallel requests all count the
    same rows and all insert, so a limit of 10 lets through as many as arrive at once. On
    PostgreSQL this is a transaction-scoped advisory lock on a hash of `key` (released at
    COMMIT or ROLLBACK; the one-key form, so it never meets the two-key per-member locks of
    `surveys.services`). SQLite needs nothing: our transactions are BEGIN IMMEDIATE, so a
    second writer waits at BEGIN until the first commits.
    """
    if isinstance(engine, PostgresEngine):
        await engine.run_querystring(QueryString("SELECT pg_advisory_xact_lock(hashtext({}))", key))
