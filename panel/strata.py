"""Stratum allocation for a stratified sample proportional to population margins.

One dimension is classic proportional allocation: each group gets `size × population share`,
rounded by largest remainder so the groups add up to `size`.

Several dimensions at once (say ward and age band, from a margins file that has each as its
own one-way margin) need a sample whose *every* margin is proportional to the population's.
The strata are then the cross-classified cells (ward × age band) that eligible members fall in,
and their allocation is found in three steps:

1. **Integer margin targets**: each dimension's groups get their largest-remainder share of
   `size`, exactly as a one-dimension allocation would (so each margin adds up to `size`).
2. **Raking** (iterative proportional fitting, Deming & Stephan 1940): start each cell at the
   number of eligible members in it and scale the cells of each group in turn until every
   margin matches its target. Starting from the eligible pool keeps the pool's association
   between the dimensions (no cell is asked for members who do not exist: empty cells stay
   empty) while the margins become the population's.
3. **Controlled rounding**: each cell's real target is rounded down or up so that every margin
   still adds up exactly to its integer target, choosing the roundings that move the cells
   least (a small 0/1 integer programme solved by HiGHS through `scipy.optimize.milp`; with two
   dimensions such a rounding always exists, Cox 1987). With three or more dimensions it may
   not: then any whole numbers within each cell's eligible count are allowed (an integer
   programme minimising the total distance from the raked targets), which meets the margins
   exactly whenever any whole-number table of the pool's cells can. When none can (the pool's
   combinations make every exact table fractional), the margins are met as closely as
   possible and each group that is missed is named with by how much in the allocation's
   `shortfalls` ("age_band=16-24: target 42, the strata give 41 (1 short)"), which the draw
   records and every summary shows.

Members whose code on a stratification dimension is blank, or a code the margins do not have,
are not left out of the draw: they form that dimension's `(not known)` group, whose target is
their share of the eligible pool (rounded), the margins' groups sharing the rest. So a member
who preferred not to answer an equality question is as likely to be drawn as the average
eligible member, and the known groups are still proportional to the population.

Dimensions may be cross-classified (`age_band×sex`, `panel.margins`): the stratum code is then
the member's joined codes, and the method is the same.

The members of each cell are then drawn by simple random sampling (`panel.sampling`), so within
a stratum every eligible member has the same chance. The allocation is recorded with the draw,
so a replay never re-runs the optimisation.

Cells are named by their codes joined with `|` in the order of the dimensions (a single
dimension's cell is just its code), which is how `allocation` is keyed.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from panel.margins import member_code

SEPARATOR = "|"
#: the group of members whose code on a dimension is blank or not in the margins
NOT_KNOWN = "(not known)"
RAKE_ITERATIONS = 500
RAKE_TOLERANCE = 1e-9


class AllocationError(ValueError):
    """Strata that cannot be filled; each problem names the stratum and the shortfall."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Allocation:
    #: cell key (codes joined by `|`) -> members to draw from it
    cells: dict[str, int]
    #: dimension -> group -> the integer margin target
    margin_targets: dict[str, dict[str, int]]
    #: each margin group the rounded strata miss, and by how much (empty: all met exactly)
    shortfalls: list[str] = field(default_factory=list)


def stratum_code(
    profile: Mapping[str, str],
    dimension: str,
    known: Mapping[str, Collection[str]] | None = None,
) -> str:
    """The member's group on `dimension`; with `known` groups, anything else is NOT_KNOWN."""
    code = member_code(profile, dimension)
    if known is not None and code not in known.get(dimension, ()):
        return NOT_KNOWN
    return code


def cell_key(
    profile: Mapping[str, str],
    dimensions: Sequence[str],
    known: Mapping[str, Collection[str]] | None = None,
) -> str:
    return SEPARATOR.join(stratum_code(profile, d, known) for d in dimensions)


def known_groups(margin_targets: Mapping[str, Mapping[str, int]]) -> dict[str, set[str]]:
    """The margins' own groups per dimension, from an allocation's (recorded) targets."""
    return {d: set(groups) - {NOT_KNOWN} for d, groups in margin_targets.items()}


def largest_remainder(size: int, population: Mapping[str, int]) -> dict[str, int]:
    """Split `size` across groups in proportion to population (largest remainder, ties by name)."""
    total = sum(population.values())
    if total <= 0:
        raise AllocationError(["the margins for the strata add up to no one"])
    exact = {g: size * p / total for g, p in population.items()}
    result = {g: int(x) for g, x in exact.items()}
    left = size - sum(result.values())
    for group in sorted(exact, key=lambda g: (-(exact[g] - result[g]), g))[:left]:
        result[group] += 1
    return result


