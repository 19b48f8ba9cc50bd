"""Background jobs: one registry of plain async functions, and two engines that run them.

Job functions are plain `async def fn(**payload)` registered by each domain's jobs.py (`JOBS`),
and periodic tasks are `Periodic` entries (`PERIODIC`). `enqueue`, `retry`, `recent_jobs` and
`run_until_empty` work the same on either engine; `engine_name()` says which is in use:

- **table** (SQLite, the zero-set-up default): jobs live in the `job` table and the
  in-process `Worker` below runs them (in the web process, or `resident-voice worker`). A job is
  claimed by one conditional UPDATE, which succeeds for exactly one worker. A claim is a lease
  (`lease_until`, the job's time limit plus a grace): a worker that dies mid-job leaves it
  `running` only until the lease runs out, then another worker retries it with back-off, or
  fails it with the error kept once its attempts are used up. Periodic tasks are claimed per
  due time (`periodic_lease`), so several processes run each once, not once each.
- **saq** (PostgreSQL): SAQ's PostgreSQL queue (`service.jobs.saq_engine`). Web processes only
  enqueue; `resident-voice worker` processes, on as many machines as wanted, run the jobs,
  renew each running job's heartbeat (a killed worker's job is retried once it stops), and
  schedule periodic tasks as SAQ cron jobs, unique per due time across every worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from piccolo.query.functions.aggregate import Count

from service import domains
from service.logs import job_error, safe_traceback
from service.tables import Job, PeriodicLease

log = structlog.get_logger("jobs")

JobFunction = Callable[..., Awaitable[Any]]
#: A job's id: the `job` table's integer id, or SAQ's job key.
JobId = int | str
ENGINES = ("table", "saq")


@dataclass
class Periodic:
    """A function the worker runs every `every_s` seconds (schedules, clean-ups).

    On SAQ it becomes a cron job: `cron` if given, else one made from `every_s`
    (`saq_engine.cron_for`), so the due times are the same on every worker machine.
    """

    name: str
    every_s: float
    fn: Callable[[], Awaitable[Any]]
    cron: str | None = None
    last_run: float = field(default=0.0, repr=False)
    #: monotonic time before which this worker need not ask the database again
    next_check: float = field(default=0.0, repr=False)


class UnknownJob(KeyError):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def engine_name(settings: Any = None) -> str:
    """Which engine runs jobs: JOB_ENGINE, or with `auto` SAQ on PostgreSQL, the table on SQLite."""
    from service.settings import get_settings

    settings = settings or get_settings()
    if settings.job_engine != "auto":
        return str(settings.job_engine)
    url = settings.database_url.lower()
    return "saq" if url.startswith(("postgres://", "postgresql://")) else "table"


def registry() -> dict[str, JobFunction]:
    from service.session_store import DatabaseSessionStore

    async def purge_sessions() -> int:
        return await DatabaseSessionStore().delete_expired()

    return {"service.purge_sessions": purge_sessions, **domains.jobs()}


#: A worker that stops renewing (it died) loses a running job this long after its time limit.
LEASE_GRACE_S = 30.0
#: Back-off before attempt n+1 is BACKOFF_BASE_S * 2**(n-1) seconds, capped at BACKOFF_MAX_S.
BACKOFF_BASE_S = 30.0
BACKOFF_MAX_S = 3600.0


def backoff_s(attempts: int) -> float:
    """How long to wait after the `attempts`-th failure: doubling, so a broken mail server is
    not hammered, but capped so a job still runs within the hour once it is fixed."""
    return min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1))


async def enqueue(
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    delay_s: float = 0,
    max_attempts: int = 3,
    timeout_s: int = 600,
) -> JobId:
    """Queue a job; returns its id. Unknown names are refused now, not when the job runs.

    `timeout_s` bounds one attempt: a job that takes longer is cancelled and counted as failed.
    Called inside a database transaction, the job is queued only if that transaction commits
    (on either engine), so a worker never sees a job for a row that is not there.
    """
    if name not in registry():
        raise UnknownJob(f"no job called {name!r}; known: {', '.join(sorted(registry()))}")
    if engine_name() == "saq":
        from service.jobs import saq_engine

        return await saq_engine.enqueue(
            name, payload or {}, delay_s=delay_s, max_attempts=max_attempts, timeout_s=timeout_s
        )
    job = Job(
        name=name,
        payload=payload or {},
        run_after=_now() + dt.timedelta(seconds=delay_s),
        max_attempts=max_attempts,
        timeout_s=timeout_s,
    )
    await job.save()
    return int(job.id)


def _claimable(now: dt.datetime) -> Any:
    """Due queued jobs, and running jobs whose worker's lease has run out (it crashed)."""
    return ((Job.status == "queued") & (Job.run_after <= now)) | (
        (Job.status == "running") & (Job.lease_until < now)
    )


