"""Sample draws: simple random, stratified proportional to margins, and quota selection.

A draw is a pure function of (method, size, the eligible members' profile codes in id order,
seed, quotas or stratum allocation), so recording those inputs is enough to replay it and show
it gives the same people (`replay_draw`). Contact rules (`panel.contact_rules`) decide who is
eligible before any method runs.

Stratified samples may stratify by one dimension or several at once; `panel.strata` explains
the allocation (largest remainder for one margin; raking and controlled rounding of the
cross-classified cells for several) and the members of each stratum are a simple random sample.

Quota selection uses the Sortition Foundation's `sortition-algorithms` with its `legacy`
algorithm (the greedy stratified lottery the Foundation used before the Nature 2021 work):
the LP-based `maximin`/`leximin`/`nash` algorithms compute a fair distribution over committees
and take minutes on a panel of 100,000, while legacy draws 1,000 in about a second with our
indexed pool (`panel.sortition.IndexedPeople`). Members are fairly chosen at random within the
most urgently needed quota group at each step. That code lives in `panel.sortition`, imported
only by a quota draw.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from panel.contact_rules import ContactRules, Pool, eligible_pool
from panel.margins import Margins, canonical, is_dimension, profile_columns
from panel.services import PROFILE_COLUMNS
from panel.strata import (
    SEPARATOR,
    AllocationError,
    allocate_strata,
    cell_key,
    known_groups,
    largest_remainder,
    stratum_code,
)
from panel.tables import Draw, DrawMember, Member

METHODS = ("random", "stratified", "quota")
QUOTA_COLUMNS = ("dimension", "group", "min", "max")
HEADER = ",".join(QUOTA_COLUMNS)
DIMENSIONS = ", ".join(PROFILE_COLUMNS)
#: sortition-algorithms refuses blank values; a blank profile code travels under this name.
BLANK = "(blank)"
MAX_SEED = 2**31 - 1


class SampleError(ValueError):
    """A draw that cannot be made; `problems` says each reason (nothing was recorded)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Quota:
    dimension: str
    group: str
    min: int
    max: int


