"""Shared fixtures: both databases, the app, signed-in staff, a live server, a browser.

Every test that touches the database asks for `db` (directly or through `client` or
`live_server`) and so runs once on SQLite and once on PostgreSQL. Each pytest session (each
xdist worker) gets its own SQLite file and PostgreSQL database, so parallel runs never meet.
In CI (`CI=true`) an unreachable PostgreSQL fails the run instead of skipping.

Browser-heavy tests can pin themselves to SQLite:
`@pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)`.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Point the service at a throwaway database before anything imports piccolo_conf, so a test
# run can never touch a developer's ./var database.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="rv-tests-"))
os.environ["DATABASE_URL"] = f"sqlite:///{_SESSION_DIR}/bootstrap.sqlite"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
os.environ["RUN_WORKER"] = "false"
os.environ["OUTBOX_DIR"] = str(_SESSION_DIR / "outbox")

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Backend:
    """One database backend under test."""

    name: str
    url: str
    engine: Any


def _use_engine(engine: Any) -> None:
    """Make every Piccolo table (and Piccolo's migration table) use `engine`."""
    from piccolo.apps.migrations.tables import Migration
    from piccolo.conf.apps import Finder

    import piccolo_conf

    piccolo_conf.DB = engine
    for table in [*Finder().get_table_classes(), Migration]:
        table._meta.db = engine


async def _create_postgres_database() -> str:
    import asyncpg

    name = f"rv_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI requires it)")
        pytest.skip(message)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


async def _drop_postgres_database(url: str) -> None:
    import asyncpg

    name = url.rpartition("/")[2]
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def db_engine(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    """A migrated database of one backend, for the whole session."""
    from piccolo.engine.postgres import PostgresEngine

    from service.db import SharedSQLiteEngine, engine_from_url
    from service.migrations import migrate

    if request.param == "sqlite":
        url = f"sqlite:///{_SESSION_DIR}/test.sqlite"
    else:
        url = await _create_postgres_database()
    engine = engine_from_url(url)
    _use_engine(engine)
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=8)
    await migrate()
    try:
        yield Backend(request.param, url, engine)
    finally:
        if isinstance(engine, PostgresEngine):
            await engine.close_connection_pool()
            await _drop_postgres_database(url)
        elif isinstance(engine, SharedSQLiteEngine):
            await engine.close()


async def database_tables(backend: Backend) -> set[str]:
    if backend.name == "postgres":
        rows = await backend.engine.run_ddl(
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
        )
    else:
        rows = await backend.engine.run_ddl("SELECT name FROM sqlite_master WHERE type='table'")
    return {r["name"] for r in rows}


async def empty_tables(backend: Backend) -> None:
    """Delete every row from every app table (not Piccolo's migration table).

    A table without a migration is skipped here; tests/service/test_migrations.py fails for it.
    """
    from piccolo.conf.apps import Finder

    present = await database_tables(backend)
    names = [t._meta.tablename for t in Finder().get_table_classes()]
    names = [n for n in names if n in present]
    if backend.name == "postgres":
        quoted = ", ".join(f'"{n}"' for n in names)
        await backend.engine.run_ddl(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        return
    await backend.engine.run_ddl("PRAGMA foreign_keys = OFF")
    try:
        for name in names:
            await backend.engine.run_ddl(f'DELETE FROM "{name}"')
    finally:
        await backend.engine.run_ddl("PRAGMA foreign_keys = ON")


@pytest.fixture
async def db(db_engine: Backend) -> Backend:
    """The database, emptied: every test starts from nothing."""
    await empty_tables(db_engine)
    return db_engine


@pytest.fixture(scope="session")
def settings() -> Any:
    from service.settings import Settings

    return Settings(
        secret_key=os.environ["SECRET_KEY"],
        run_worker=False,
        outbox_dir=_SESSION_DIR / "outbox",
        public_url="http://127.0.0.1:8000",
    )


@pytest.fixture(scope="session")
def app(settings: Any) -> Any:
    from service.app import create_app

    return create_app(settings, run_worker=False)


@pytest.fixture
async def client(app: Any, db: Backend) -> AsyncIterator[Any]:
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as test_client:
        test_client.follow_redirects = False  # tests assert on redirects themselves
        yield test_client


async def csrf_token(client: Any) -> str:
    """The CSRF token for forms and the `x-csrftoken` header (fetched on first use)."""
    token = client.cookies.get("rv_csrf")
    if not token:
        await client.get("/staff/sign-in")
        token = client.cookies.get("rv_csrf")
    assert token, "the app did not set a CSRF cookie"
    return str(token)


async def post_form(client: Any, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """POST a form the way a browser does: with the CSRF token field."""
    return await client.post(url, data={**data, "_csrf_token": await csrf_token(client)}, **kwargs)


async def create_staff(role: str, email: str | None = None) -> tuple[Any, str]:
    from service.accounts import create_user

    password = secrets.token_urlsafe(16)
    user = await create_user(
        email or f"{role}-{uuid.uuid4().hex[:8]}@council.example.gov.uk",
        f"Test {role}",
        role,
        password,
    )
    return user, password


async def sign_in(client: Any, email: str, password: str) -> Any:
    return await post_form(
        client, "/staff/sign-in", {"email": email, "password": password, "next": "/staff"}
    )


@pytest.fixture
def staff_login() -> Any:
    """`await staff_login(client, "research_officer")` → a signed-in user of that role."""

    async def login(client: Any, role: str) -> Any:
        user, password = await create_staff(role)
        response = await sign_in(client, user.email, password)
        assert response.status_code in (302, 303), response.text
        return user

    return login


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _writer_lock_state(backend: Backend) -> str:
    """Whether this process holds the SQLite writer lock (a transaction left open here)."""
    import fcntl

    if backend.name != "sqlite":
        return "PostgreSQL"
    path = backend.url.removeprefix("sqlite:///") + "-writer.lock"
    if not Path(path).exists():
        return "no writer lock file"
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return "the SQLite writer lock is held (by this test process or another)"
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return "the SQLite writer lock is free"
    finally:
        os.close(fd)


@dataclass
class LiveServer:
    url: str
    backend: Backend
    process: subprocess.Popen[bytes]


@pytest.fixture(scope="session")
def live_server(db_engine: Backend) -> Iterator[LiveServer]:
    """The real service (uvicorn, one worker) on 127.0.0.1, on the same database as `db`.

    Seed data in-process through the services (ask for `db` too, which empties the tables
    first), then drive the browser at `live_server.url`.
    """
    import httpx

    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_engine.url,
        "RUN_WORKER": "false",
        "JOB_ENGINE": "table",  # tests run the queued jobs in-process (run_until_empty)
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    log = (_SESSION_DIR / f"live-server-{db_engine.name}.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "service.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 150  # a loaded machine (xdist, Chromium) imports slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"live server exited; see {log.name}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError(
            f"live server did not start in 150 s; see {log.name}; {_writer_lock_state(db_engine)}"
        )
    try:
        yield LiveServer(url, db_engine, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    """One headless Debian Chromium for the whole session (Playwright)."""
    from accessibility.browser import launch_browser

    async with launch_browser() as chromium:
        yield chromium


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    """A fresh browser context and page (JavaScript on)."""
    context = await browser.new_context()
    page = await context.new_page()
    try:
        yield page
    finally:
        await context.close()
