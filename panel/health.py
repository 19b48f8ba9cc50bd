"""Panel health: are members answering, asked too often, forgotten, joining and leaving?

Computed from the contact history (`ContactEvent` kinds invitation and response), the
recorded draws and membership consents:

- response rate by sample: of the members invited to a draw's sample, how many responded to
  it, exactly, from the draw id each contact carries (`ContactEvent.draw`, set by fieldwork
  from its invitation). History recorded without a draw id falls back to an approximation: a
  draw's members invited on or after the draw, responding after their invitation (`exact` says
  which a figure is);
- by stratum and by channel: each invitation to a sample in the last 12 months (one per
  member and draw) and whether that member responded to that sample, grouped by the member's
  profile codes or by the invitation's channel (contacts without a draw: one per member,
  answered by any response after their first invitation of the year);
- invitations per member in the last 12 months (active members), members never invited;
- stopped responding: members who responded before but not to any of their last 2 invitations;
- joiners per month (`Member.joined_at`) and leavers per month (membership consent withdrawn).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from panel.services import PROFILE_COLUMNS
from panel.tables import Consent, ContactEvent, Draw, DrawMember, Member

STOPPED_AFTER = 2  # unanswered invitations in a row that count as "stopped responding"


def _rate(responded: int, invited: int) -> dict[str, Any]:
    return {
        "invited": invited,
        "responded": responded,
        "rate": round(responded / invited, 4) if invited else None,
    }


def _month(when: dt.datetime | dt.date) -> str:
    return f"{when.year:04d}-{when.month:02d}"


def _months(now: dt.datetime, count: int = 12) -> list[str]:
    year, month = now.year, now.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


Episode = tuple[int, int | None, str]  # member, draw (None: not tagged), channel


def _episodes(
    events: list[dict[str, Any]], since: dt.datetime
) -> tuple[dict[Episode, dt.datetime], dict[tuple[int, int], dt.datetime], dict[int, list]]:
    """Invitation episodes since `since`: first invitation time for each (member, draw, channel).

    Returns the episodes, the first response of each (member, draw) and each member's untagged
    response times. An invitation that carries its draw is matched with a response to the same
    draw (exact); one recorded without a draw falls back to "any response after it".
    """
    episodes: dict[Episode, dt.datetime] = {}
    tagged_response: dict[tuple[int, int], dt.datetime] = {}
    untagged_response: dict[int, list[dt.datetime]] = defaultdict(list)
    for e in events:
        member, draw = e["member"], e["draw"]
        if e["kind"] == "response":
            if draw is None:
                untagged_response[member].append(e["at"])
            elif (member, draw) not in tagged_response or e["at"] < tagged_response[(member, draw)]:
                tagged_response[(member, draw)] = e["at"]
            continue
        if e["at"] < since:
            continue
        key = (member, draw, e["channel"])
        if key not in episodes or e["at"] < episodes[key]:
            episodes[key] = e["at"]
    return episodes, tagged_response, untagged_response


async def panel_health(now: dt.datetime | None = None) -> dict[str, Any]:
    """The health figures as one JSON-ready document."""
    now = now or dt.datetime.now(dt.UTC)
    year_ago = now - dt.timedelta(days=365)
    events = await ContactEvent.select(
        ContactEvent.member,
        ContactEvent.kind,
        ContactEvent.channel,
        ContactEvent.at,
        ContactEvent.draw,
    ).where(ContactEvent.kind.is_in(["invitation", "response"]))
    invitations: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    responses: dict[int, list[dt.datetime]] = defaultdict(list)
    for e in events:
        if e["kind"] == "invitation":
            invitations[e["member"]].append((e["at"], e["channel"]))
        else:
            responses[e["member"]].append(e["at"])
    for times in invitations.values():
        times.sort()

    def responded_after(member: int, since: dt.datetime) -> bool:
        return any(t >= since for t in responses.get(member, ()))

    members = await Member.select(
        Member.id, Member.status, Member.joined_at, *[getattr(Member, c) for c in PROFILE_COLUMNS]
    )
    active = [m for m in members if m["status"] == "active"]

    # by sample: exact from the draw each contact carries; a draw whose invitations were
    # recorded without it (history from before contacts carried draws) is approximated by
    # "its members' first invitation after the draw, and a response after that"
    samples = []
    draws = await Draw.select(Draw.id, Draw.method, Draw.created_at).order_by(
        Draw.id, ascending=False
    )
    drawn: dict[int, list[int]] = defaultdict(list)
    for row in await DrawMember.select(DrawMember.draw, DrawMember.member):
        drawn[row["draw"]].append(row["member"])
    tagged_invited: dict[int, set[int]] = defaultdict(set)
    tagged_responded: dict[int, set[int]] = defaultdict(set)
    for e in events:
        if e["draw"] is not None:
            target = tagged_invited if e["kind"] == "invitation" else tagged_responded
            target[e["draw"]].add(e["member"])
    for draw in draws[:20]:
        exact = bool(tagged_invited.get(draw["id"]))
        if exact:
            invited_set = tagged_invited[draw["id"]]
            invited = len(invited_set)
            responded = len(tagged_responded.get(draw["id"], set()) & invited_set)
        else:
            invited = responded = 0
            for member in drawn[draw["id"]]:
                firsts = [t for t, _ in invitations.get(member, ()) if t >= draw["created_at"]]
                if firsts:
                    invited += 1
                    responded += responded_after(member, firsts[0])
        samples.append(
            {
                "draw_id": draw["id"],
                "method": draw["method"],
                "drawn": len(drawn[draw["id"]]),
                "created_at": draw["created_at"].isoformat(),
                "exact": exact,
                **_rate(responded, invited),
            }
        )

    # by stratum and channel, over the last 12 months: one unit per invitation to a sample
    # (member, draw), answered when that member responded to that sample
    episodes, tagged_response, _ = _episodes(events, year_ago)

    def answered_episode(member: int, draw: int | None, first: dt.datetime) -> bool:
        if draw is not None:
            return (member, draw) in tagged_response
        return responded_after(member, first)

    # one unit per (member, draw): its first invitation on any channel
    units: dict[tuple[int, int | None], dt.datetime] = {}
    for (member, draw_ref, _channel), first in episodes.items():
        if (member, draw_ref) not in units or first < units[(member, draw_ref)]:
            units[(member, draw_ref)] = first
    answered = {unit: answered_episode(unit[0], unit[1], t) for unit, t in units.items()}
    recent = {m: [(t, c) for t, c in inv if t >= year_ago] for m, inv in invitations.items()}
    recent = {m: inv for m, inv in recent.items() if inv}
    by_member = {m["id"]: m for m in members}
    strata: dict[str, list[dict[str, Any]]] = {}
    for column in PROFILE_COLUMNS:
        invited_count: Counter[str] = Counter()
        responded_count: Counter[str] = Counter()
        for (member, _draw), ok in answered.items():
            if member not in by_member:
                continue
            value = by_member[member][column]
            code = "" if value is None else str(value)
            invited_count[code] += 1
            responded_count[code] += ok
        strata[column] = [
            {"group": code, **_rate(responded_count[code], invited_count[code])}
            for code in sorted(invited_count)
        ]
    channel_invited: Counter[str] = Counter()
    channel_responded: Counter[str] = Counter()
    for (member, draw_ref, channel), first in episodes.items():
        channel_invited[channel] += 1
        channel_responded[channel] += answered_episode(member, draw_ref, first)
    channels = [
        {"channel": c, **_rate(channel_responded[c], channel_invited[c])}
        for c in sorted(channel_invited)
    ]

    # invitations per active member, never invited, stopped responding
    per_member: Counter[str] = Counter()
    for m in active:
        n = len(recent.get(m["id"], ()))
        per_member["3+" if n >= 3 else str(n)] += 1
    never = sum(1 for m in active if m["id"] not in invitations)
    stopped = 0
    for m in active:
        inv = invitations.get(m["id"], [])
        if len(inv) < STOPPED_AFTER or not responses.get(m["id"]):
            continue
        last = inv[-STOPPED_AFTER][0]
        if not responded_after(m["id"], last) and min(responses[m["id"]]) < last:
            stopped += 1

    # joiners and leavers per month
    months = _months(now)
    joiners = Counter(_month(m["joined_at"]) for m in members if m["joined_at"])
    leaving = await Consent.select(Consent.withdrawn_at).where(
        Consent.purpose == "membership", Consent.withdrawn_at.is_not_null()
    )
    leavers = Counter(_month(r["withdrawn_at"]) for r in leaving)
    total_invited = len(answered)
    return {
        "active": len(active),
        "response_rate_12_months": _rate(sum(answered.values()), total_invited),
        "by_sample": samples,
        "by_stratum": strata,
        "by_channel": channels,
        "invitations_per_member_12_months": {
            k: per_member.get(k, 0) for k in ("0", "1", "2", "3+")
        },
        "mean_invitations_12_months": round(
            sum(len(recent.get(m["id"], ())) for m in active) / len(active), 2
        )
        if active
        else 0.0,
        "never_invited": never,
        "stopped_responding": stopped,
        "joiners_and_leavers": [
            {"month": month, "joined": joiners.get(month, 0), "left": leavers.get(month, 0)}
            for month in months
        ],
    }
