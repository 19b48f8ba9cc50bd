"""Representativeness: active panel members against the borough's population margins.

For each group in the margins: members, panel share, population share, the gap in
percentage points (panel minus population) and the ratio (panel share / population share; 1
is exactly representative). Groups to recruit next are the under-represented ones, ranked by
how many members the panel is short of its population share. Members whose code is not in
the margins (blank, or a group the margins do not have) are counted apart, not in the shares,
so a missing answer never looks like a represented group.

A cross-classified dimension (`age_band×sex`, see `panel.margins`) is compared the same way,
on the members' joined codes; a member blank on any part is counted apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from panel.demographics import DISABILITY, ETHNIC_GROUPS, WARD_NAMES
from panel.margins import CROSS, Margins, components, member_code, profile_columns
from panel.tables import Member

TITLES = {
    "age_band": "Age band",
    "sex": "Sex",
    "ward": "Ward",
    "ethnicity": "Ethnic group",
    "disability": "Disability",
    "imd_quintile": "Deprivation quintile (IMD, 1 = most deprived)",
}
LABELS: dict[str, dict[str, str]] = {
    "sex": {"female": "Female", "male": "Male"},
    "ward": WARD_NAMES,
    "ethnicity": ETHNIC_GROUPS,
    "disability": DISABILITY,
}


def label(dimension: str, group: str) -> str:
    parts = components(dimension)
    if len(parts) > 1 and len(codes := group.split(CROSS)) == len(parts):
        return " × ".join(label(d, g) for d, g in zip(parts, codes, strict=True))
    return LABELS.get(dimension, {}).get(group, group)


def title(dimension: str) -> str:
    return " × ".join(TITLES.get(d, d) for d in components(dimension))


@dataclass(frozen=True)
class GroupShare:
    """One population group of a dimension: its members and the two shares compared."""

    group: str
    members: int
    panel_share: float
    population_share: float

    @property
    def gap_points(self) -> float:
        """Panel minus population share, in percentage points to one decimal place."""
        return round((self.panel_share - self.population_share) * 100, 1)


def group_shares(
    counts: Mapping[str, int], population: Mapping[str, int]
) -> tuple[int, list[GroupShare]]:
    """The members counted (those whose code is a population group) and each group's shares.

    One place for the arithmetic, so the report here and the panel's figures at past moments
    (`panel.history`) can never disagree on what the representativeness gap is."""
    known = sum(counts.get(g, 0) for g in population)
    people = sum(population.values())
    return known, [
        GroupShare(
            group,
            counts.get(group, 0),
            counts.get(group, 0) / known if known else 0.0,
            residents / people if people else 0.0,
        )
        for group, residents in population.items()
    ]


async def representativeness(margins: Margins, *, top: int = 10) -> dict[str, Any]:
    """The report as one JSON-ready document (CLI `--json`, API and staff page)."""
    dimensions = list(margins)
    rows = await Member.select(*[getattr(Member, c) for c in profile_columns(dimensions)]).where(
        Member.status == "active"
    )
    report: dict[str, Any] = {"active": len(rows), "dimensions": [], "recruit_next": []}
    candidates = []
    for dimension in dimensions:
        population = margins[dimension]
        counts: dict[str, int] = {}
        for row in rows:
            code = member_code(row, dimension)
            counts[code] = counts.get(code, 0) + 1
        known, shares = group_shares(counts, population)
        groups = []
        for share in shares:
            entry: dict[str, Any] = {
                "group": share.group,
                "label": label(dimension, share.group),
                "members": share.members,
                "population": population[share.group],
                "panel_share": round(share.panel_share, 4),
                "population_share": round(share.population_share, 4),
                "gap_points": share.gap_points,
                "ratio": (
                    round(share.panel_share / share.population_share, 2)
                    if share.population_share
                    else None
                ),
                "shortfall": max(0, round(share.population_share * known - share.members)),
            }
            groups.append(entry)
            if entry["shortfall"] > 0:
                candidates.append({"dimension": dimension, **entry})
        report["dimensions"].append(
            {
                "dimension": dimension,
                "title": title(dimension),
                "members_counted": known,
                "not_in_margins": len(rows) - known,
                "groups": groups,
            }
        )
    candidates.sort(key=lambda g: (g["ratio"] if g["ratio"] is not None else 0, -g["shortfall"]))
    report["recruit_next"] = [
        {
            "rank": rank,
            "dimension": g["dimension"],
            "group": g["group"],
            "label": g["label"],
            "gap_points": g["gap_points"],
            "ratio": g["ratio"],
            "shortfall": g["shortfall"],
        }
        for rank, g in enumerate(candidates[:top], start=1)
    ]
    return report


def text_report(report: dict[str, Any]) -> str:
    """The readable CLI version."""
    lines = [f"{report['active']:,} active members."]
    for dim in report["dimensions"]:
        lines.append("")
        lines.append(f"{dim['title']} ({dim['not_in_margins']:,} members not in the margins)")
        lines.append(f"  {'group':<28}{'members':>8}{'panel':>8}{'pop.':>8}{'gap':>7}{'ratio':>7}")
        for g in dim["groups"]:
            ratio = "" if g["ratio"] is None else f"{g['ratio']:.2f}"
            lines.append(
                f"  {g['label'][:27]:<28}{g['members']:>8,}{g['panel_share']:>8.1%}"
                f"{g['population_share']:>8.1%}{g['gap_points']:>+7.1f}{ratio:>7}"
            )
    lines.append("")
    lines.append("Recruit next:")
    for g in report["recruit_next"]:
        lines.append(
            f"  {g['rank']}. {g['dimension']}={g['group']} ({g['label']}): ratio {g['ratio']}, "
            f"{g['gap_points']:+.1f} points, {g['shortfall']:,} members short"
        )
    return "\n".join(lines)