def parse_quotas(text: str, name: str = "quotas") -> list[Quota]:
    """Quotas from CSV `dimension,group,min,max`; every problem by row and column."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in QUOTA_COLUMNS if c not in header]
    if missing:
        raise SampleError([f"{name}: the header must have {HEADER}; missing {', '.join(missing)}"])
    problems: list[str] = []
    quotas: list[Quota] = []
    seen: set[tuple[str, str]] = set()
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        where = f"{name} row {number}"
        if row["dimension"] not in PROFILE_COLUMNS:
            problems.append(f"{where}, dimension: {row['dimension']!r} is not one of {DIMENSIONS}")
            continue
        bounds: dict[str, int] = {}
        for column in ("min", "max"):
            try:
                bounds[column] = int(row[column])
                if bounds[column] < 0:
                    raise ValueError
            except ValueError:
                problems.append(f"{where}, {column}: {row[column]!r} is not a whole number")
        if len(bounds) < 2:
            continue
        if bounds["min"] > bounds["max"]:
            problems.append(f"{where}: min {bounds['min']} is more than max {bounds['max']}")
            continue
        key = (row["dimension"], row["group"])
        if key in seen:
            problems.append(f"{where}: {key[0]}={key[1]} appears twice")
            continue
        seen.add(key)
        quotas.append(Quota(row["dimension"], row["group"], bounds["min"], bounds["max"]))
    if problems:
        raise SampleError(problems)
    if not quotas:
        raise SampleError([f"{name}: no quota rows"])
    return quotas


def read_quotas(path: Path) -> list[Quota]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SampleError([f"{path.name}: cannot read: {error}"]) from None
    return parse_quotas(text, path.name)


def _code(value: str) -> str:
    return value or BLANK


def check_quotas(
    quotas: list[Quota], profiles: Mapping[int, Mapping[str, str]], size: int
) -> list[str]:
    """Every reason the quotas cannot be met from these members, with the shortfall."""
    problems: list[str] = []
    dimensions = list(dict.fromkeys(q.dimension for q in quotas))
    counts = {d: Counter(p[d] for p in profiles.values()) for d in dimensions}
    for quota in quotas:
        have = counts[quota.dimension][quota.group]
        if have < quota.min:
            problems.append(
                f"{quota.dimension}={quota.group}: need at least {quota.min:,}, "
                f"only {have:,} eligible"
            )
    for dimension in dimensions:
        listed = {q.group: q for q in quotas if q.dimension == dimension}
        minimum = sum(q.min for q in listed.values())
        if minimum > size:
            problems.append(
                f"{dimension}: the minimums add up to {minimum:,}, more than the sample "
                f"size of {size:,}"
            )
        reachable = sum(
            min(have, listed[group].max) if group in listed else have
            for group, have in counts[dimension].items()
        )
        if reachable < size:
            problems.append(
                f"{dimension}: at most {reachable:,} eligible members fit the maximums, "
                f"fewer than the sample size of {size:,}"
            )
    return problems


# --- stratified: allocation proportional to the margins (`panel.strata`), random within ---


def allocate(size: int, population: Mapping[str, int]) -> dict[str, int]:
    """Split `size` across groups in proportion to population (largest remainder, ties by name)."""
    try:
        return largest_remainder(size, population)
    except AllocationError as error:
        raise SampleError(error.problems) from None


def stratify_dimensions(stratify: str | Sequence[str] | None) -> list[str]:
    """`stratify` as a list of dimensions: one name, several, or `"ward,sex"`."""
    if not stratify:
        return []
    items = [stratify] if isinstance(stratify, str) else list(stratify)
    names = [canonical(n) for item in items for n in str(item).split(",")]
    return list(dict.fromkeys(n for n in names if n))


def stratified_select(
    allocation: Mapping[str, int],
    dimensions: str | Sequence[str],
    profiles: Mapping[int, Mapping[str, str]],
    seed: int,
    margin_targets: Mapping[str, Mapping[str, int]] | None = None,
) -> list[int]:
    """Simple random samples of each stratum's allocation, strata in name order.

    With `margin_targets`, codes outside the margins are the `(not known)` stratum (draws recorded
    before that group existed have none, and never allocated those members, so they replay the
    same without it)."""
    dims = stratify_dimensions(dimensions)
    known = known_groups(margin_targets) if margin_targets else None
    by_cell: dict[str, list[int]] = {}
    for member_id, profile in profiles.items():
        by_cell.setdefault(cell_key(profile, dims, known), []).append(member_id)
    problems = [
        f"{_cell_label(dims, cell)}: need {want:,}, only {len(by_cell.get(cell, [])):,} eligible"
        for cell, want in allocation.items()
        if len(by_cell.get(cell, [])) < want
    ]
    if problems:
        raise SampleError(problems)
    rng = random.Random(seed)
    drawn: list[int] = []
    for cell in sorted(allocation):
        drawn.extend(rng.sample(by_cell.get(cell, []), allocation[cell]))
    return drawn


def _cell_label(dimensions: Sequence[str], cell: str) -> str:
    values = cell.split(SEPARATOR) if len(dimensions) > 1 else [cell]
    return ", ".join(f"{d}={v}" for d, v in zip(dimensions, values, strict=False))


def random_select(member_ids: list[int], size: int, seed: int) -> list[int]:
    return random.Random(seed).sample(member_ids, size)


# --- a draw: request, checks, selection, record ---


@dataclass
class DrawRequest:
    size: int
    rules: ContactRules
    method: str = "random"
    quotas: list[Quota] = field(default_factory=list)
    #: one dimension, or several (strata are then their cross-classified cells, `panel.strata`)
    stratify: str | Sequence[str] | None = None
    margins: Margins | None = None
    seed: int | None = None
    created_by: str = ""


@dataclass
class DrawResult:
    draw_id: int
    seed: int
    method: str
    eligible: int
    drawn: list[dict[str, Any]]  # reference + each quota or strata dimension
    dimensions: list[str]
    excluded: dict[str, int]
    rules: dict[str, Any]
    quotas: list[dict[str, Any]]
    allocation: dict[str, int]
    created_by: str
    created_at: dt.datetime
    #: stratified: dimension -> group -> integer margin target
    margin_targets: dict[str, dict[str, int]] = field(default_factory=dict)
    #: stratified: the stratification dimensions (`dimensions` holds their profile columns)
    stratify: list[str] = field(default_factory=list)
    #: stratified: each margin group the strata could not meet exactly, and by how much
    shortfalls: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        """The `--json` document (the issue's contract)."""
        return {
            "draw_id": self.draw_id,
            "seed": self.seed,
            "method": self.method,
            "eligible": self.eligible,
            "drawn": self.drawn,
        }

    def against_quotas(self) -> list[dict[str, Any]]:
        """Each quota with how many were drawn, for summaries."""
        rows = []
        for quota in self.quotas:
            got = sum(1 for d in self.drawn if d[quota["dimension"]] == quota["group"])
            rows.append({**quota, "drawn": got})
        return rows

    def against_strata(self) -> list[dict[str, Any]]:
        """Each stratification margin's groups: the target and how many were drawn."""
        if not self.dimensions or self.method != "stratified":
            return []
        stratify = self.stratify or self.dimensions
        targets = self.margin_targets or {stratify[0]: self.allocation}
        known = known_groups(targets)
        rows: list[dict[str, Any]] = []
        for dimension in stratify:
            got = Counter(stratum_code(d, dimension, known) for d in self.drawn)
            rows.extend(
                {"dimension": dimension, "group": g, "target": n, "drawn": got[g]}
                for g, n in sorted(targets.get(dimension, {}).items())
            )
        return rows


def new_seed() -> int:
    return secrets.randbelow(MAX_SEED - 1) + 1


def _dimensions(
    method: str, quotas: list[Quota], stratify: str | Sequence[str] | None
) -> list[str]:
    if method == "quota":
        return list(dict.fromkeys(q.dimension for q in quotas))
    if method == "stratified":
        return profile_columns(stratify_dimensions(stratify))
    return []


def _validate(request: DrawRequest) -> None:
    problems = []
    if request.method not in METHODS:
        problems.append(f"method must be one of {', '.join(METHODS)}, not {request.method!r}")
    if request.size < 1:
        problems.append(f"size must be 1 or more, not {request.size}")
    if request.seed is not None and not 1 <= request.seed <= MAX_SEED:
        problems.append(f"seed must be between 1 and {MAX_SEED}, not {request.seed}")
    if request.method == "quota" and not request.quotas:
        problems.append("a quota sample needs quotas")
    if request.method == "stratified":
        dimensions = stratify_dimensions(request.stratify)
        if not dimensions:
            problems.append(f"stratify by one or more of {DIMENSIONS}")
        for dimension in dimensions:
            if not is_dimension(dimension):
                problems.append(
                    f"stratify: {dimension!r} is not one of {DIMENSIONS} (or a "
                    "cross-classification of them, such as age_band×sex)"
                )
            elif not request.margins or dimension not in request.margins:
                problems.append(f"the margins have no {dimension} rows to stratify by")
    if problems:
        raise SampleError(problems)


def select(
    method: str,
    size: int,
    profiles: Mapping[int, Mapping[str, str]],
    seed: int,
    *,
    quotas: list[Quota],
    stratify: str | Sequence[str] | None,
    allocation: Mapping[str, int],
    margin_targets: Mapping[str, Mapping[str, int]] | None = None,
) -> list[int]:
    """The members a draw picks: a pure function of its inputs (what replay relies on)."""
    if size > len(profiles):
        raise SampleError(
            [f"a sample of {size:,} is larger than the {len(profiles):,} eligible members"]
        )
    if method == "quota":
        # imported here: sortition-algorithms (with gspread and oauth2client behind it) costs
        # about a second at import, which every CLI start and web process would otherwise pay
        from panel.sortition import quota_select

        return quota_select(quotas, profiles, size, seed)
    if method == "stratified":
        assert stratify is not None
        return stratified_select(allocation, stratify, profiles, seed, margin_targets)
    return random_select(list(profiles), size, seed)


async def draw_sample(request: DrawRequest) -> DrawResult:
    """Apply the contact rules, draw, and record the draw; nothing is recorded if it fails."""
    _validate(request)
    seed = request.seed or new_seed()
    pool: Pool = await eligible_pool(request.rules, seed=seed)
    allocation: dict[str, int] = {}
    margin_targets: dict[str, dict[str, int]] = {}
    shortfalls: list[str] = []
    stratify = stratify_dimensions(request.stratify) if request.method == "stratified" else []
    if stratify:
        assert request.margins
        if request.size > len(pool.profiles):
            raise SampleError(
                [
                    f"a sample of {request.size:,} is larger than the {len(pool.profiles):,} "
                    "eligible members"
                ]
            )
        try:
            plan = allocate_strata(request.size, stratify, request.margins, pool.profiles)
        except AllocationError as error:
            raise SampleError(error.problems) from None
        allocation, margin_targets, shortfalls = plan.cells, plan.margin_targets, plan.shortfalls
    drawn = select(
        request.method,
        request.size,
        pool.profiles,
        seed,
        quotas=request.quotas,
        stratify=stratify,
        allocation=allocation,
        margin_targets=margin_targets,
    )
    dimensions = _dimensions(request.method, request.quotas, stratify)
    details = {
        "dimensions": dimensions,
        "profiles": {str(m): [p[d] for d in dimensions] for m, p in pool.profiles.items()}
        if dimensions
        else {},
        "excluded": pool.excluded,
        "allocation": allocation,
        "margin_targets": margin_targets,
        "stratify": stratify,
        "shortfalls": shortfalls,
    }
    quotas = [asdict(q) for q in request.quotas]
    now = dt.datetime.now(dt.UTC)
    async with Draw._meta.db.transaction():
        row = (
            await Draw.insert(
                Draw(
                    method=request.method,
                    seed=str(seed),
                    size=request.size,
                    rules=request.rules.as_dict(),
                    quotas=quotas,
                    eligible=list(pool.profiles),
                    details=details,
                    created_by=request.created_by,
                    created_at=now,
                )
            ).returning(Draw.id)
        )[0]
        draw_id = int(row["id"])
        members = [
            DrawMember(draw=draw_id, member=m, position=i) for i, m in enumerate(drawn, start=1)
        ]
        for start in range(0, len(members), 500):
            await DrawMember.insert(*members[start : start + 500])
    references = {
        r["id"]: r["reference"]
        for r in await Member.select(Member.id, Member.reference).where(
            Member.id.is_in(drawn or [0])
        )
    }
    return DrawResult(
        draw_id=draw_id,
        seed=seed,
        method=request.method,
        eligible=len(pool.profiles),
        drawn=[
            {"reference": references.get(m, ""), **{d: pool.profiles[m][d] for d in dimensions}}
            for m in drawn
        ],
        dimensions=dimensions,
        excluded=pool.excluded,
        rules=request.rules.as_dict(),
        quotas=quotas,
        allocation=allocation,
        created_by=request.created_by,
        created_at=now,
        margin_targets=margin_targets,
        stratify=stratify,
        shortfalls=shortfalls,
    )


async def _load(draw_id: int) -> dict[str, Any]:
    row = await Draw.select().where(Draw.id == draw_id).output(load_json=True).first()
    if row is None:
        raise KeyError(f"unknown draw id: {draw_id}")
    return row


async def _result(draw_id: int) -> DrawResult:
    from panel.services import draw_members

    row = await _load(draw_id)
    details = row["details"] or {}
    dimensions = details.get("dimensions", [])
    member_ids = await draw_members(draw_id)
    references = {
        r["id"]: r["reference"]
        for r in await Member.select(Member.id, Member.reference).where(
            Member.id.is_in(member_ids or [0])
        )
    }
    profiles = details.get("profiles", {})
    drawn = [
        {
            "reference": references.get(m, ""),
            **dict(zip(dimensions, profiles.get(str(m), []), strict=False)),
        }
        for m in member_ids
    ]
    return DrawResult(
        draw_id=draw_id,
        seed=int(row["seed"]),
        method=row["method"],
        eligible=len(row["eligible"]),
        drawn=drawn,
        dimensions=dimensions,
        excluded=details.get("excluded", {}),
        rules=row["rules"],
        quotas=row["quotas"],
        allocation=details.get("allocation", {}),
        created_by=row["created_by"],
        created_at=row["created_at"],
        margin_targets=details.get("margin_targets", {}),
        stratify=details.get("stratify") or [],
        shortfalls=details.get("shortfalls", []),
    )


async def get_draw(draw_id: int) -> DrawResult:
    """A recorded draw, as it was drawn."""
    return await _result(draw_id)


async def recent_draws(limit: int = 20) -> list[dict[str, Any]]:
    rows = (
        await Draw.select(
            Draw.id, Draw.method, Draw.size, Draw.seed, Draw.created_by, Draw.created_at
        )
        .order_by(Draw.id, ascending=False)
        .limit(limit)
    )
    return rows


@dataclass(frozen=True)
class Replay:
    draw_id: int
    recorded: list[int]
    again: list[int]

    @property
    def same(self) -> bool:
        return self.recorded == self.again


async def replay_draw(draw_id: int) -> Replay:
    """Run a recorded draw again from its recorded inputs; `same` says whether it matched."""
    from panel.services import draw_members

    row = await _load(draw_id)
    details = row["details"] or {}
    dimensions: list[str] = details.get("dimensions", [])
    stored = details.get("profiles", {})
    profiles = {
        int(m): dict(zip(dimensions, stored.get(str(m), []), strict=True)) for m in row["eligible"]
    }
    quotas = [Quota(**q) for q in row["quotas"]]
    again = select(
        row["method"],
        row["size"],
        profiles,
        int(row["seed"]),
        quotas=quotas,
        stratify=details.get("stratify"),
        allocation=details.get("allocation", {}),
        margin_targets=details.get("margin_targets") or None,
    )
    return Replay(draw_id, await draw_members(draw_id), again)
