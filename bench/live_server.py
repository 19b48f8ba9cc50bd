"""The real service as a child process, for the benches and the crash test.

One copy of "start uvicorn on a free 127.0.0.1 port, wait for /health, stop it" and of the
database set-up they share (a fresh SQLite file or a scratch PostgreSQL database, migrated,
with the bank's resident-satisfaction survey stored). Imported beside the scripts in bench/
(they are run as `python bench/<name>.py`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
SLUG = "resident-satisfaction"
#: A complete, valid set of answers to resident-satisfaction, one question per page, in order.
ANSWERS = {
    "area_satisfaction": "very_satisfied",
    "council_satisfaction": "fairly_satisfied",
    "value_for_money": "tend_to_agree",
    "acts_on_concerns": "fair_amount",
    "keeps_informed": "dont_know",
    "trust": "not_very_much",
}
#: (page id, question id) of resident-satisfaction's six pages.
PAGES = [
    ("local_area", "area_satisfaction"),
    ("council_runs_things", "council_satisfaction"),
    ("value_for_money", "value_for_money"),
    ("acts_on_concerns", "acts_on_concerns"),
    ("keeps_informed", "keeps_informed"),
    ("trust", "trust"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 90, process: subprocess.Popen[bytes] | None = None) -> None:
    """Poll `url` until it answers below 500 (a loaded machine can take 30 s to import)."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server at {url} did not start in {timeout:.0f} s")


def start_server(
    app: str,
    port: int,
    workers: int,
    env: dict[str, str],
    *,
    factory: bool = True,
    log: IO[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    """uvicorn in its own process group (so a SIGKILL reaches every worker)."""
    command = [
        sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    if workers > 1:
        command += ["--workers", str(workers)]
    if factory:
        command.append("--factory")
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT if log is not None else None,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL if it has not gone in 15 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the whole process group: no shutdown code runs, as in a crash."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


async def prepare_database() -> int:
    """Migrate this process's DATABASE_URL and store the survey; returns its id."""
    from service.migrations import migrate
    from surveys.bank import load_bank
    from surveys.services import definitions_store

    await migrate()
    stored = (await definitions_store.save_definition(load_bank(SLUG))).stored
    return int(stored.survey_id)


async def close_engine() -> None:
    """Close this process's connections (before a server process takes over the database)."""
    from service.db import close
    from surveys.tables import SurveyLink

    await close(SurveyLink._meta.db)


def database_url(kind: str, tmp: Path) -> str:
    """A fresh database of `kind` ("sqlite" or "postgres"); drop PostgreSQL's with
    `scratch_databases.drop_postgres`."""
    import asyncio

    if kind == "sqlite":
        return f"sqlite:///{tmp}/bench.sqlite"
    from scratch_databases import create_postgres

    return asyncio.run(create_postgres("rv_bench"))


def set_database(url: str) -> None:
    """Point this process (before it imports piccolo_conf) and its servers at `url`."""
    os.environ.update(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": os.environ.get("RV_BENCH_SECRET", "bench-" + "x" * 40),
            "RUN_WORKER": "false",
            "LOG_LEVEL": "WARNING",
            "PUBLIC_URL": "http://127.0.0.1",
        }
    )
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
