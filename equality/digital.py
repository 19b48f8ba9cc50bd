"""The digital-exclusion lens: who a move to online-only would leave behind.

For a proposed channel shift (bulky-waste booking, payments going online
only) the digital-inclusion survey says, by characteristic, who has no home
internet, who lacks the foundation digital skills (any of the eight tasks of
the Essential Digital Skills framework answered "cannot") and who is not
confident online and would need help — each as an `equality.assess` of that
measure (so with CIs, gaps, adjusted tests and the same disclosure control;
"adverse" here means *more* excluded), plus how many residents that is in
the borough: the weighted total with its interval, which means residents only
when the design is weighted (raked) to the borough's population.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import Design
from equality.disclosure import round_counts
from equality.disparity import Assessment, EqualityError, assess

Measure = Callable[[pd.DataFrame], pd.Series] | tuple[str, Sequence[Hashable]]


def _no_home_internet(data: pd.DataFrame) -> pd.Series:
    return _levels(data, "home_internet", ["no"])


def _lacks_foundation_skills(data: pd.DataFrame) -> pd.Series:
    cols = [c for c in data.columns if c.startswith("foundation_skills__")]
    if not cols:
        raise EqualityError("no foundation_skills__* columns (the skills grid) in the data")
    parts = [_levels(data, c, ["cannot"]) for c in cols]
    stacked = pd.concat(parts, axis=1)
    answered = stacked.notna().any(axis=1)
    return stacked.max(axis=1).where(answered)


def _needs_help(data: pd.DataFrame) -> pd.Series:
    return _levels(data, "confidence", ["not_very_confident", "not_at_all_confident"])


def _levels(data: pd.DataFrame, column: str, codes: Sequence[Hashable]) -> pd.Series:
    """1/0/NaN: answered one of ``codes`` (codes or, after `analysis.label`, their labels)."""
    if column not in data.columns:
        raise EqualityError(f"column {column!r} is not in the data")
    col = data[column]
    wanted = {str(c).lower() for c in codes}
    labels = {}
    for v in (data.attrs.get("codebook") or {}).get("variables", []):
        if v.get("name") == column:
            labels = {str(k): str(lab) for k, lab in (v.get("values") or {}).items()}
    wanted |= {labels[c].lower() for c in map(str, codes) if c in labels}
    wanted |= {
        "no, i cannot do this" if c == "cannot" else "no" if c == "no" else c for c in wanted
    }
    # one decision per distinct answer, then spread over the rows (fast on 10⁵ rows)
    codes_of_rows, uniques = pd.factorize(col, use_na_sentinel=True)
    value = [str(u).lower() for u in uniques]
    table = np.array(
        [np.nan if v in NOT_AN_ANSWER else float(v in wanted) for v in value] + [np.nan]
    )
    return pd.Series(table[codes_of_rows], index=data.index)


#: answers that say nothing about the measure (missing, like a skipped question)
NOT_AN_ANSWER = frozenset({"dont_know", "don't know", "prefer_not_to_say"})


#: the three measures of the issue, by the digital-inclusion bank's question ids
MEASURES: dict[str, Measure] = {
    "No home internet": _no_home_internet,
    "Lacks the foundation digital skills": _lacks_foundation_skills,
    "Not confident online (would need help)": _needs_help,
}


@dataclass
class DigitalExclusion:
    """Per measure: the borough-wide estimate and total, and the assessment by group."""

    overall: pd.DataFrame
    assessments: dict[str, Assessment]
    skipped: dict[str, str]
    #: "raked" (totals are residents), "weighted" (design weights) or "unweighted"
    #: (totals count respondents, not residents)
    weighting: str = "unweighted"


def digital_exclusion(
    design: Design,
    characteristics: Sequence[str] | None = None,
    *,
    measures: Mapping[str, Measure] | None = None,
    min_n: int = 10,
    alpha: float = 0.05,
    adjust: str | None = "holm",
    round_to: int | None = None,
) -> DigitalExclusion:
    """Estimate who a channel shift would affect, by characteristic, with CIs.

    ``measures`` maps a name to a function of the data returning 1/0/NaN, or
    to ``(column, levels)``; the default is `MEASURES`.  A measure whose
    questions are not in the data is skipped and listed in ``skipped``.
    """
    chosen = dict(measures or MEASURES)
    data = design.data
    derived: dict[str, pd.Series] = {}
    skipped: dict[str, str] = {}
    for name, m in chosen.items():
        try:
            derived[name] = m(data) if callable(m) else _levels(data, m[0], m[1])
        except EqualityError as exc:
            skipped[name] = str(exc)
    if not derived:
        raise EqualityError(
            "none of the digital-exclusion measures can be made from this survey: "
            + "; ".join(f"{k}: {v}" for k, v in skipped.items())
        )
    columns = {name: f"_digital_{i}" for i, name in enumerate(derived)}
    extended = copy.copy(design)
    extended.data = data.assign(**{columns[k]: v.to_numpy() for k, v in derived.items()})
    rows = []
    results: dict[str, Assessment] = {}
    for name, col in columns.items():
        y = extended.data[col]
        if y.notna().sum() == 0:
            skipped[name] = "nobody answered"
            continue
        n = int(y.notna().sum())
        prop = extended.mean(col, confidence=1 - alpha) if n else None
        total = extended.total(col, confidence=1 - alpha)
        row = {
            "measure": name,
            "n": n,
            "estimate": float(prop["estimate"].iloc[0]) if prop is not None else np.nan,
            "ci_low": float(prop["ci_low"].iloc[0]) if prop is not None else np.nan,
            "ci_high": float(prop["ci_high"].iloc[0]) if prop is not None else np.nan,
            "residents": float(total["estimate"].iloc[0]),
            "residents_ci_low": max(float(total["ci_low"].iloc[0]), 0.0),
            "residents_ci_high": float(total["ci_high"].iloc[0]),
        }
        rows.append(row)
        try:
            results[name] = assess(
                extended,
                col,
                characteristics,
                min_n=min_n,
                alpha=alpha,
                adjust=adjust,
                higher_is_better=False,
                round_to=round_to,
            )
            results[name].outcome_label = name
        except EqualityError as exc:
            skipped[name] = str(exc)
    overall = pd.DataFrame(rows)
    if not overall.empty:
        small = overall["n"] < min_n
        overall.loc[small, [c for c in overall.columns if c not in ("measure",)]] = np.nan
        if round_to:
            overall["n"] = round_counts(overall["n"], round_to)
    weighting = (
        "raked"
        if design.is_raked
        else "weighted"
        if design.weights_column is not None
        else "unweighted"
    )
    return DigitalExclusion(
        overall=overall, assessments=results, skipped=skipped, weighting=weighting
    )
