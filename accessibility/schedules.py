"""When a site's cron schedule next fires (``runs.enqueue_due_runs`` queues the runs due)."""

from __future__ import annotations

import datetime as dt

from croniter import croniter

from accessibility.storage import now

__all__ = ["next_run"]


def next_run(schedule: str, after: dt.datetime | None = None) -> dt.datetime | None:
    """When a cron schedule next fires (UTC), or None for no schedule."""
    if not schedule.strip():
        return None
    base = after or now()
    nxt = croniter(schedule.strip(), base).get_next(dt.datetime)
    return nxt if nxt.tzinfo else nxt.replace(tzinfo=dt.UTC)
