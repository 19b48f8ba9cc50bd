"""The panel's headline figures as they were at a past moment, for trends in the progress report.

The panel keeps no snapshots of its figures, but it keeps the dates they are made from:
`Member.joined_at` and `Member.left_at` (or the membership consent's `withdrawn_at` for older
leavers), and the dated invitations and responses of the contact history. So each figure can
be derived for any moment ``at``:

- members: joined on or before ``at`` and not left by then. A member paused today is counted
  (pauses are not dated), and so is anyone erased since, whose row keeps its dates; a
  withdrawn member with no leaving date at all is left out and counted in ``undated_leavers``;
- representativeness gap: the largest gap in percentage points between a group's share of
  those members and its population share (`panel.representativeness.group_shares`, the
  arithmetic of the representativeness report);
- response rate: of the members invited in the 12 months before ``at``, the share who
  responded after their first invitation in that window and before ``at`` (as `panel.health`).

For the moment "now" these agree with `panel.health` and `panel.representativeness` except
for paused members, which those count as not active.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from panel.margins import Margins, member_code, profile_columns
from panel.representativeness import group_shares
from panel.tables import Consent, ContactEvent, Member

YEAR = dt.timedelta(days=365)


async def figures_at(moments: list[dt.datetime], margins: Margins) -> list[dict[str, Any]]:
    """``{at, members, representativeness_gap, response_rate, invited, undated_leavers}`` for
    each moment, from one read of the members and contact history."""
    dimensions = list(margins)
    members = await Member.select(
        Member.id,
        Member.status,
        Member.joined_at,
        Member.left_at,
        *[getattr(Member, c) for c in profile_columns(dimensions)],
    )
    withdrawn = {
        r["member"]: r["withdrawn_at"]
        for r in await Consent.select(Consent.member, Consent.withdrawn_at).where(
            (Consent.purpose == "membership") & Consent.withdrawn_at.is_not_null()
        )
    }
    events = await ContactEvent.select(
        ContactEvent.member, ContactEvent.kind, ContactEvent.at
    ).where(ContactEvent.kind.is_in(["invitation", "response"]))
    invitations: dict[int, list[dt.datetime]] = defaultdict(list)
    responses: dict[int, list[dt.datetime]] = defaultdict(list)
    for e in events:
        (invitations if e["kind"] == "invitation" else responses)[e["member"]].append(e["at"])
    for times in invitations.values():
        times.sort()
    out = []
    for at in moments:
        current, undated = [], 0
        for m in members:
            left = m["left_at"] or withdrawn.get(m["id"])
            if m["joined_at"] is None or m["joined_at"] > at:
                continue
            if left is None and m["status"] == "withdrawn":
                undated += 1
                continue
            if left is None or left > at:
                current.append(m)
        gaps: list[float] = []
        for dimension in dimensions:
            population = margins[dimension]
            known, shares = group_shares(
                Counter(member_code(m, dimension) for m in current), population
            )
            if known and sum(population.values()):
                gaps.extend(abs(share.gap_points) for share in shares)
        invited = responded = 0
        for member, times in invitations.items():
            window = [t for t in times if at - YEAR <= t < at]
            if not window:
                continue
            invited += 1
            responded += any(window[0] <= t < at for t in responses.get(member, ()))
        out.append(
            {
                "at": at,
                "members": len(current),
                "representativeness_gap": max(gaps) if gaps else None,
                "response_rate": responded / invited if invited else None,
                "invited": invited,
                "undated_leavers": undated,
            }
        )
    return out
