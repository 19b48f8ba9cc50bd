"""Members with chosen profiles, in bulk, for sampling, representativeness and health tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from panel import services
from panel.tables import Consent, Member

_counter = itertools.count(1)


async def add_members(
    n: int,
    *,
    channel: str = "email",
    consent: bool = True,
    status: str = "active",
    address: str | None = None,
    joined_at: dt.datetime | None = None,
    **profile: Any,
) -> list[int]:
    """`n` members; a profile value may be a list, cycled through member by member."""
    rows = []
    for i in range(n):
        k = next(_counter)
        values = {
            key: (value[i % len(value)] if isinstance(value, list) else value)
            for key, value in profile.items()
        }
        rows.append(
            Member(
                reference=f"P-T{k:07d}",
                first_name="Test",
                last_name=f"Member{k}",
                email=f"m{k}@example.org",
                phone=f"07700{k:06d}",
                address_line1=address or f"{k} Test Street",
                town="Northbridge",
                postcode="NB1 1AA",
                preferred_contact=channel,
                status=status,
                joined_at=joined_at or dt.datetime.now(dt.UTC),
                **values,
            )
        )
    ids: list[int] = []
    for start in range(0, len(rows), 400):
        inserted = await Member.insert(*rows[start : start + 400]).returning(Member.id)
        ids.extend(r["id"] for r in inserted)
    if consent:
        consents = [
            Consent(
                member=m,
                purpose=purpose,
                wording_version=services.CONSENT_WORDING_VERSION,
                given_at=dt.datetime.now(dt.UTC),
            )
            for m in ids
            for purpose in ("membership", f"contact:{channel}")
        ]
        for start in range(0, len(consents), 400):
            await Consent.insert(*consents[start : start + 400])
    return ids
