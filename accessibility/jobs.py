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


async def fail_abandoned_runs() -> None:
    """Fail audit runs a crashed worker left `running`, so none stays so forever."""
    from accessibility.runs import fail_abandoned_runs as sweep

    await sweep()


JOBS: dict[str, Callable[..., Awaitable[Any]]] = {"accessibility.run_audit": run_audit_job}
PERIODIC: list[Periodic] = [
    Periodic("accessibility.schedules", 60, check_schedules),
    Periodic("accessibility.abandoned_runs", 300, fail_abandoned_runs),
]
