"""The record of every change to a member (what, how, by whom), never the old values.

Old values would be a second copy of personal data that erasure would have to hunt for; the
member's current record plus this list of changes is what subject access shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from panel.tables import MemberChange


async def record_change(
    member_id: int,
    action: str,
    *,
    fields: Sequence[str] = (),
    detail: str = "",
    how: str = "self-service",
    staff_email: str | None = None,
) -> None:
    """One history row; inside the caller's transaction when there is one."""
    await MemberChange.insert(
        MemberChange(
            member=member_id,
            action=action,
            fields=list(fields),
            detail=detail,
            how=how,
            staff_email=staff_email,
        )
    )


async def changes(member_id: int) -> list[dict[str, Any]]:
    """A member's changes, oldest first."""
    return list(
        await MemberChange.select(
            MemberChange.at,
            MemberChange.action,
            MemberChange.fields,
            MemberChange.detail,
            MemberChange.how,
            MemberChange.staff_email,
        )
        .where(MemberChange.member == member_id)
        .order_by(MemberChange.id)
        .output(load_json=True)
    )
