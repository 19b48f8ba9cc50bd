"""A survey measure's value for one period, from a labelled response frame.

Pandas in, `Value` out: the frame is what `analysis.load` / `read_export` give (labels, the
fixed columns including ``submitted_at``), so this works in a notebook as it does in the
service. Problems with the data (question not asked in the version answered in the period,
no responses in the period, weighting that fails) become the value's ``note``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
import pandas as pd

from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.measures.model import Measure, Period
from analysis.measures.status import Value
from analysis.raking import rake

Margins = Mapping[str, Mapping[Hashable, float]]


def in_period(frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Responses submitted within ``period`` (UTC dates)."""
    when = pd.to_datetime(frame["submitted_at"], utc=True)
    start = pd.Timestamp(period.start, tz="UTC")
    end = pd.Timestamp(period.end, tz="UTC")
    return frame[(when >= start) & (when < end)]


def _outcome(measure: Measure, frame: pd.DataFrame) -> tuple[pd.DataFrame, str] | str:
    """(frame with the outcome column, its name) or the reason there is none."""
    src = measure.source
    question = str(src["question"])
    versions = ", ".join(str(v) for v in sorted(frame["version"].dropna().unique()))
    if src.get("items") == "any":
        cols = [c for c in frame.columns if c.startswith(f"{question}__")]
        if not cols:
            return f"question {question!r} is not in {src['survey']} version {versions}"
        levels = {str(x) for x in src["levels"]}
        answered = frame[cols].notna().any(axis=1)
        hit = frame[cols].isin(levels).any(axis=1)
        name = f"__{question}_any"
        flag = pd.Series(np.where(hit, "yes", "no"), index=frame.index).where(answered)
        out = frame.assign(**{name: flag})
        return out, name
    if question not in frame.columns or frame[question].isna().all():
        return (
            f"question {question!r} was not asked in {src['survey']} version {versions} "
            "(the version answered in this period)"
        )
    return frame, question


def period_design(
    measure: Measure, frame: pd.DataFrame, period: Period, *, margins: Margins | None = None
) -> tuple[Design, str, str] | str:
    """(design, outcome column, weighting note) for the measure's responses in ``period``, or
    the reason there is none. The design is raked when the measure says so; the equality
    notes of a measure assess the same design, so both use the same respondents and weights.
    """
    src = measure.source
    rows = in_period(frame, period) if not frame.empty else frame
    for column, allowed in (src.get("where") or {}).items():
        if column not in rows.columns:
            return f"filter column {column!r} is not in the survey"
        allowed = allowed if isinstance(allowed, list) else [allowed]
        rows = rows[rows[column].isin([str(a) for a in allowed])]
    if rows.empty:
        return f"no responses to {src['survey']} in {period.label}"
    found = _outcome(measure, rows)
    if isinstance(found, str):
        return found
    rows, column = found
    design = Design(rows.reset_index(drop=True))
    note = "unweighted"
    if src.get("weighting", "raked") == "raked":
        if not margins:
            return "weighting is 'raked' but no margins were given"
        usable = {c: m for c, m in margins.items() if c in rows.columns}
        missing = [c for c in usable if rows[c].isna().any()]
        if missing:
            names = ", ".join(c.removeprefix("panel_") for c in missing)
            count = int(rows[missing].isna().any(axis=1).sum())
            return (
                f"weighting failed: {count} of {len(rows)} responses in {period.label} have no "
                f"panel profile for {names} (answered without a panel link, or the profile is "
                "incomplete), so they cannot be raked; this measure is not reported"
            )
        try:
            design = rake(design, usable)
        except AnalysisError as error:
            return f"weighting failed: {error}"
        note = "raked to " + ", ".join(c.removeprefix("panel_") for c in usable)
    return design, column, note


def outcome_levels(measure: Measure) -> tuple[str, ...]:
    """The answers that count for a proportion measure (``yes`` for an any-item measure)."""
    src = measure.source
    return ("yes",) if src.get("items") == "any" else tuple(map(str, src["levels"]))


def survey_value(
    measure: Measure, frame: pd.DataFrame, period: Period, *, margins: Margins | None = None
) -> Value:
    """The measure's estimate for ``period``, with its confidence interval.

    ``margins`` are what `analysis.rake` takes (``{column: {label: population}}``); a measure
    whose weighting is ``raked`` uses those of them whose column is in the frame.
    """
    src = measure.source
    found = period_design(measure, frame, period, margins=margins)
    if isinstance(found, str):
        return Value(period.label, None, note=found)
    design, column, note = found
    try:
        if src.get("statistic", "proportion") == "mean":
            est = design.mean(column).iloc[0]
            scale = 1.0
        else:
            levels = outcome_levels(measure)
            est = design.proportion(column, list(levels), ci="logit").iloc[0]  # type: ignore[arg-type]
            scale = 100.0
    except AnalysisError as error:
        return Value(period.label, None, note=str(error))
    return Value(
        period.label,
        float(est["estimate"]) * scale,
        float(est["ci_low"]) * scale,
        float(est["ci_high"]) * scale,
        float(est["se"]) * scale,
        float(est["df"]),
        int(est["n"]) if "n" in est else None,
        note,
    )
