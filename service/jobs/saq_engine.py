"""The PostgreSQL job engine: the registry's job functions on SAQ's PostgreSQL queue.

SAQ (`saq[postgres]`, psycopg 3) keeps jobs in its own tables (`saq_jobs`, `saq_stats`,
`saq_versions`, made by `queue.connect()`, which `resident-voice migrate` calls) and wakes
workers with LISTEN/NOTIFY; workers claim jobs with `FOR UPDATE SKIP LOCKED`. No Redis.

What SAQ gives as is: per-job time limits (`timeout`), retries with exponential back-off and
jitter (`retries`, `retry_delay`, `retry_backoff`), cron jobs unique per due time across
workers (`CronJob`, key `cron:<name>`: a second worker's enqueue of the same due time is a
no-op), a sweeper (one worker at a time, by advisory lock) that retries jobs whose heartbeat
stopped, and each worker's stats row (`saq_stats`), refreshed every few seconds.

What this module adds, because SAQ's PostgreSQL queue lacks it:

- **heartbeats**: SAQ only counts a heartbeat when the job itself calls `job.update()`, so a
  plain function would be swept only after its whole time limit. Each job runs beside a task
  that renews its heartbeat every `JOB_HEARTBEAT_S / 3`; a killed worker's job is retried
  about `JOB_HEARTBEAT_S + JOB_SWEEP_S` seconds later. Jobs must be idempotent (they are:
  surveys.services.sending never sends a message twice).
- **enqueue inside a transaction**: SAQ enqueues on its own connection, so a job queued in a
  Piccolo transaction could run before (or without) the rows it refers to. Inside a
  transaction the job row is written on the transaction's own connection, with the NOTIFY,
  which PostgreSQL delivers on commit: the job exists exactly when the transaction commits.
- **heartbeat metadata**: each worker's stats row carries host, pid and the time of its last
  heartbeat, which `resident-voice check` reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import socket
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from saq.job import CronJob, Status
from saq.job import Job as SaqJob
from saq.queue.postgres import PostgresQueue
from saq.types import PartialTimersDict
from saq.worker import Worker as SaqWorker

from service.logs import job_error, safe_traceback

log = structlog.get_logger("jobs")

QUEUE_NAME = "resident-voice"
#: Finished and failed jobs stay visible (on /staff/jobs) for this long, then SAQ deletes them.
KEEP_S = 14 * 24 * 3600
#: How often a worker writes its stats row (its heartbeat, for `check`).
WORKER_INFO_S = 5
#: Prefix of periodic tasks' SAQ function names, apart from job names (some are both).
PERIODIC_PREFIX = "periodic:"


class _WithoutPayloads(logging.Filter):
    """SAQ logs a failed job as its whole repr (arguments included) with the exception's
    message and traceback. Keep the job's name and key, and a traceback without messages
    (`safe_traceback`): no personal data reaches the logs through an exception message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Error processing job %s" and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            job = args[0]
            record.msg = "Error processing job %s %s"
            record.args = (getattr(job, "function", "?"), getattr(job, "key", "?"))
            if record.exc_info and record.exc_info[1] is not None:
                record.msg += "\n%s"
                record.args += (safe_traceback(record.exc_info[1]),)
            record.exc_info = None
            record.exc_text = None
        return True


logging.getLogger("saq").addFilter(_WithoutPayloads())
# At DEBUG SAQ writes every job's arguments into its lines; INFO and above name jobs only.
logging.getLogger("saq").setLevel(logging.INFO)

_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PostgresQueue] = (
    weakref.WeakKeyDictionary()
)


def database_url() -> str:
    from service.settings import get_settings

    return get_settings().database_url


def _settings() -> Any:
    from service.settings import get_settings

    return get_settings()