def _label(dimensions: Sequence[str], key: str) -> str:
    return ", ".join(f"{d}={v}" for d, v in zip(dimensions, key.split(SEPARATOR), strict=True))


def allocate_strata(
    size: int,
    dimensions: Sequence[str],
    margins: Mapping[str, Mapping[str, int]],
    profiles: Mapping[int, Mapping[str, str]],
) -> Allocation:
    """How many to draw from each stratum (see the module docstring for the method)."""
    known = {d: set(margins[d]) for d in dimensions}
    counts = Counter(cell_key(p, dimensions, known) for p in profiles.values())
    targets = {}
    for d_index, dimension in enumerate(dimensions):
        unknown = sum(n for k, n in counts.items() if k.split(SEPARATOR)[d_index] == NOT_KNOWN)
        share = math.floor(size * unknown / len(profiles) + 0.5) if profiles else 0
        targets[dimension] = largest_remainder(size - share, margins[dimension])
        if unknown:
            targets[dimension][NOT_KNOWN] = share
    problems: list[str] = []
    if len(dimensions) == 1:
        (dimension,) = dimensions
        cells = targets[dimension]
        problems = [
            f"{dimension}={group}: need {want:,}, only {counts.get(group, 0):,} eligible"
            for group, want in cells.items()
            if counts.get(group, 0) < want
        ]
        if problems:
            raise AllocationError(problems)
        return Allocation(dict(cells), targets)
    # only cells whose every code has a margin can be drawn from
    keys = sorted(
        k
        for k in counts
        if all(v in targets[d] for d, v in zip(dimensions, k.split(SEPARATOR), strict=True))
    )
    codes = [k.split(SEPARATOR) for k in keys]
    for d_index, dimension in enumerate(dimensions):
        held: Counter[str] = Counter()
        for key, code in zip(keys, codes, strict=True):
            held[code[d_index]] += counts[key]
        for group, want in targets[dimension].items():
            if want and held[group] < want:
                problems.append(
                    f"{dimension}={group}: need {want:,}, only {held[group]:,} eligible"
                )
    if problems:
        raise AllocationError(problems)
    exact = _rake(keys, codes, counts, dimensions, targets)
    problems = [
        f"{_label(dimensions, key)}: need {math.floor(x + 1e-9):,}, only {counts[key]:,} eligible"
        for key, x in zip(keys, exact, strict=True)
        if math.floor(x + 1e-9) > counts[key]
    ]
    if problems:
        raise AllocationError(problems)
    rounded = _controlled_round(keys, codes, counts, dimensions, targets, exact, size)
    if _misses(rounded, codes, dimensions, targets):
        rounded = _exact_integers(keys, codes, counts, dimensions, targets, exact, size) or rounded
    return Allocation(
        {k: n for k, n in zip(keys, rounded, strict=True) if n},
        targets,
        _misses(rounded, codes, dimensions, targets),
    )


def _misses(
    rounded: Sequence[int],
    codes: list[list[str]],
    dimensions: Sequence[str],
    targets: Mapping[str, Mapping[str, int]],
) -> list[str]:
    """Each margin group the rounded cells do not add up to, with by how much."""
    out = []
    for d_index, dimension in enumerate(dimensions):
        got: Counter[str] = Counter()
        for n, code in zip(rounded, codes, strict=True):
            got[code[d_index]] += n
        for group, want in sorted(targets[dimension].items()):
            if got[group] != want:
                gap = got[group] - want
                how = f"{-gap:,} short" if gap < 0 else f"{gap:,} over"
                out.append(
                    f"{dimension}={group}: target {want:,}, the strata give {got[group]:,} ({how})"
                )
    return out


