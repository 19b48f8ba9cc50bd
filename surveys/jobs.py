"""The surveys domain's background jobs: fieldwork sends, reminders, response sync, and the
EqIA evidence report queued from the staff equality page.

Registered with `service.jobs` by convention (`JOBS`, `PERIODIC`). Each job takes plain JSON
payloads and is safe to retry: the sends underneath are idempotent (surveys.services.sending).
"""

from __future__ import annotations

from typing import Any

from service import jobs
from surveys.services import equality_reports, fieldwork, sending


async def send_messages(invitation_ids: list[int], kind: str, number: int = 0) -> dict[str, int]:
    return await sending.send_messages(invitation_ids, kind, number)


async def print_letters(invitation_ids: list[int], kind: str, number: int = 0) -> list[int]:
    return await sending.print_letters(invitation_ids, kind, number)


async def queue_reminders() -> int:
    """Find answered invitations (thank-yous) and due reminders, and queue their sends."""
    return await fieldwork.queue_reminders()


async def equality_report(report_id: int) -> str:
    """Build a queued EqIA evidence report and keep it for download (not retried: a report
    that failed once on its data fails again; the page offers to ask again)."""
    return await equality_reports.build_report(report_id)


async def _tick() -> Any:
    await jobs.enqueue("surveys.queue_reminders")


JOBS = {
    "surveys.send_messages": send_messages,
    "surveys.print_letters": print_letters,
    "surveys.queue_reminders": queue_reminders,
    equality_reports.JOB: equality_report,
}

#: Hourly: reminders are counted in days, and thank-yous can wait an hour.
PERIODIC = [jobs.Periodic("surveys.queue_reminders", 3600, _tick)]