async def _claim() -> dict[str, Any] | None:
    """Claim one job by a conditional UPDATE, which exactly one worker wins.

    A job whose lease expired with no attempts left is failed here rather than run again.
    """
    while True:
        now = _now()
        candidate = (
            await Job.select(Job.id, Job.status, Job.attempts, Job.max_attempts, Job.timeout_s)
            .where(_claimable(now))
            .order_by(Job.run_after)
            .first()
        )
        if candidate is None:
            return None
        lost = candidate["status"] == "running"
        if lost and candidate["attempts"] >= candidate["max_attempts"]:
            await Job.update(
                {
                    Job.status: "failed",
                    Job.finished_at: now,
                    Job.lease_until: None,
                    Job.last_error: "LeaseExpired: the worker running this job stopped "
                    f"(attempt {candidate['attempts']} of {candidate['max_attempts']})",
                }
            ).where((Job.id == candidate["id"]) & _claimable(now))
            log.warning("job lost", id=candidate["id"], retry=False)
            continue
        lease = now + dt.timedelta(seconds=candidate["timeout_s"] + LEASE_GRACE_S)
        values: dict[Any, Any] = {
            Job.status: "running",
            Job.attempts: Job.attempts + 1,
            Job.lease_until: lease,
        }
        if lost:
            values[Job.last_error] = "LeaseExpired: the worker running this job stopped"
            log.warning("job lost", id=candidate["id"], retry=True)
        claimed = (
            await Job.update(values)
            .where((Job.id == candidate["id"]) & _claimable(now))
            .returning(Job.id, Job.name, Job.payload, Job.attempts, Job.max_attempts, Job.timeout_s)
        )
        if claimed:
            return claimed[0]


async def run_one(functions: dict[str, JobFunction] | None = None) -> bool:
    """Claim and run one due job. Returns False when none was due."""
    functions = functions or registry()
    job = await _claim()
    if job is None:
        return False
    payload = job["payload"]
    if isinstance(payload, str):  # SQLite returns JSON columns as text
        payload = json.loads(payload or "{}")
    started = time.perf_counter()
    try:
        fn = functions[job["name"]]
        await asyncio.wait_for(fn(**payload), timeout=job["timeout_s"])
    except Exception as error:
        retry = job["attempts"] < job["max_attempts"]
        if isinstance(error, TimeoutError):
            message = f"TimeoutError: the job took longer than {job['timeout_s']} s"
        else:
            message = job_error(error)  # scrubbed: it is kept and shown on /staff/jobs
        await Job.update(
            {
                Job.status: "queued" if retry else "failed",
                Job.last_error: message[:2000],
                Job.lease_until: None,
                Job.finished_at: None if retry else _now(),
                Job.run_after: _now() + dt.timedelta(seconds=backoff_s(job["attempts"])),
            }
        ).where((Job.id == job["id"]) & (Job.status == "running"))
        log.warning(
            "job failed",
            job=job["name"],
            id=job["id"],
            retry=retry,
            error=type(error).__name__,
            traceback=safe_traceback(error),
        )
    else:
        await Job.update(
            {Job.status: "done", Job.finished_at: _now(), Job.lease_until: None}
        ).where(Job.id == job["id"])
        log.info(
            "job done",
            job=job["name"],
            id=job["id"],
            ms=round((time.perf_counter() - started) * 1000),
        )
    return True


async def retry(job_id: JobId) -> bool:
    """Queue a failed job again now, with a fresh set of attempts (staff's retry button)."""
    if engine_name() == "saq":
        from service.jobs import saq_engine

        return await saq_engine.retry(str(job_id))
    if isinstance(job_id, str):
        if not job_id.isdigit() or len(job_id) > 10:
            return False
        job_id = int(job_id)
    if not 1 <= job_id < 2**31:
        return False
    updated = (
        await Job.update(
            {
                Job.status: "queued",
                Job.attempts: 0,
                Job.run_after: _now(),
                Job.finished_at: None,
                Job.lease_until: None,
            }
        )
        .where((Job.id == job_id) & (Job.status == "failed"))
        .returning(Job.id)
    )
    return bool(updated)


JOB_STATUSES = ("queued", "running", "failed", "done")


async def recent_jobs(limit: int = 50) -> dict[str, list[dict[str, Any]]]:
    """The newest `limit` jobs of each status, for the administrators' page.

    Payloads are left out: they hold ids, not personal data, but the page has no need of them.
    Each row has id, name, status, attempts, max_attempts, run_after, lease_until, created_at,
    finished_at and last_error, whichever engine runs the jobs.
    """
    if engine_name() == "saq":
        from service.jobs import saq_engine

        return await saq_engine.recent_jobs(limit)
    groups: dict[str, list[dict[str, Any]]] = {}
    for status in JOB_STATUSES:
        groups[status] = (
            await Job.select(
                Job.id,
                Job.name,
                Job.status,
                Job.attempts,
                Job.max_attempts,
                Job.run_after,
                Job.lease_until,
                Job.created_at,
                Job.finished_at,
                Job.last_error,
            )
            .where(Job.status == status)
            .order_by(Job.id, ascending=False)
            .limit(limit)
        )
    return groups


