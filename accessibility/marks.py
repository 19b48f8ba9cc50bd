"""Marks on a problem (false positive, accepted) that hold for this and every later run."""

from __future__ import annotations

from typing import Any

from accessibility.errors import SiteError
from accessibility.reports.view import MARK_LABELS
from accessibility.schemas import MarkIn
from accessibility.sites import get_site
from accessibility.tables import AuditIssue, FindingMark
from accessibility.tracking import MARK_STATUSES

__all__ = ["mark_issue", "marks_for"]


async def marks_for(site_id: int) -> dict[str, dict[str, Any]]:
    rows = await FindingMark.select().where(FindingMark.site == site_id)
    return {
        r["fingerprint"]: {**r, "label": MARK_LABELS.get(r["status"], r["status"])} for r in rows
    }


async def mark_issue(site_id: int, mark: MarkIn, marked_by: str) -> None:
    """Mark (or with status "clear", unmark) a problem for this and every later run."""
    errors = []
    if mark.status not in (*MARK_STATUSES, "clear"):
        errors.append(("status", "Choose false positive, accepted or remove the mark"))
    if mark.status != "clear" and not mark.reason.strip():
        errors.append(("reason", "Enter the reason for the mark"))
    if not mark.fingerprint or len(mark.fingerprint) > 40:
        errors.append(("fingerprint", "Unknown problem"))
    if errors:
        raise SiteError(errors)
    await get_site(site_id)
    known = await AuditIssue.exists().where(
        (AuditIssue.fingerprint == mark.fingerprint) & (AuditIssue.run.site == site_id)  # type: ignore[attr-defined]
    )
    if not known:
        raise SiteError([("fingerprint", "This site has no such problem")])
    async with FindingMark._meta.db.transaction():
        await FindingMark.delete().where(
            (FindingMark.site == site_id) & (FindingMark.fingerprint == mark.fingerprint)
        )
        if mark.status != "clear":
            await FindingMark(
                site=site_id,
                fingerprint=mark.fingerprint,
                status=mark.status,
                reason=mark.reason.strip()[:2000],
                marked_by=marked_by,
            ).save()
