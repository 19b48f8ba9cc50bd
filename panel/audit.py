"""The log of staff access to members' personal data (viewed, exported, changed, erased)."""

from __future__ import annotations

from typing import Any

from panel.tables import PersonalDataLog

ACTIONS = ("view", "export", "change", "erase")


async def log_access(
    staff_email: str, action: str, member_id: int | None, detail: str = ""
) -> None:
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    await PersonalDataLog.insert(
        PersonalDataLog(
            staff_email=staff_email, action=action, member=member_id, detail=detail[:200]
        )
    )


async def recent(limit: int = 200) -> list[dict[str, Any]]:
    """The newest entries first, for the admins' page."""
    return list(
        await PersonalDataLog.select().order_by(PersonalDataLog.id, ascending=False).limit(limit)
    )
