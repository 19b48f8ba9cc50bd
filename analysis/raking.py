"""Raking (iterative proportional fitting) of a design to population margins.

The weights are adjusted margin by margin until every weighted margin hits
its population count (the fixed point R's ``rake`` reaches with a tight
``epsilon``).  The raked design remembers the margins so that standard errors
account for the calibration exactly as R's ``svyrecvar`` does for a raked
design (see `analysis.variance`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.design import Design
from analysis.errors import ConvergenceError, RakingError, check_column
from analysis.io import translate_code
from analysis.variance import Calibration, FloatArray, IntArray

Margins = Mapping[str, Mapping[Hashable, float]]


@dataclass(frozen=True)
class RakeReport:
    """How raking went: iterations used, the largest relative margin error left,
    and each margin's population count beside the raked weighted count."""

    iterations: int
    max_margin_error: float
    converged: bool
    margins: pd.DataFrame = field(repr=False)
    weight_ratio_range: tuple[float, float] = (1.0, 1.0)


def _match_categories(
    values: pd.Series, var: str, margin: Mapping[Hashable, float], data: pd.DataFrame
) -> tuple[IntArray, list[Hashable], FloatArray]:
    """Map each row's value to its margin category; validate the margin."""
    if values.isna().any():
        raise RakingError(
            f"raking variable {var!r} has {int(values.isna().sum())} missing value(s); "
            "impute or give them their own category before raking"
        )
    if not margin:
        raise RakingError(f"margin for {var!r} is empty")
    # margins may name codebook codes ("very_satisfied") or the labels in the data
    keys = [translate_code(data, var, k) for k in margin]
    margin = dict(zip(keys, margin.values(), strict=True))
    targets = []
    for k in keys:
        try:
            t = float(margin[k])
        except (TypeError, ValueError) as exc:
            raise RakingError(f"population count for {var}={k!r} is not a number") from exc
        if not np.isfinite(t) or t < 0:
            raise RakingError(
                f"population count for {var}={k!r} must be a non-negative number, not {t}"
            )
        targets.append(t)
    by_key = {k: i for i, k in enumerate(keys)}
    by_str = {str(k): i for i, k in enumerate(keys)}
    uniques = values.unique()
    lookup: dict[Hashable, int] = {}
    for v in uniques:
        if v in by_key:
            lookup[v] = by_key[v]
        elif str(v) in by_str:
            lookup[v] = by_str[str(v)]
        else:
            raise RakingError(
                f"respondents have {var}={v!r}, which is not a category of the {var!r} margin "
                f"(categories: {', '.join(map(repr, keys))})"
            )
    codes = values.map(lookup).to_numpy(dtype=np.int64)
    counts = np.bincount(codes, minlength=len(keys))
    tgt = np.asarray(targets)
    for i, k in enumerate(keys):
        if counts[i] == 0 and tgt[i] > 0:
            raise RakingError(
                f"margin {var}={k!r} has a population of {tgt[i]:g} but no respondents; "
                "merge it with a neighbouring category"
            )
        if counts[i] > 0 and tgt[i] == 0:
            raise RakingError(
                f"margin {var}={k!r} has a population of 0 but {counts[i]} respondents"
            )
    used = np.flatnonzero(counts > 0)
    remap = np.full(len(keys), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return remap[codes], [keys[i] for i in used], tgt[used]


def rake(
    design: Design,
    margins: Margins,
    *,
    max_iter: int = 100,
    tol: float = 1e-10,
    bounds: tuple[float, float] | None = None,
) -> Design:
    """Rake ``design`` to population ``margins`` = ``{variable: {category: count}}``.

    Returns a new `Design` whose ``weights`` hit every margin to within ``tol``
    (largest relative error over all categories) and whose standard errors
    allow for the calibration.  ``bounds=(low, high)`` keeps each weight
    between low and high times its starting weight (trimming): each margin
    step then finds, per category, the multiplier that hits the margin with
    the factors clipped to the bounds (bounded raking, as ``calibrate(...,
    calfun="raking", bounds=)``).  A margin the bounds cannot reach raises
    `RakingError`; no convergence within ``max_iter`` raises
    `ConvergenceError` rather than returning weights that silently miss.
    ``design.rake_report`` on the result holds the iterations and margin errors.
    Standard errors use R's raking residuals; for unbounded raking they match
    ``svymean`` on a ``rake()``d design exactly, with bounds they are the same
    approximation (R's bounded ``calibrate`` uses regression residuals).
    """
    if design.is_raked:
        raise RakingError(
            "this design is already raked; rake the original design to all margins at once"
        )
    if not isinstance(margins, Mapping) or not margins:
        raise RakingError(
            "margins must be a non-empty dict {variable: {category: population count}}"
        )
    if max_iter < 1:
        raise RakingError("max_iter must be at least 1")
    if bounds is not None:
        lo, hi = bounds
        if not (0 <= lo <= 1 <= hi):
            raise RakingError(f"bounds must satisfy 0 <= low <= 1 <= high, not {bounds}")
    names: list[str] = []
    codes: list[IntArray] = []
    cats: list[list[Hashable]] = []
    targets: list[FloatArray] = []
    for var, margin in margins.items():
        check_column(design.data.columns, var, "raking variable")
        c, k, t = _match_categories(design.data[var], var, margin, design.data)
        names.append(var)
        codes.append(c)
        cats.append(k)
        targets.append(t)
    sums = {v: float(t.sum()) for v, t in zip(names, targets, strict=True)}
    ref = next(iter(sums.values()))
    if any(abs(s - ref) > 1e-6 * max(abs(ref), 1.0) for s in sums.values()):
        listed = ", ".join(f"{v}: {s:g}" for v, s in sums.items())
        raise RakingError(f"margins do not sum to the same population total ({listed})")

    w0 = design.weights.to_numpy(dtype=float)
    w = w0.copy()
    err = np.inf
    iterations = 0
    log_g = np.zeros_like(w0)  # unclipped log adjustment, for bounded raking
    if bounds is not None:
        _check_bounds_reachable(w0, codes, targets, names, cats, bounds)
    for iterations in range(1, max_iter + 1):  # noqa: B007 - used after the loop
        for c, t in zip(codes, targets, strict=True):
            if bounds is None:
                s = np.bincount(c, weights=w, minlength=len(t))
                w *= (t / s)[c]
            else:
                log_g = _bounded_step(w0, log_g, c, t, bounds)
                w = w0 * np.clip(np.exp(log_g), bounds[0], bounds[1])
        err = max(
            float(np.max(np.abs(np.bincount(c, weights=w, minlength=len(t)) - t) / t))
            for c, t in zip(codes, targets, strict=True)
        )
        if err < tol:
            break
    rows = []
    for v, c, k, t in zip(names, codes, cats, targets, strict=True):
        s = np.bincount(c, weights=w, minlength=len(t))
        for cat, pop, got in zip(k, t, s, strict=True):
            rows.append(
                {
                    "variable": v,
                    "category": cat,
                    "population": pop,
                    "weighted": got,
                    "relative_error": (got - pop) / pop,
                }
            )
    table = pd.DataFrame(rows)
    ratio = w / w0
    report = RakeReport(iterations, err, err < tol, table, (float(ratio.min()), float(ratio.max())))
    if not report.converged:
        worst = table.iloc[int(np.argmax(np.abs(table["relative_error"].to_numpy())))]
        why = " within the weight bounds" if bounds is not None else ""
        raise ConvergenceError(
            f"raking did not converge{why} after {iterations} iterations: largest margin error "
            f"{err:.3g} at {worst['variable']}={worst['category']!r}"
        )
    calibration = Calibration(tuple(names), tuple(codes), tuple(len(t) for t in targets))
    raked = design._with_weights(w, calibration)
    raked.rake_report = report
    return raked


def _check_bounds_reachable(
    w0: FloatArray,
    codes: list[IntArray],
    targets: list[FloatArray],
    names: list[str],
    cats: list[list[Hashable]],
    bounds: tuple[float, float],
) -> None:
    """Name the first category whose population lies outside what the bounds allow."""
    lo, hi = bounds
    for var, c, t, k in zip(names, codes, targets, cats, strict=True):
        base = np.bincount(c, weights=w0, minlength=len(t))
        for i, cat in enumerate(k):
            if not lo * base[i] <= t[i] <= hi * base[i]:
                raise RakingError(
                    f"margin {var}={cat!r} ({t[i]:g}) cannot be reached with weights between "
                    f"{lo:g} and {hi:g} times their starting values ({lo * base[i]:g} to "
                    f"{hi * base[i]:g}); widen the bounds"
                )


def _bounded_step(
    w0: FloatArray, log_g: FloatArray, c: IntArray, t: FloatArray, bounds: tuple[float, float]
) -> FloatArray:
    """One margin of bounded raking (dual coordinate ascent).

    ``log_g`` is each respondent's unclipped log adjustment; per category,
    find the shift δ with Σ w0·clip(exp(log_g + δ), low, high) = target by
    bisection (the left side is monotone in δ), for all categories at once,
    and return the shifted ``log_g``.  Keeping the unclipped value is what
    lets a later margin pull a clipped weight back inside the bounds.
    """
    lo, hi = bounds
    k = len(t)
    span = float(np.log(hi) - np.log(lo)) + float(np.ptp(log_g)) + 1.0
    d_lo, d_hi = np.full(k, -span), np.full(k, span)
    d_lo += np.log(lo) - float(log_g.max())
    d_hi += np.log(hi) - float(log_g.min())
    for _ in range(200):
        mid = (d_lo + d_hi) / 2
        factor = np.exp(np.clip(log_g + mid[c], -700.0, 700.0))
        total = np.bincount(c, weights=w0 * np.clip(factor, lo, hi), minlength=k)
        too_big = total > t
        d_hi = np.where(too_big, mid, d_hi)
        d_lo = np.where(too_big, d_lo, mid)
        if np.max(d_hi - d_lo) < 1e-14:
            break
    return np.asarray(log_g + ((d_lo + d_hi) / 2)[c])
