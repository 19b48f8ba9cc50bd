"""What one more worker machine adds: SAQ-over-PostgreSQL jobs/s with 1 and 2 worker processes.

Each job is a stand-in for a send: a short wait for a remote server (`--io-ms`, default 20 ms)
and one database write (a row in `periodic_lease`, through Piccolo, as real jobs write
through their services). N jobs are queued, then worker processes (SAQ's Worker as
`resident-voice worker` builds it, `--concurrency` each) start together and drain the queue;
the figure is jobs finished per second from the first start to the last job done.

    .venv/bin/python bench/worker_bench.py [--jobs 2000] [--concurrency 8] [--io-ms 20]

Uses a scratch PostgreSQL database (bench/scratch_databases.py), dropped afterwards.
"""

# A bench drives processes and polls for their results from one event loop, by design.
# ruff: noqa: ASYNC110, ASYNC220, ASYNC240

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratch_databases import create_postgres, drop_postgres

ROOT = Path(__file__).resolve().parent.parent

WORKER = textwrap.dedent(
    """
    import asyncio, os, sys

    from service.jobs import saq_engine
    from service.tables import PeriodicLease

    go, concurrency, io_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])

    async def send(n: int) -> None:
        await asyncio.sleep(io_s)
        await PeriodicLease.insert(PeriodicLease(name=f"bench.{n}"))

    async def main() -> None:
        q = await saq_engine.queue(max_size=concurrency + 4)
        worker = saq_engine.build_worker(
            q, concurrency=concurrency, functions={"bench.send": send}, periodic=[],
            dequeue_timeout=1.0,
        )
        open(f"{go}.ready.{os.getpid()}", "w").close()
        while not os.path.exists(go):
            await asyncio.sleep(0.01)
        await worker.start()

    asyncio.run(main())
    """
)


async def run(url: str, processes: int, jobs: int, concurrency: int, io_ms: float) -> float:
    os.environ["DATABASE_URL"] = url
    os.environ["JOB_ENGINE"] = "saq"
    from service.jobs import saq_engine
    from service.tables import PeriodicLease

    q = await saq_engine.queue()
    async with q.pool.connection() as conn:
        await conn.execute("DELETE FROM saq_jobs")
    await PeriodicLease.delete(force=True)
    for n in range(jobs):
        await q.enqueue(
            saq_engine._job("bench.send", {"n": n}, delay_s=0, max_attempts=1, timeout_s=60)
        )
    scratch = Path(tempfile.mkdtemp(prefix="rv-worker-bench-"))
    go = scratch / "go"
    env = {**os.environ, "RUN_WORKER": "false"}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(go), str(concurrency), str(io_ms / 1000)],
            cwd=ROOT,
            env=env,
        )
        for _ in range(processes)
    ]
    try:
        while len(list(scratch.glob("go.ready.*"))) < processes:
            await asyncio.sleep(0.05)
        go.write_text("go")
        started = time.perf_counter()
        while await PeriodicLease.count().where(PeriodicLease.name.like("bench.%")) < jobs:
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        await saq_engine.close()
    return jobs / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--io-ms", type=float, default=20.0)
    args = parser.parse_args()
    url = await create_postgres("rv_worker_bench")
    try:
        os.environ["DATABASE_URL"] = url
        import piccolo_conf
        from service.migrations import migrate

        await migrate()
        rates = {}
        for processes in (1, 2):
            rates[processes] = await run(url, processes, args.jobs, args.concurrency, args.io_ms)
            print(
                f"{processes} worker process(es) x concurrency {args.concurrency}: "
                f"{rates[processes]:.0f} jobs/s ({args.jobs} jobs, {args.io_ms:.0f} ms wait each)"
            )
        print(f"second worker adds {rates[2] / rates[1] - 1:+.0%}")
    finally:
        import piccolo_conf
        from service.db import close

        await close(piccolo_conf.DB)
        await drop_postgres(url)


if __name__ == "__main__":
    asyncio.run(main())
