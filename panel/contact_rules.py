"""Contact rules: who may be put into a sample today, and why the others may not.

Rules protect members from being asked too often (fatigue ruins a panel) and the council from
contacting anyone without consent. The frequency rules and the household rule are set per
panel (settings `PANEL_NOT_INVITED_WITHIN_DAYS`, `PANEL_MAX_INVITATIONS_12_MONTHS`,
`PANEL_ONE_PER_HOUSEHOLD`) and can be overridden for one draw by a rules file. Status and
consent are not rules a draw may relax: a paused, withdrawn or unconsented member is never
eligible.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tomllib
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from panel.services import CONSENT_WORDING_VERSION, PROFILE_COLUMNS, _refusal
from panel.tables import Consent, ContactEvent, Member


class RulesError(ValueError):
    """A rules file or override that cannot be used; the message names the key."""


@dataclass(frozen=True)
class ContactRules:
    """The overridable rules of one draw (0 turns a frequency rule off)."""

    not_invited_within_days: int = 90
    max_invitations_12_months: int = 4
    one_per_household: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> list[str]:
        """The rules in words, for summaries and the draw page."""
        lines = ["active (not paused or withdrawn), with consent for their own channel"]
        if self.not_invited_within_days:
            lines.append(f"not invited in the last {self.not_invited_within_days} days")
        if self.max_invitations_12_months:
            lines.append(
                f"fewer than {self.max_invitations_12_months} invitations in the last 12 months"
            )
        if self.one_per_household:
            lines.append("at most one member per household (same address)")
        return lines


def panel_rules() -> ContactRules:
    """This panel's rules, from settings."""
    from service.settings import get_settings

    settings = get_settings()
    return ContactRules(
        not_invited_within_days=settings.panel_not_invited_within_days,
        max_invitations_12_months=settings.panel_max_invitations_12_months,
        one_per_household=settings.panel_one_per_household,
    )


def rules_with(base: ContactRules, overrides: dict[str, Any]) -> ContactRules:
    """`base` with `overrides` (from a rules file or a form); unknown or bad keys are refused."""
    known = {f.name: f.type for f in fields(ContactRules)}
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        if key not in known:
            raise RulesError(f"unknown rule {key!r}; the rules are {', '.join(known)}")
        if key == "one_per_household":
            if not isinstance(value, bool):
                raise RulesError(f"{key} must be true or false, not {value!r}")
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RulesError(f"{key} must be a whole number, 0 or more, not {value!r}")
        changes[key] = value
    return replace(base, **changes)


def read_rules_file(path: Path, base: ContactRules | None = None) -> ContactRules:
    """Rules from a TOML or JSON file (keys as in `ContactRules`), over the panel's rules."""
    base = base or panel_rules()
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise RulesError(f"{path.name}: cannot read the rules: {error}") from None
    if not isinstance(data, dict):
        raise RulesError(f"{path.name}: expected a table of rules")
    try:
        return rules_with(base, data)
    except RulesError as error:
        raise RulesError(f"{path.name}: {error}") from None


@dataclass
class Pool:
    """Eligible members with their profile codes, and how many each rule turned away."""

    profiles: dict[int, dict[str, str]]  # member id -> profile column -> code (as text)
    excluded: dict[str, int]
    considered: int


def household_key(address_line1: str, postcode: str) -> str | None:
    """Same address = same first line and postcode, ignoring case, spaces and punctuation."""
    line = "".join(ch for ch in address_line1.lower() if ch.isalnum())
    code = postcode.replace(" ", "").upper()
    return f"{line}|{code}" if line and code else None


def profile_code(value: Any) -> str:
    """Profile values as the text the member holds (imd_quintile 1-5 as "1".."5")."""
    return "" if value is None else str(value)


async def eligible_pool(rules: ContactRules, *, seed: int, now: dt.datetime | None = None) -> Pool:
    """Every member the rules allow today, in id order (the order a draw is replayed in).

    One per household keeps one member of each address, chosen at random from the draw's
    seed, before drawing: every method then sees households as single people.
    """
    now = now or dt.datetime.now(dt.UTC)
    rows = await Member.select(
        Member.id,
        Member.status,
        Member.paused_until,
        Member.preferred_contact,
        Member.email,
        Member.phone,
        Member.address_line1,
        Member.postcode,
        *[getattr(Member, c) for c in PROFILE_COLUMNS],
    ).where(Member.status.is_in(["active", "paused"]))
    rows.sort(key=lambda r: r["id"])
    excluded: Counter[str] = Counter()
    total = await Member.count()
    excluded["not active"] = total - len(rows)
    consents = await _channel_consents()
    today = now.date()
    window = max(rules.not_invited_within_days, 365 if rules.max_invitations_12_months else 0)
    invited_recently: set[int] = set()
    invitations: Counter[int] = Counter()
    if window:
        events = await ContactEvent.select(ContactEvent.member, ContactEvent.at).where(
            ContactEvent.kind == "invitation", ContactEvent.at >= now - dt.timedelta(days=window)
        )
        recent_since = now - dt.timedelta(days=rules.not_invited_within_days)
        year_since = now - dt.timedelta(days=365)
        for event in events:
            if rules.not_invited_within_days and event["at"] >= recent_since:
                invited_recently.add(event["member"])
            if event["at"] >= year_since:
                invitations[event["member"]] += 1
    kept: list[dict[str, Any]] = []
    for row in rows:
        refusal = _refusal(row, consents.get(row["id"]) or set(), today)
        if refusal is not None:
            reason = "paused" if refusal.startswith("paused") else refusal
            excluded[
                "no consent for their channel" if reason.startswith("no consent") else reason
            ] += 1
        elif row["id"] in invited_recently:
            excluded[f"invited in the last {rules.not_invited_within_days} days"] += 1
        elif (
            rules.max_invitations_12_months
            and invitations[row["id"]] >= rules.max_invitations_12_months
        ):
            excluded[f"{rules.max_invitations_12_months} invitations in 12 months"] += 1
        else:
            kept.append(row)
    if rules.one_per_household:
        kept = _one_per_household(kept, seed, excluded)
    return Pool(
        profiles={r["id"]: {c: profile_code(r[c]) for c in PROFILE_COLUMNS} for r in kept},
        excluded={k: v for k, v in excluded.items() if v},
        considered=total,
    )


async def _channel_consents() -> dict[int, set[str]]:
    """Current `contact:<channel>` consents of every member, in one query without an id list.

    The same rule as `panel.services.current_consents` (current wording, not withdrawn), but
    a 100,000-member panel is read whole instead of through a 100,000-id IN list.
    """
    rows = await Consent.select(Consent.member, Consent.purpose).where(
        Consent.wording_version == CONSENT_WORDING_VERSION,
        Consent.withdrawn_at.is_null(),
        Consent.purpose.like("contact:%"),
    )
    result: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        result[row["member"]].add(row["purpose"])
    return result


def _one_per_household(
    rows: list[dict[str, Any]], seed: int, excluded: Counter[str]
) -> list[dict[str, Any]]:
    households: dict[str, list[dict[str, Any]]] = defaultdict(list)
    keep: set[int] = set()
    for row in rows:
        key = household_key(row["address_line1"] or "", row["postcode"] or "")
        if key is None:
            keep.add(row["id"])
        else:
            households[key].append(row)
    rng = random.Random(f"household:{seed}")
    for key in sorted(households):
        keep.add(rng.choice(households[key])["id"])
    excluded["another member of the household"] += len(rows) - len(keep)
    return [r for r in rows if r["id"] in keep]
