"""Background jobs: audits run in the worker, and schedules are checked every minute."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from service.jobs import Periodic

__all__ = ["JOBS", "PERIODIC"]


async def run_audit_job(run_id: int) -> None:
    """Run a queued audit (queued by services.queue_run or a schedule)."""
    from accessibility.services import execute_run

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
