"""Panel membership: the functions other domains use to find and describe members.

Other domains (surveys inviting members, analysis joining profiles) call these rather than
querying `panel_member` themselves.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from panel.tables import Member

#: Profile columns safe for analysis: demographics, never contact details.
PROFILE_COLUMNS = ("age_band", "sex", "ward", "ethnicity", "disability", "imd_quintile")

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone


def new_reference() -> str:
    """A pseudonymous member reference like P-7KQ4M2XH, for exports and phone calls."""
    return "P-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def age_band(date_of_birth: dt.date, on: dt.date | None = None) -> str:
    on = on or dt.date.today()
    age = (
        on.year
        - date_of_birth.year
        - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    )
    for low, high, band in (
        (16, 24, "16-24"),
        (25, 34, "25-34"),
        (35, 44, "35-44"),
        (45, 54, "45-54"),
        (55, 64, "55-64"),
        (65, 74, "65-74"),
    ):
        if low <= age <= high:
            return band
    return "75+" if age >= 75 else "under-16"


async def count_members(status: str | None = "active") -> int:
    query = Member.count()
    if status:
        query = query.where(Member.status == status)
    return await query


async def active_member_ids() -> list[int]:
    rows = await Member.select(Member.id).where(Member.status == "active")
    return [r["id"] for r in rows]


async def profiles(member_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Pseudonymous profiles (reference + demographics) by member id, for exports and analysis."""
    ids = list(member_ids)
    if not ids:
        return {}
    rows = await Member.select(
        Member.id, Member.reference, *[getattr(Member, c) for c in PROFILE_COLUMNS]
    ).where(Member.id.is_in(ids))
    return {r.pop("id"): r for r in rows}


async def contact_details(member_id: int) -> dict[str, Any] | None:
    """Name and contact details: only for sending a member their own invitation."""
    return (
        await Member.select(
            Member.reference,
            Member.first_name,
            Member.last_name,
            Member.email,
            Member.phone,
            Member.address_line1,
            Member.town,
            Member.postcode,
            Member.preferred_contact,
        )
        .where(Member.id == member_id)
        .first()
    )


async def member_by_reference(reference: str) -> dict[str, Any] | None:
    """`{id, reference}` of the member with this pseudonymous reference (staff-assisted entry)."""
    return (
        await Member.select(Member.id, Member.reference)
        .where(Member.reference == reference.strip().upper())
        .first()
    )


async def members_with_contact_details(member_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Names and contact details by member id, for exports whose user may see them and asked.

    Callers must check the role and the explicit request first; this function only reads.
    """
    ids = list(member_ids)
    if not ids:
        return {}
    rows = await Member.select(
        Member.id,
        Member.first_name,
        Member.last_name,
        Member.email,
        Member.phone,
        Member.address_line1,
        Member.town,
        Member.postcode,
    ).where(Member.id.is_in(ids))
    return {r.pop("id"): r for r in rows}


async def composition() -> dict[str, Any]:
    """Who is on the panel, against the borough's population, by age, sex and ward.

    Panel managers use this to see which groups to recruit before drawing a fair sample.
    """
    from panel.demographics import POPULATION_AGE, POPULATION_SEX, POPULATION_WARD, WARD_NAMES

    rows = await Member.select(Member.age_band, Member.sex, Member.ward).where(
        Member.status == "active"
    )
    total = len(rows)
    result: dict[str, Any] = {"active": total, "dimensions": []}
    for column, title, population, labels in (
        ("age_band", "Age", POPULATION_AGE, {}),
        ("sex", "Sex", POPULATION_SEX, {"female": "Female", "male": "Male"}),
        ("ward", "Ward", POPULATION_WARD, WARD_NAMES),
    ):
        counts: dict[str, int] = {}
        for row in rows:
            counts[row[column]] = counts.get(row[column], 0) + 1
        population_total = sum(population.values())
        result["dimensions"].append(
            {
                "name": column,
                "title": title,
                "groups": [
                    {
                        "code": code,
                        "label": labels.get(code, code),
                        "members": counts.get(code, 0),
                        "panel_share": counts.get(code, 0) / total if total else 0.0,
                        "population_share": people / population_total,
                    }
                    for code, people in population.items()
                ],
            }
        )
    return result