async def queue(*, max_size: int = 4) -> PostgresQueue:
    """This event loop's connected queue (one pool per loop; psycopg pools are loop-bound)."""
    loop = asyncio.get_running_loop()
    found = _queues.get(loop)
    if found is None:
        url = database_url()
        if not url.lower().startswith(("postgres://", "postgresql://")):
            raise RuntimeError("JOB_ENGINE=saq needs a PostgreSQL DATABASE_URL")
        found = PostgresQueue.from_url(url, name=QUEUE_NAME, min_size=1, max_size=max_size)
        _queues[loop] = found
    await found.connect()
    return found


async def close() -> None:
    """Close this loop's queue (web process shut-down, the end of a CLI command)."""
    with contextlib.suppress(RuntimeError):
        found = _queues.pop(asyncio.get_running_loop(), None)
        if found is not None:
            await found.disconnect()


def _job(
    name: str, payload: dict[str, Any], *, delay_s: float, max_attempts: int, timeout_s: int
) -> SaqJob:
    settings = _settings()
    from service.jobs import BACKOFF_MAX_S

    return SaqJob(
        function=name,
        kwargs=payload,
        timeout=int(timeout_s),
        heartbeat=int(settings.job_heartbeat_s),
        retries=max(1, int(max_attempts)),
        retry_delay=float(settings.job_retry_delay_s),
        retry_backoff=BACKOFF_MAX_S,
        ttl=KEEP_S,
        scheduled=int(time.time() + delay_s) if delay_s > 0 else 0,
    )


def _open_transaction() -> Any:
    """The Piccolo transaction open in this context on PostgreSQL, if any."""
    from piccolo.engine.postgres import PostgresEngine

    from service.tables import Job

    engine = Job._meta.db
    if not isinstance(engine, PostgresEngine):
        return None
    return engine.current_transaction.get()


async def enqueue(
    name: str,
    payload: dict[str, Any],
    *,
    delay_s: float = 0,
    max_attempts: int = 3,
    timeout_s: int = 600,
) -> str:
    """Queue one job on SAQ; returns its key."""
    q = await queue()
    job = _job(name, payload, delay_s=delay_s, max_attempts=max_attempts, timeout_s=timeout_s)
    transaction = _open_transaction()
    if transaction is None:
        await q.enqueue(job)
        return job.key
    # Inside a transaction: the same row SAQ's own enqueue writes, on the transaction's
    # connection, so it commits (and its NOTIFY is delivered) with the transaction or not at all.
    job.queue = q
    job.queued = int(time.time() * 1000)
    job.status = Status.QUEUED
    connection = transaction.connection
    await connection.execute(
        "INSERT INTO saq_jobs (key, job, queue, status, priority, group_key, scheduled) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        job.key,
        q.serialize(job),
        q.name,
        job.status.value,
        job.priority,
        job.group_key,
        job.scheduled or int(time.time()),
    )
    await connection.execute("SELECT pg_notify($1, $2)", f"saq:{q.name}", "saq:enqueue")
    return job.key


async def retry(key: str) -> bool:
    """Queue a failed (or aborted) job again now, with a fresh set of attempts."""
    if not 1 <= len(key) <= 100:
        return False
    q = await queue()
    job = await q.job(key)
    if job is None or job.status not in (Status.FAILED, Status.ABORTED):
        return False
    job.attempts = 0
    job.retry_delay = 0.0
    job.retry_backoff = False
    await q.retry(job, error=None)
    return True


# --- the worker ------------------------------------------------------------------------------


async def _renew(job: SaqJob) -> None:
    """Renew `job`'s heartbeat while its function runs (SAQ only counts explicit updates)."""
    every = max(1.0, job.heartbeat / 3)
    while True:
        await asyncio.sleep(every)
        try:
            await job.update()
        except Exception as error:  # a missed renewal is retried next time round
            log.warning("heartbeat failed", job=job.function, error=type(error).__name__)


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return None
    return value


