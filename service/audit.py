"""The staff audit log: who viewed, exported or changed residents' personal data, and why.

Domains call `record` at the moment personal data leaves the service or changes. It is a plain
insert on the shared engine, so called inside the caller's open transaction it commits or rolls
back with the change it describes; for a read (an export) it is written before the data is
handed over, so an export that could not be recorded is not given out. Staff pages that show
a member's name or contact details (subject access, applicants, the fieldwork call list) record
a `view` for each member shown (`record_views`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from service.tables import AuditEvent, StaffUser

ACTIONS = ("view", "export", "change", "erase")


async def record(
    user: StaffUser | None,
    action: str,
    subject: str,
    *,
    detail: str = "",
    reason: str = "",
) -> None:
    """Record one action on personal data by `user` (None for the command line)."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    await AuditEvent.insert(
        AuditEvent(
            staff_user=None if user is None else int(user.id),
            staff_email="command line" if user is None else user.email,
            role="" if user is None else user.role,
            action=action,
            subject=subject[:200],
            detail=detail,
            reason=reason,
        )
    )


async def record_views(user: StaffUser | None, member_ids: Iterable[int], *, page: str) -> None:
    """Record that `user` saw the personal details (name, contact details) of each member on a
    staff page other than subject access, one `view` event per member, in one insert.

    Called before the page is rendered, so a page that could not be recorded is not shown.
    A page that shows no member records nothing.
    """
    rows = [
        AuditEvent(
            staff_user=None if user is None else int(user.id),
            staff_email="command line" if user is None else user.email,
            role="" if user is None else user.role,
            action="view",
            subject=f"panel member {int(member_id)}",
            detail=page,
            reason="",
        )
        for member_id in dict.fromkeys(member_ids)
    ]
    if rows:
        await AuditEvent.insert(*rows)


async def recent(limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    """The newest audit events first, for the administrators' page and JSON."""
    rows = (
        await AuditEvent.select(
            AuditEvent.id,
            AuditEvent.at,
            AuditEvent.staff_email,
            AuditEvent.role,
            AuditEvent.action,
            AuditEvent.subject,
            AuditEvent.detail,
            AuditEvent.reason,
        )
        .order_by(AuditEvent.id, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    return list(rows)
