"""Background jobs: audits run in the worker, and schedules are checked every minute."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from service.jobs import Periodic

__all__ = ["JOBS", "PERIODIC"]


async def run_audit_job(run_id: int, after_run: int | None = None, waited_s: float = 0.0) -> None:
    """Run a queued audit (queued by services.queue_run or a schedule).

    A run queued ``after`` another (``after_run``) waits for it: while that run is still
    queued or running, this job queues itself again ``AFTER_POLL_S`` later (so it never holds
    a worker slot the other run needs) and returns; once that run has finished, or the wait
    has outlasted any run's time limit and lease, it runs. A run cancelled while it waits is
    not run.
    """
    from accessibility.leases import LEASE_S
    from accessibility.runs import AFTER_POLL_S, JOB_NAME, RUN_TIME_LIMIT_S, still_to_finish
    from accessibility.services import execute_run
    from service.jobs import enqueue

    if after_run is not None and waited_s < RUN_TIME_LIMIT_S + LEASE_S:
        if not await still_to_finish(run_id):
            return  # cancelled while it waited
        if await still_to_finish(after_run):
            await enqueue(
                JOB_NAME,
                {"run_id": run_id, "after_run": after_run, "waited_s": waited_s + AFTER_POLL_S},
                delay_s=AFTER_POLL_S,
                max_attempts=1,
                timeout_s=RUN_TIME_LIMIT_S,
            )
            return
    await execute_run(run_id)


async def check_schedules() -> None:
    """Queue runs for sites whose cron schedule is due (croniter works out the next time)."""
    from accessibility.services import enqueue_due_runs

    await enqueue_due_runs()


async def fail_expired_runs() -> None:
    """Fail runs left "running" by a worker that died (their lease ran out)."""
    from accessibility.services import fail_expired_runs as fail

    await fail()


JOBS: dict[str, Callable[..., Awaitable[Any]]] = {"accessibility.run_audit": run_audit_job}
PERIODIC: list[Periodic] = [
    Periodic("accessibility.schedules", 60, check_schedules),
    Periodic("accessibility.leases", 60, fail_expired_runs),
]