def _exact_integers(
    keys: list[str],
    codes: list[list[str]],
    counts: Mapping[str, int],
    dimensions: Sequence[str],
    targets: Mapping[str, Mapping[str, int]],
    exact: np.ndarray,
    size: int,
) -> list[int] | None:
    """Whole numbers within each cell's pool meeting every margin exactly, nearest the raked
    targets (L1), or None when no such table exists."""
    from scipy.optimize import Bounds, LinearConstraint, milp  # ~0.4 s: only when needed

    groups = _membership(codes, dimensions, targets)
    n_cells = len(keys)
    # variables: x per cell (integer), then distance above and below the raked target per cell
    n_vars = 3 * n_cells
    cost = np.concatenate([np.zeros(n_cells), np.ones(2 * n_cells)])
    rows = [np.concatenate([mask.astype(float), np.zeros(2 * n_cells)]) for _, _, mask in groups]
    low = [float(targets[d][g]) for d, g, _ in groups]
    rows.append(np.concatenate([np.ones(n_cells), np.zeros(2 * n_cells)]))
    low.append(float(size))
    distance = np.hstack([np.eye(n_cells), -np.eye(n_cells), np.eye(n_cells)])
    matrix = np.vstack([np.array(rows), distance])
    bounds_low = np.concatenate([np.array(low), exact])
    cap = np.array([counts[k] for k in keys], dtype=float)
    result = milp(
        cost,
        constraints=LinearConstraint(matrix, bounds_low, bounds_low),
        integrality=np.concatenate([np.ones(n_cells), np.zeros(2 * n_cells)]),
        bounds=Bounds(np.zeros(n_vars), np.concatenate([cap, np.full(2 * n_cells, np.inf)])),
    )
    if result.x is None or not result.success:
        return None
    return [round(x) for x in result.x[:n_cells]]


def _membership(
    codes: list[list[str]], dimensions: Sequence[str], targets: Mapping[str, Mapping[str, int]]
) -> list[tuple[str, str, np.ndarray]]:
    rows = []
    for d_index, dimension in enumerate(dimensions):
        for group in sorted(targets[dimension]):
            mask = np.array([c[d_index] == group for c in codes], dtype=bool)
            rows.append((dimension, group, mask))
    return rows


def _rake(
    keys: list[str],
    codes: list[list[str]],
    counts: Mapping[str, int],
    dimensions: Sequence[str],
    targets: Mapping[str, Mapping[str, int]],
) -> np.ndarray:
    cells = np.array([counts[k] for k in keys], dtype=float)
    groups = _membership(codes, dimensions, targets)
    for _ in range(RAKE_ITERATIONS):
        worst = 0.0
        for dimension, group, mask in groups:
            want = targets[dimension][group]
            have = cells[mask].sum()
            if have > 0:
                worst = max(worst, abs(have - want))
                cells[mask] *= want / have
        if worst < RAKE_TOLERANCE:
            return cells
    # not converged: the margins contradict the pool's empty cells
    off = [
        f"{d}={g}: reaches {cells[m].sum():.1f} of {targets[d][g]:,}"
        for d, g, m in groups
        if abs(cells[m].sum() - targets[d][g]) > 0.5
    ]
    if off:
        raise AllocationError(
            ["the margins cannot all be met from the eligible members' combinations", *off]
        )
    return cells


def _controlled_round(
    keys: list[str],
    codes: list[list[str]],
    counts: Mapping[str, int],
    dimensions: Sequence[str],
    targets: Mapping[str, Mapping[str, int]],
    exact: np.ndarray,
    size: int,
) -> list[int]:
    """Round each cell down or up so the margins stay exact (or as near as can be)."""
    from scipy.optimize import Bounds, LinearConstraint, milp  # ~0.4 s: only when needed

    floor = np.floor(exact + 1e-9)
    fraction = exact - floor
    cap = np.array([counts[k] for k in keys], dtype=float)
    up_allowed = (fraction > 1e-9) & (floor + 1 <= cap)
    groups = _membership(codes, dimensions, targets)
    n_cells, n_groups = len(keys), len(groups)
    # variables: y (round up, 0/1) per cell, then slack over and under per margin group
    n_vars = n_cells + 2 * n_groups
    cost = np.concatenate([1 - 2 * fraction, np.full(2 * n_groups, 1000.0)])
    matrix = np.zeros((n_groups + 1, n_vars))
    low = np.zeros(n_groups + 1)
    for row, (dimension, group, mask) in enumerate(groups):
        matrix[row, :n_cells] = mask
        matrix[row, n_cells + row] = -1.0  # over
        matrix[row, n_cells + n_groups + row] = 1.0  # under
        low[row] = targets[dimension][group] - floor[mask].sum()
    matrix[n_groups, :n_cells] = 1.0
    low[n_groups] = size - floor.sum()
    upper = np.concatenate([up_allowed.astype(float), np.full(2 * n_groups, np.inf)])
    result = milp(
        cost,
        constraints=LinearConstraint(matrix, low, low),
        integrality=np.concatenate([np.ones(n_cells), np.zeros(2 * n_groups)]),
        bounds=Bounds(np.zeros(n_vars), upper),
    )
    if result.x is None:
        raise AllocationError(
            [f"the strata cannot be rounded to a sample of {size:,}: {result.message}"]
        )
    return [int(f + round(y)) for f, y in zip(floor, result.x[:n_cells], strict=True)]