async def queue_counts() -> dict[str, int]:
    """How many jobs are in each status, for `/metrics` (queued = the queue's depth).

    The one question metrics asks of the job engine; an engine other than the job table
    (SAQ) answers it from its own queue, so `service.metrics` needs no change.
    """
    if engine_name() == "saq":
        from service.jobs import saq_engine

        return await saq_engine.counts()
    rows = await Job.select(Job.status, Count(alias="n")).group_by(Job.status)
    return {str(row["status"]): int(row["n"]) for row in rows}


async def table_health() -> tuple[int, float | None, float | None]:
    """For `check` on the table engine: due jobs waiting, the oldest one's wait in seconds,
    and seconds since any worker last claimed a periodic task (the nearest to a heartbeat)."""
    now = _now()
    due = (Job.status == "queued") & (Job.run_after <= now)
    waiting = await Job.count().where(due)
    oldest = await Job.select(Job.run_after).where(due).order_by(Job.run_after).first()
    latest = (
        await PeriodicLease.select(PeriodicLease.last_run_at)
        .where(PeriodicLease.last_run_at.is_not_null())
        .order_by(PeriodicLease.last_run_at, ascending=False)
        .first()
    )

    def age(value: dt.datetime | None) -> float | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite may hand back naive UTC
            value = value.replace(tzinfo=dt.UTC)
        return max(0.0, (now - value).total_seconds())

    return (
        int(waiting),
        age(oldest["run_after"]) if oldest else None,
        age(latest["last_run_at"]) if latest else None,
    )


async def run_until_empty(limit: int = 1000) -> int:
    """Run due jobs until none is left (tests, CLI `jobs run`), on the engine in use."""
    if engine_name() == "saq":
        from service.jobs import saq_engine

        return await saq_engine.run_until_empty(limit)
    functions = registry()
    count = 0
    while count < limit and await run_one(functions):
        count += 1
    return count


async def claim_periodic(name: str, every_s: float, now: dt.datetime | None = None) -> bool:
    """True for exactly one caller per due time of `name`, across every worker process.

    The claim is one conditional UPDATE (`due_at <= now` → `due_at = now + every_s`), which
    PostgreSQL and SQLite both apply atomically, so two workers never both win it.
    """
    now = now or _now()
    await PeriodicLease.insert(PeriodicLease(name=name, due_at=now)).on_conflict(
        target=PeriodicLease.name, action="DO NOTHING"
    )
    claimed = (
        await PeriodicLease.update(
            {
                PeriodicLease.due_at: now + dt.timedelta(seconds=every_s),
                PeriodicLease.last_run_at: now,
            }
        )
        .where((PeriodicLease.name == name) & (PeriodicLease.due_at <= now))
        .returning(PeriodicLease.id)
    )
    return bool(claimed)


async def _seconds_until_due(name: str) -> float:
    row = await PeriodicLease.select(PeriodicLease.due_at).where(PeriodicLease.name == name).first()
    if row is None:
        return 0.0
    due = row["due_at"]
    if due.tzinfo is None:  # SQLite may hand back naive UTC
        due = due.replace(tzinfo=dt.UTC)
    return max(0.0, (due - _now()).total_seconds())


async def run_periodic(tasks: list[Periodic]) -> list[str]:
    """Run each periodic task this worker wins the claim for; returns their names."""
    ran = []
    mono = time.monotonic()
    for task in tasks:
        if mono < task.next_check:
            continue
        if await claim_periodic(task.name, task.every_s):
            task.last_run = mono
            ran.append(task.name)
            await task.fn()
        # Ask again when it is next due (or in a minute, should the interval change).
        task.next_check = time.monotonic() + min(60.0, await _seconds_until_due(task.name))
    return ran


async def _purge() -> None:
    await enqueue("service.purge_sessions")


def periodic_tasks() -> list[Periodic]:
    """Every periodic task: the service's own and each domain's, for either engine."""
    return [Periodic("service.purge_sessions", 3600, _purge), *domains.periodic()]


async def close() -> None:
    """Close this event loop's connection to the job engine (SAQ's pool), if one was opened."""
    import sys

    saq_engine = sys.modules.get("service.jobs.saq_engine")
    if saq_engine is not None:
        await saq_engine.close()


class Worker:
    """The in-process worker of the table engine: polls for due jobs, runs periodic tasks.

    Periodic tasks are claimed through `periodic_lease`, so with several web or worker
    processes each task still runs once per due time, not once per process. `concurrency`
    loops claim jobs side by side; only the first runs periodic tasks.
    """

    def __init__(self, poll_s: float = 1.0, concurrency: int = 1) -> None:
        self.poll_s = poll_s
        self.concurrency = concurrency
        self._tasks: list[asyncio.Task[None]] = []
        self._periodic: list[Periodic] = periodic_tasks()

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._loop(first=n == 0), name=f"resident-voice-worker-{n}")
            for n in range(self.concurrency)
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self, first: bool = True) -> None:
        functions = registry()
        while True:
            try:
                if first:
                    await run_periodic(self._periodic)
                while await run_one(functions):
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as error:  # keep the worker alive; the job row records failures
                log.error(
                    "worker error", error=type(error).__name__, traceback=safe_traceback(error)
                )
            await asyncio.sleep(self.poll_s)
