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
from analysis.errors import AnalysisError, ConvergenceError
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


class DesignCache:
    """Designs already built for a report, so no raked design is built twice.

    Measures on the same survey, period, filter and weighting share one design (raking does
    not depend on the outcome), and the equality notes of a measure assess the design its
    value was estimated on. Keyed by the frame's identity: keep the frame alive as long as
    the cache (one report). ``assessments`` holds what `equality.assess` found, for the
    same reason (the count of adverse groups and the notes read the same findings).
    """

    def __init__(self) -> None:
        self.designs: dict[tuple[object, ...], tuple[Design, str] | str] = {}
        self.rows: dict[tuple[object, ...], pd.DataFrame] = {}
        self.assessments: dict[tuple[object, ...], object] = {}
        self.margins: dict[int, Margins] = {}


def _where_key(where: Mapping[str, object]) -> str:
    """A measure's ``where`` filter as a cache key: the same filter gives the same key."""
    return repr(sorted((str(k), repr(v)) for k, v in where.items()))


def _rows(
    frame: pd.DataFrame, period: Period, where: Mapping[str, object], cache: DesignCache | None
) -> pd.DataFrame | str:
    """The responses in ``period`` that pass the measure's ``where`` filter."""
    key = (id(frame), period.label, _where_key(where))
    if cache is not None and key in cache.rows:
        return cache.rows[key]
    rows = in_period(frame, period) if not frame.empty else frame
    for column, allowed in where.items():
        if column not in rows.columns:
            return f"filter column {column!r} is not in the survey"
        allowed = allowed if isinstance(allowed, list) else [allowed]
        rows = rows[rows[column].isin([str(a) for a in allowed])]
    if cache is not None:
        cache.rows[key] = rows
    return rows


def _label(column: str) -> str:
    return column.removeprefix("panel_")


def usable_margins(
    rows: pd.DataFrame, margins: Margins
) -> tuple[dict[str, Mapping[Hashable, float]], list[str]]:
    """(the margins raking can use on ``rows``, why each of the others cannot be used).

    A small sample often has no respondent at all in some group of a margin (a period's
    responses from 9 of 12 wards): raking cannot give weight to people who are not there, so
    that margin is dropped and the note names it and the empty groups, rather than the whole
    measure failing. Collapsing would need a rule for which groups are neighbours, which the
    margins do not carry.
    """
    usable: dict[str, Mapping[Hashable, float]] = {}
    dropped: list[str] = []
    for column, margin in margins.items():
        if column not in rows.columns:
            continue
        present = {str(v) for v in rows[column].dropna().unique()}
        empty = [str(g) for g, pop in margin.items() if pop > 0 and str(g) not in present]
        if empty:
            shown = ", ".join(empty[:4]) + (f" and {len(empty) - 4} more" if len(empty) > 4 else "")
            dropped.append(
                f"{_label(column)} could not be used for weighting: {len(empty)} of its "
                f"{len(margin)} groups have no responses ({shown})"
            )
            continue
        usable[column] = margin
    return usable, dropped


def _raked(rows: pd.DataFrame, margins: Margins, period: Period) -> tuple[Design, str] | str:
    """The rows raked to the margins they can be raked to, with a note saying which."""
    usable = {c: m for c, m in margins.items() if c in rows.columns}
    missing = [c for c in usable if rows[c].isna().any()]
    if missing:
        names = ", ".join(_label(c) for c in missing)
        count = int(rows[missing].isna().any(axis=1).sum())
        return (
            f"weighting failed: {count} of {len(rows)} responses in {period.label} have no "
            f"panel profile for {names} (answered without a panel link, or the profile is "
            "incomplete), so they cannot be raked; this measure is not reported"
        )
    kept, dropped = usable_margins(rows, usable)
    design = Design(rows.reset_index(drop=True))
    while kept:
        try:
            raked = rake(design, kept)
        except ConvergenceError:
            # drop the margin with the most groups (the likeliest to have near-empty cells)
            worst = max(kept, key=lambda c: len(kept[c]))
            dropped.append(
                f"{_label(worst)} could not be used for weighting: raking to it as well did "
                f"not converge on {len(rows)} responses"
            )
            kept = {c: m for c, m in kept.items() if c != worst}
            continue
        except AnalysisError as error:
            return f"weighting failed: {error}"
        note = "raked to " + ", ".join(_label(c) for c in kept)
        return raked, "; ".join([note, *dropped])
    if dropped:
        return "weighting failed: no margin could be used (" + "; ".join(dropped) + ")"
    return "weighting failed: none of the margins is a column of the survey"


def period_design(
    measure: Measure,
    frame: pd.DataFrame,
    period: Period,
    *,
    margins: Margins | None = None,
    cache: DesignCache | None = None,
) -> tuple[Design, str, str] | str:
    """(design, outcome column, weighting note) for the measure's responses in ``period``, or
    the reason there is none. The design is raked when the measure says so; the equality
    notes of a measure assess the same design, so both use the same respondents and weights
    (and with a ``cache``, the very same `Design` object: it is built once per report).

    A margin that cannot be used on these responses (a group of it with no respondent, or
    raking to it as well does not converge) is left out and the note says which and why.
    """
    src = measure.source
    rows = _rows(frame, period, src.get("where") or {}, cache)
    if isinstance(rows, str):
        return rows
    if rows.empty:
        return f"no responses to {src['survey']} in {period.label}"
    found = _outcome(measure, rows)
    if isinstance(found, str):
        return found
    rows, column = found
    weighting = src.get("weighting", "raked")
    if weighting == "raked" and not margins:
        return "weighting is 'raked' but no margins were given"
    items = column if src.get("items") == "any" else None
    key = (
        id(frame),
        period.label,
        _where_key(src.get("where") or {}),
        weighting,
        items,
        id(margins),
    )
    built = cache.designs.get(key) if cache is not None else None
    if built is None:
        if weighting == "raked":
            assert margins
            built = _raked(rows, margins, period)
        else:
            built = (Design(rows.reset_index(drop=True)), "unweighted")
        if cache is not None:
            cache.designs[key] = built
    if isinstance(built, str):
        return built
    return built[0], column, built[1]


def outcome_levels(measure: Measure) -> tuple[str, ...]:
    """The answers that count for a proportion measure (``yes`` for an any-item measure)."""
    src = measure.source
    return ("yes",) if src.get("items") == "any" else tuple(map(str, src["levels"]))


def survey_value(
    measure: Measure,
    frame: pd.DataFrame,
    period: Period,
    *,
    margins: Margins | None = None,
    cache: DesignCache | None = None,
) -> Value:
    """The measure's estimate for ``period``, with its confidence interval.

    ``margins`` are what `analysis.rake` takes (``{column: {label: population}}``); a measure
    whose weighting is ``raked`` uses those of them whose column is in the frame (and
    leaves out, with a note, any it cannot use on the period's responses). ``cache`` shares
    designs between the measures of one report (`DesignCache`).
    """
    src = measure.source
    found = period_design(measure, frame, period, margins=margins, cache=cache)
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
