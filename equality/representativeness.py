"""Who is missing: respondents (or active panel members) against population margins.

The margins are the council's CSV (columns ``dimension,group,population``, as
the panel uses them): a dimension is a catalogue characteristic (``race``), a
data column (``panel_ethnicity``) or a panel profile name (``ethnicity``,
``age_band``); groups are codes or labels.  For each group the table says how
far the respondents are from the population (share gap in points and the
ratio), and what weighting can and cannot fix: the weighted share, Kish's
effective n of the group after weighting, and a warning when so few people are
in a group that its weights would rest on a handful of them.

Counts below ``min_n`` are suppressed exactly as findings are
(`equality.disclosure`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from equality.characteristics import CATALOGUE, Characteristic, CharacteristicError
from equality.disclosure import suppress

#: a group whose sample share is below this fraction of its population share is flagged
UNDER = 0.8


class MarginsError(ValueError):
    """The margins file or frame is not usable; the message names the row or column."""


def read_margins(path: str | Path) -> pd.DataFrame:
    """Read a ``dimension,group,population`` CSV, checking every row."""
    try:
        frame = pd.read_csv(path, dtype={"dimension": str, "group": str})
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise MarginsError(f"{path}: cannot read margins CSV ({exc})") from exc
    return check_margins(frame, str(path))


def check_margins(frame: pd.DataFrame, where: str = "margins") -> pd.DataFrame:
    missing = [c for c in ("dimension", "group", "population") if c not in frame.columns]
    if missing:
        raise MarginsError(f"{where}: missing column(s) {', '.join(missing)}")
    pop = pd.to_numeric(frame["population"], errors="coerce")
    bad = pop.isna() | (pop < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise MarginsError(
            f"{where}: row {row + 2} population {frame['population'].iloc[row]!r} is not a "
            "non-negative number"
        )
    out = frame[["dimension", "group"]].astype(str).copy()
    out["population"] = pop.astype(float)
    return out


def margins_from_mapping(margins: Mapping[str, Mapping[object, float]]) -> pd.DataFrame:
    """``{dimension: {group: population}}`` (what `analysis.rake` takes) as a margins frame."""
    rows = [(d, str(g), float(p)) for d, m in margins.items() for g, p in m.items()]
    return pd.DataFrame(rows, columns=["dimension", "group", "population"])


def _characteristic_for(dimension: str, columns: list[str]) -> tuple[Characteristic, str]:
    if dimension in CATALOGUE and CATALOGUE[dimension].source_for(columns):
        return CATALOGUE[dimension], dimension
    for col in (dimension, f"panel_{dimension}"):
        if col in columns:
            for ch in CATALOGUE.values():
                if any(s.columns == (col,) for s in ch.sources):
                    return (
                        Characteristic(
                            ch.name,
                            ch.label,
                            ch.categories,
                            tuple(s for s in ch.sources if s.columns == (col,)),
                            ch.protected,
                        ),
                        col,
                    )
            return Characteristic.from_column(dimension, col, label=dimension), col
    raise MarginsError(
        f"margins dimension {dimension!r} is neither a catalogue characteristic in the data "
        f"nor a column ({dimension!r} or 'panel_{dimension}')"
    )


def representativeness(
    respondents: pd.DataFrame,
    margins: pd.DataFrame | Mapping[str, Mapping[object, float]],
    *,
    weights: str | pd.Series | None = None,
    min_n: int = 10,
    round_to: int | None = None,
) -> pd.DataFrame:
    """Sample against population per group, with what weighting can and cannot fix.

    ``respondents`` is one row per respondent (or per active panel member);
    ``weights`` a column or Series of (raked) weights, if any.  Columns:
    ``characteristic, group, n, sample_share, population, population_share,
    gap_points, ratio, under_represented, weighted_share, n_eff, weighting_note,
    suppressed``.
    """
    frame = (
        margins_from_mapping(margins) if isinstance(margins, Mapping) else check_margins(margins)
    )
    if weights is None:
        w = pd.Series(1.0, index=respondents.index)
    elif isinstance(weights, str):
        if weights not in respondents.columns:
            raise MarginsError(f"weights column {weights!r} is not in the data")
        w = respondents[weights].astype(float)
    else:
        w = weights.astype(float)
    columns = list(respondents.columns)
    rows = []
    for dimension, m in frame.groupby("dimension", sort=False):
        ch, _ = _characteristic_for(str(dimension), columns)
        try:
            groups = ch.detailed(respondents)
            pop_groups = ch.detailed(pd.DataFrame({ch.sources[0].columns[0]: m["group"].values}))
        except CharacteristicError as exc:
            raise MarginsError(f"dimension {dimension!r}: {exc}") from exc
        if len(ch.sources[0].columns) > 1 or ch.sources[0].derive is not None:
            pop_groups = pd.Series(m["group"].values)
        pop = pd.Series(m["population"].values, index=pop_groups.values).groupby(level=0).sum()
        answered = groups.notna()
        n_all = int(answered.sum())
        w_all = float(w[answered].sum())
        for group, population in pop.items():
            in_g = (groups == group).to_numpy()
            n = int(in_g.sum())
            wg = w.to_numpy()[in_g]
            share = n / n_all if n_all else np.nan
            pshare = population / pop.sum()
            ratio = share / pshare if pshare > 0 else np.nan
            n_eff = float(wg.sum() ** 2 / (wg * wg).sum()) if n else 0.0
            if n < min_n:
                note = (
                    f"fewer than {min_n} respondents: weighting cannot fix this, it would rest "
                    "on a handful of people"
                )
            elif n_eff < min_n:
                note = f"effective sample after weighting is below {min_n}"
            elif ratio < UNDER:
                note = "under-represented; weighting corrects the share but not the precision"
            else:
                note = ""
            rows.append(
                {
                    "characteristic": ch.label,
                    "group": str(group),
                    "n": n,
                    "sample_share": share,
                    "population": float(population),
                    "population_share": pshare,
                    "gap_points": 100 * (share - pshare),
                    "ratio": ratio,
                    "under_represented": bool(ratio < UNDER),
                    "weighted_share": float(wg.sum() / w_all) if w_all else np.nan,
                    "n_eff": n_eff,
                    "weighting_note": note,
                }
            )
    table = pd.DataFrame(rows)
    if table.empty:
        raise MarginsError("margins have no rows")
    out = suppress(table, min_n=min_n, round_to=round_to, count_columns=("n", "n_eff"))
    # the population figures are public, not survey numbers: never hide them
    out["population"] = table["population"]
    out["population_share"] = table["population_share"]
    return out
