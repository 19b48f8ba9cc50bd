"""SAQ worker processes on PostgreSQL: a worker killed (SIGKILL) mid-job loses nothing and
sends nothing twice; periodic tasks run once per due time however many workers there are;
`check` reports each worker's heartbeat. Real processes (`resident-voice worker`), a real
SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from service import checks
from surveys.services import fieldwork
from surveys.tables import SurveyInvitation, SurveyMessage
from tests.conftest import PROJECT_ROOT, _free_port
from tests.service.saq_fixtures import worker_env
from tests.surveys.conftest import store_bank
from tests.surveys.fieldwork.conftest import add_member

pytest_plugins = ["tests.service.saq_fixtures"]
pytestmark = [
    pytest.mark.db,
    pytest.mark.slow,
    pytest.mark.parametrize("db_engine", ["postgres"], indirect=True),
]

SLUG = "resident-satisfaction"
CLI = "from service.cli import entry; entry()"


class HoldSecond:
    """An SMTP handler that keeps every message, and holds its reply to the second one until
    `release` is set: the sending worker is then mid-job, between SMTP and its bookkeeping."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.second_arrived = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        if len(self.messages) == 2:
            self.second_arrived.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[HoldSecond, int]]:
    handler = HoldSecond()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        handler.release.set()
        controller.stop()


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", CLI, "worker", "--concurrency", "1"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


async def test_a_worker_killed_mid_job_is_replaced_and_no_invitation_is_sent_twice(
    saq_queue: Any, smtp_server: tuple[HoldSecond, int], tmp_path: Path, db: Any
) -> None:
    handler, port = smtp_server
    await store_bank(SLUG)
    members = [await add_member(first_name=f"Member{n}") for n in range(3)]
    result = await fieldwork.invite(SLUG, member_ids=members)
    [key] = result.jobs  # one send job for the three invitations, on SAQ
    env = worker_env(
        db.url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        MAIL_FROM="Northbridge Borough Council <panel@northbridge.example.gov.uk>",
        PUBLIC_URL="https://voice.northbridge.example.gov.uk",
        OUTBOX_DIR=str(tmp_path / "outbox"),
        LETTERS_DIR=str(tmp_path / "letters"),
    )
    log = tmp_path / "workers.log"
    first = start_worker(env, log)
    second: subprocess.Popen[bytes] | None = None
    try:
        arrived = await asyncio.get_running_loop().run_in_executor(
            None, handler.second_arrived.wait, 120
        )
        assert arrived, f"the worker never sent; see {log.read_text()[-2000:]}"
        job = await saq_queue.job(str(key))
        assert job.status.value == "active" and job.attempts == 1
        os.kill(first.pid, signal.SIGKILL)  # mid-job: the second message is on the wire
        first.wait(timeout=10)
        handler.release.set()

        second = start_worker(env, log)  # another machine's worker takes over

        async def finished() -> bool:
            found = await saq_queue.job(str(key))
            return found is not None and found.status.value in ("complete", "failed")

        await wait_for(finished, 120, "the killed worker's job to be retried and finish")
        job = await saq_queue.job(str(key))
        assert job.status.value == "complete" and job.attempts == 2, job
    finally:
        for process in (first, second):
            if process is not None:
                stop(process)

    recipients = sorted(str(m["To"]) for m in handler.messages)
    assert len(recipients) == 3 and len(set(recipients)) == 3, recipients
    states = sorted(
        r["state"] for r in await SurveyMessage.select(SurveyMessage.state)
    )  # the one in flight when the worker died is never sent again
    assert states == ["sent", "sent", "unconfirmed"]
    assert await SurveyMessage.count() == 3
    invited = await SurveyInvitation.select(SurveyInvitation.state)
    assert [r["state"] for r in invited] == ["sent"] * 3


TICKER = textwrap.dedent(
    """
    import asyncio, os, sys, time

    from service import jobs
    from service.jobs import saq_engine

    go, out = sys.argv[1], sys.argv[2]

    async def tick() -> None:
        with open(out, "a") as f:
            f.write(f"{os.getpid()} {time.time()}\\n")

    async def main() -> None:
        q = await saq_engine.queue()
        worker = saq_engine.build_worker(
            q, concurrency=2, functions={}, periodic=[jobs.Periodic("test.tick", 1, tick)],
            dequeue_timeout=1.0,
        )
        open(f"{go}.ready.{os.getpid()}", "w").close()
        while not os.path.exists(go):
            await asyncio.sleep(0.01)
        await worker.start()  # until SIGTERM

    asyncio.run(main())
    """
)


async def test_two_workers_run_a_periodic_task_once_per_due_time_and_check_sees_both(
    saq_queue: Any, tmp_path: Path, db: Any
) -> None:
    out, go = tmp_path / "ticks.txt", tmp_path / "go"
    env = worker_env(db.url)
    log = tmp_path / "tickers.log"
    with log.open("ab") as sink:
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", TICKER, str(go), str(out)],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
            for _ in range(2)
        ]
    try:
        deadline = time.monotonic() + 90
        while len(list(tmp_path.glob("go.ready.*"))) < 2:
            assert time.monotonic() < deadline, f"workers did not start: {log.read_text()}"
            assert all(w.poll() is None for w in workers), log.read_text()
            await asyncio.sleep(0.05)
        go.write_text("go")
        started = time.time()
        await asyncio.sleep(7)
        lines: list[str] = []
        await checks.check_jobs(lambda ok, what, detail: lines.append(f"{ok} {what}: {detail}"))
        ended = time.time()
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            stop(worker)

    rows = [line.split() for line in out.read_text().splitlines()] if out.exists() else []
    ticks = [(pid, float(at)) for pid, at in rows if started <= float(at) <= ended]
    # Due once a second for ~7 s: at most one run per due time (two workers each scheduling
    # their own would make about twice as many), and the task did run. The run times alone
    # cannot tell a duplicate from a late run: a due time run 0.9 s late by one worker and the
    # next one run on time by the other land 0.3 s apart (seen in CI), so the bound on the
    # count is the test of "once per due time".
    assert 3 <= len(ticks) <= int(ended - started) + 1, (ticks, log.read_text()[-2000:])
    pids = {str(w.pid) for w in workers}
    assert {pid for pid, _ in ticks} <= pids
    heartbeats = [line for line in lines if "job worker" in line]
    assert len(heartbeats) == 2, lines
    assert all(line.startswith("True") and "last heartbeat" in line for line in heartbeats)
    assert {line.split(" pid ")[1].split(":")[0] for line in heartbeats} == pids
    assert lines[0].startswith("True job engine: SAQ over PostgreSQL")