def wrap(name: str, fn: Callable[..., Awaitable[Any]]) -> tuple[str, Callable[..., Any]]:
    """A registry function as a SAQ function: `fn(**payload)`, its heartbeat renewed."""

    async def run(ctx: dict[str, Any], **kwargs: Any) -> Any:
        job: SaqJob | None = ctx.get("job")
        renew = asyncio.create_task(_renew(job)) if job is not None and job.heartbeat else None
        try:
            return _jsonable(await fn(**kwargs))
        except Exception as error:
            log.warning(
                "job failed",
                job=name,
                error=type(error).__name__,
                traceback=safe_traceback(error),
            )
            # SAQ stores the whole traceback with the message, and shows it on /staff/jobs:
            # store ours instead, scrubbed of what a resident gave us (service.logs.job_error).
            raise JobFailed(job_error(error)) from None
        finally:
            if renew is not None:
                renew.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renew

    run.__qualname__ = run.__name__ = name
    return name, run


def cron_for(every_s: float) -> str:
    """A cron expression (croniter; a sixth field is seconds) that is due every `every_s`."""
    s = int(every_s)
    if s != every_s or s <= 0:
        raise ValueError(f"a periodic interval must be whole seconds, not {every_s}")
    if s < 60 and 60 % s == 0:
        return f"* * * * * */{s}"
    if s % 60 == 0 and s < 3600 and 60 % (s // 60) == 0:
        return f"*/{s // 60} * * * *"
    if s % 3600 == 0 and s < 86400 and 24 % (s // 3600) == 0:
        return f"0 */{s // 3600} * * *"
    if s == 86400:
        return "0 2 * * *"  # daily, at 02:00 UTC
    raise ValueError(f"no cron expression is due every {s} s: give the Periodic a cron")


def cron_job(task: Any) -> CronJob[Any]:
    """A `service.jobs.Periodic` as a SAQ cron job, unique per due time across workers."""
    fn = task.fn

    async def run(ctx: dict[str, Any]) -> Any:
        return _jsonable(await fn())

    run.__qualname__ = run.__name__ = PERIODIC_PREFIX + task.name
    return CronJob(
        run,
        cron=task.cron or cron_for(task.every_s),
        unique=True,
        timeout=int(max(60, min(3600, task.every_s))),
        retries=1,
        ttl=KEEP_S,
    )


class Worker(SaqWorker[Any]):
    """SAQ's worker, whose stats row also says where it runs and when it last reported."""

    async def worker_info(self, ttl: int = 60) -> Any:
        self._metadata = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "concurrency": self.concurrency,
            "heartbeat_at": time.time(),
        }
        return await super().worker_info(ttl)


async def _start_database(ctx: dict[str, Any]) -> None:
    from piccolo.engine.postgres import PostgresEngine

    from service.tables import Job

    engine = Job._meta.db
    if isinstance(engine, PostgresEngine) and engine.pool is None:
        worker = ctx["worker"]
        await engine.start_connection_pool(min_size=1, max_size=worker.concurrency + 2)
        ctx["own_pool"] = engine


async def _stop_database(ctx: dict[str, Any]) -> None:
    engine = ctx.pop("own_pool", None)
    if engine is not None:
        await engine.close_connection_pool()


def build_worker(
    q: PostgresQueue,
    *,
    concurrency: int = 4,
    functions: dict[str, Callable[..., Awaitable[Any]]] | None = None,
    periodic: list[Any] | None = None,
    **options: Any,
) -> Worker:
    """A worker for the registry's jobs and periodic tasks (or the ones given, for tests)."""
    from service import jobs

    functions = jobs.registry() if functions is None else functions
    periodic = jobs.periodic_tasks() if periodic is None else periodic
    settings = _settings()
    timers: PartialTimersDict = {
        "schedule": 1,
        "sweep": int(settings.job_sweep_s),
        "worker_info": WORKER_INFO_S,
        "abort": 1,
    }
    return Worker(
        q,
        functions=[wrap(name, fn) for name, fn in functions.items()],
        concurrency=concurrency,
        cron_jobs=[cron_job(task) for task in periodic],
        timers=timers,
        startup=_start_database,
        shutdown=_stop_database,
        shutdown_grace_period_s=10,  # then running jobs are cancelled and retried
        **options,
    )


async def run_worker(concurrency: int) -> None:
    """`resident-voice worker` on PostgreSQL: run jobs until SIGTERM or SIGINT."""
    q = await queue(max_size=concurrency + 4)
    # An idle worker's dequeue gives up every second, so a stop signal ends it promptly.
    worker = build_worker(q, concurrency=concurrency, dequeue_timeout=1.0)
    log.info("worker started", engine="saq", concurrency=concurrency, pid=os.getpid())
    try:
        await worker.start()
    finally:
        await close()


async def run_until_empty(limit: int = 1000) -> int:
    """Run due jobs in this process until none is left (tests, `resident-voice jobs run`)."""
    q = await queue()
    worker = build_worker(q, concurrency=1, periodic=[], dequeue_timeout=0.2)
    count = 0
    while count < limit and await worker.process():
        count += 1
    return count


# --- what staff and `check` see --------------------------------------------------------------

#: The page's four groups, from SAQ's statuses.
GROUPS: dict[str, tuple[str, ...]] = {
    "queued": ("new", "queued"),
    "running": ("active", "aborting"),
    "failed": ("failed", "aborted"),
    "done": ("complete",),
}


def _when(epoch_s: float | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(epoch_s, dt.UTC) if epoch_s else None


class JobFailed(Exception):
    """A job's exception as SAQ keeps it: the original's `Type: message`, scrubbed."""


def _last_line(error: str | None) -> str | None:
    """SAQ keeps a whole traceback; the page shows its last line (`Type: message`)."""
    if not error:
        return None
    lines = [line for line in error.strip().splitlines() if line.strip()]
    if not lines:
        return None
    last = lines[-1]
    for prefix in (f"{__name__}.JobFailed: ", "JobFailed: "):
        last = last.removeprefix(prefix)
    return last[:2000]


def _row(job: SaqJob) -> dict[str, Any]:
    lease = (job.touched / 1000 + job.heartbeat) if job.touched and job.heartbeat else None
    name = job.function.removeprefix(PERIODIC_PREFIX)
    return {
        "id": job.key,
        "name": name,
        "status": job.status.value,
        "attempts": job.attempts,
        "max_attempts": job.retries,
        "run_after": _when(job.scheduled or (job.queued / 1000 if job.queued else None)),
        "lease_until": _when(lease),
        "created_at": _when(job.queued / 1000 if job.queued else None),
        "finished_at": _when(job.completed / 1000 if job.completed else None),
        "last_error": _last_line(job.error),
    }


async def recent_jobs(limit: int = 50) -> dict[str, list[dict[str, Any]]]:
    """The newest `limit` SAQ jobs of each group, shaped as the table engine's rows."""
    q = await queue()
    groups: dict[str, list[dict[str, Any]]] = {}
    async with q.pool.connection() as conn, conn.cursor() as cursor:
        for group, statuses in GROUPS.items():
            await cursor.execute(
                "SELECT job, status FROM saq_jobs WHERE queue = %s AND status = ANY(%s) "
                "ORDER BY scheduled DESC, key DESC LIMIT %s",
                (q.name, list(statuses), limit),
            )
            jobs = [q.deserialize(blob, status) for blob, status in await cursor.fetchall()]
            groups[group] = [_row(job) for job in jobs if job is not None]
    return groups


async def workers() -> list[dict[str, Any]]:
    """Workers whose stats row has not expired: id, host, pid, seconds since last heartbeat."""
    q = await queue()
    info = await q.info()
    now = time.time()
    found = []
    for worker_id, worker in info["workers"].items():
        meta = worker.get("metadata") or {}
        beat = meta.get("heartbeat_at")
        found.append(
            {
                "id": worker_id,
                "host": meta.get("host", "?"),
                "pid": meta.get("pid", "?"),
                "age_s": round(now - beat, 1) if beat else None,
            }
        )
    return sorted(found, key=lambda w: (str(w["host"]), str(w["pid"])))


async def counts() -> dict[str, int]:
    q = await queue()
    info = await q.info()
    return {"queued": info["queued"], "running": info["active"], "scheduled": info["scheduled"]}
