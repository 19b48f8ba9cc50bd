"""Production serving: several server processes on one PostgreSQL share sessions, CSRF and
rate limits. Server A is `uvicorn --workers 2`, server B a second, separate process (another
machine, as far as the service can tell); a browser-like client signs in on one and carries
on on the other. Every piece of shared state is in the database (sessions in
`DatabaseSessionStore`, sign-in attempts, sign-up attempts, open-link starts); CSRF is a
cookie signed with SECRET_KEY, the same on every process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.settings import Settings
from tests.conftest import PROJECT_ROOT, _free_port, create_staff

pytestmark = [
    pytest.mark.db,
    pytest.mark.slow,
    pytest.mark.parametrize("db_engine", ["postgres"], indirect=True),
]


def _serve(url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "PUBLIC_URL": f"http://127.0.0.1:{port}"}
    with log.open("ab") as out:
        return subprocess.Popen(
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
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture
def servers(db: Any, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two servers on the test database: A with two worker processes, B with one."""
    ports = (_free_port(), _free_port())
    log = tmp_path / "servers.log"
    processes = [_serve(db.url, ports[0], 2, log), _serve(db.url, ports[1], 1, log)]
    urls = tuple(f"http://127.0.0.1:{port}" for port in ports)
    try:
        # Seconds on a quiet machine; minutes when many processes share two cores.
        deadline = time.monotonic() + 240
        for url in urls:
            while True:
                assert time.monotonic() < deadline, f"server did not start: {log.read_text()}"
                assert all(p.poll() is None for p in processes), log.read_text()
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        yield urls[0], urls[1]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


async def _sign_in(client: httpx.AsyncClient, base: str, email: str, password: str) -> Any:
    await client.get(f"{base}/staff/sign-in")
    return await client.post(
        f"{base}/staff/sign-in",
        data={
            "email": email,
            "password": password,
            "next": "/staff",
            "_csrf_token": client.cookies["rv_csrf"],
        },
    )


async def test_sessions_csrf_and_the_sign_in_lockout_work_across_processes(
    servers: tuple[str, str],
) -> None:
    a, b = servers
    user, password = await create_staff("admin")
    # Cookies are per host, not per port: one client is one browser talking to both.
    async with httpx.AsyncClient(follow_redirects=False, timeout=30) as client:
        signed_in = await _sign_in(client, b, user.email, password)
        assert signed_in.status_code == 303, signed_in.text
        for _ in range(4):  # new connections, so both of A's worker processes are likely used
            page = await client.get(f"{a}/staff/jobs", headers={"connection": "close"})
            assert page.status_code == 200 and "Background jobs" in page.text
        # A CSRF-protected form made on B, posted to A: refused without the token, made with it.
        refused = await client.post(f"{a}/staff/account/tokens", data={"token_name": "laptop"})
        assert refused.status_code == 403
        made = await client.post(
            f"{a}/staff/account/tokens",
            data={"token_name": "laptop", "_csrf_token": client.cookies["rv_csrf"]},
        )
        assert made.status_code == 201, made.text
        assert "laptop" in (await client.get(f"{b}/staff/account")).text
        # Signing out on A ends the session on B too (it is one row in the database).
        out = await client.post(
            f"{a}/staff/sign-out", data={"_csrf_token": client.cookies["rv_csrf"]}
        )
        assert out.status_code == 303
        stale = await client.get(f"{b}/staff/jobs")
        assert stale.status_code in (302, 303, 401) and "/staff/sign-in" in stale.headers.get(
            "location", "/staff/sign-in"
        )
    await _lockout_is_shared(a, b)


async def _lockout_is_shared(a: str, b: str) -> None:
    """The sign-in lockout counts failures made on every process (one servers start-up)."""
    limit = Settings().signin_max_failures_account
    user, password = await create_staff("panel_manager")
    async with httpx.AsyncClient(follow_redirects=False, timeout=30) as client:
        for n in range(limit):  # wrong passwords, alternating between the servers
            wrong = await _sign_in(client, (a, b)[n % 2], user.email, "not-the-password")
            assert wrong.status_code == 400
        for base in (a, b):  # now locked everywhere, even with the right password
            locked = await _sign_in(client, base, user.email, password)
            assert locked.status_code == 429 and "locked" in locked.text
