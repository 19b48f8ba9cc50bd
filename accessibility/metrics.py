"""This domain's `/metrics` figures (`service.metrics`), read at scrape time."""

from __future__ import annotations

from piccolo.query.functions.aggregate import Count

from accessibility.tables import AuditRun
from service.metrics import Sample

RUN_STATUSES = ("queued", "running", "done", "failed", "cancelled")


async def collect() -> list[Sample]:
    """Audit runs by status: a count from the table, so every server process agrees."""
    rows = await AuditRun.select(AuditRun.status, Count(alias="n")).group_by(AuditRun.status)
    counts = {str(row["status"]): int(row["n"]) for row in rows}
    return [
        Sample(
            "audit_runs",
            "Accessibility audit runs by status.",
            counts.get(status, 0),
            {"status": status},
        )
        for status in sorted({*RUN_STATUSES, *counts})
    ]
