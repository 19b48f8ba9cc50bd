"""Confidence intervals for survey proportions, as R's ``svyciprop``.

All methods take the estimate ``p``, its design variance and the design's
degrees of freedom, so they vectorise over groups.  ``logit`` and ``xlogit``
coincide numerically (R fits an intercept-only ``svyglm`` for the first and
uses the delta method for the second; both give expit(logit p ± t·se/(p(1-p)))).
``beta`` is Korn & Graubard's interval on Kish's effective sample size with R's
degrees-of-freedom adjustment; ``wilson`` is the Wilson score interval on the
same effective sample size with the design's t quantile (survey 4.1 has no
Wilson method, so the R script computes it from ``svymean`` the same way).
Where p is 0 or 1 the logit is undefined, so ``logit``/``xlogit`` fall back
to ``beta`` there rather than report a zero-width interval.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import special, stats

from analysis.errors import AnalysisError

CIMethod = Literal["logit", "xlogit", "wilson", "wald", "beta"]
CI_METHODS: tuple[str, ...] = ("logit", "xlogit", "wilson", "wald", "beta")

FloatArray = NDArray[np.float64]


def t_quantile(level: float, df: float) -> float:
    """Two-sided t critical value; normal when df is infinite."""
    return (
        float(stats.t.ppf(1 - (1 - level) / 2, df))
        if np.isfinite(df)
        else float(stats.norm.ppf(1 - (1 - level) / 2))
    )


def t_quantiles(level: float, df: float | FloatArray) -> FloatArray:
    """`t_quantile` for each of several degrees of freedom (NaN where df < 1).

    A domain inside a single PSU has no degrees of freedom; R then reports
    NaN limits, and so do we rather than invent a width.
    """
    d = np.asarray(df, dtype=float)
    q = 1 - (1 - level) / 2
    with np.errstate(invalid="ignore"):
        out = np.where(
            np.isfinite(d), stats.t.ppf(q, np.where(d >= 1, d, np.nan)), stats.norm.ppf(q)
        )
    return np.asarray(out, dtype=float)


def wald(
    est: FloatArray, se: FloatArray, df: float | FloatArray, level: float
) -> tuple[FloatArray, FloatArray]:
    """estimate ± t·se (R's ``confint(svymean(...), df = ...)``); ``df`` may be per estimate."""
    t = t_quantiles(level, df)
    return est - t * se, est + t * se


def proportion_interval(
    p: FloatArray,
    var: FloatArray,
    n: FloatArray,
    df: float | FloatArray,
    method: str,
    level: float = 0.95,
    *,
    n_rows: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Interval for proportions ``p`` with design variances ``var``.

    ``n`` is the unweighted number of respondents behind each estimate (the
    effective sample size when the variance is zero because p is 0 or 1).
    ``df`` is the degrees of freedom of each interval (a number or one per
    estimate; ``inf`` for normal quantiles).  ``n_rows`` is R's
    ``nrow(design)`` for the design the estimate comes from, which sets the
    Korn–Graubard effective-n adjustment ``(t(n_rows − 1) / t(df))²``: for a
    group of a design with fixed weights R's subset drops the other rows, so
    it is the group's row count; for a raked design the subset keeps every row
    (with zero weight), so it is the whole design's.  Default: ``n``.
    """
    if method not in CI_METHODS:
        raise AnalysisError(f"ci={method!r} is not one of {', '.join(CI_METHODS)}")
    if not 0 < level < 1:
        raise AnalysisError(f"level must be between 0 and 1, not {level!r}")
    p = np.asarray(p, dtype=float)
    var = np.asarray(var, dtype=float)
    n = np.asarray(n, dtype=float)
    se = np.sqrt(var)
    t = t_quantiles(level, df)
    if method == "wald":
        return p - t * se, p + t * se
    if method in ("logit", "xlogit"):
        with np.errstate(divide="ignore", invalid="ignore"):
            eta = special.logit(p)
            se_eta = se / (p * (1 - p))
            low = special.expit(eta - t * se_eta)
            high = special.expit(eta + t * se_eta)
        edge = (p <= 0) | (p >= 1) | (se == 0)
        if edge.any():  # logit is undefined at 0 and 1: use Korn-Graubard there
            b_low, b_high = proportion_interval(p, var, n, df, "beta", level, n_rows=n_rows)
            low, high = np.where(edge, b_low, low), np.where(edge, b_high, high)
        return low, high
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(var > 0, p * (1 - p) / var, n)
    n_eff = np.where((p <= 0) | (p >= 1), n, n_eff)
    if method == "beta":
        alpha = 1 - level
        rows = n if n_rows is None else np.asarray(n_rows, dtype=float)
        # R: n.eff * (qt(alpha/2, nrow(design) - 1) / qt(alpha/2, degf(design)))^2
        adj = (t_quantiles(level, np.maximum(rows - 1, 1)) / t) ** 2
        ne = n_eff * np.broadcast_to(adj, np.shape(n_eff))
        with np.errstate(divide="ignore", invalid="ignore"):
            low = stats.beta.ppf(alpha / 2, ne * p, ne * (1 - p) + 1)
            high = stats.beta.ppf(1 - alpha / 2, ne * p + 1, ne * (1 - p))
        low = np.where(p <= 0, 0.0, low)
        high = np.where(p >= 1, 1.0, high)
        return low, high
    # wilson
    z2 = t * t
    centre = (p + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
    half = t * np.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff**2)) / (1 + z2 / n_eff)
    return centre - half, centre + half
