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


def wald(est: FloatArray, se: FloatArray, df: float, level: float) -> tuple[FloatArray, FloatArray]:
    """estimate ± t·se (R's ``confint(svymean(...), df = degf(design))``)."""
    t = t_quantile(level, df)
    return est - t * se, est + t * se


def proportion_interval(
    p: FloatArray,
    var: FloatArray,
    n: FloatArray,
    df: float,
    method: str,
    level: float = 0.95,
) -> tuple[FloatArray, FloatArray]:
    """Interval for proportions ``p`` with design variances ``var``.

    ``n`` is the unweighted number of respondents behind each estimate (used
    by ``beta`` for R's df adjustment, and as the effective sample size when
    the variance is zero because p is 0 or 1).
    """
    if method not in CI_METHODS:
        raise AnalysisError(f"ci={method!r} is not one of {', '.join(CI_METHODS)}")
    if not 0 < level < 1:
        raise AnalysisError(f"level must be between 0 and 1, not {level!r}")
    p = np.asarray(p, dtype=float)
    var = np.asarray(var, dtype=float)
    n = np.asarray(n, dtype=float)
    se = np.sqrt(var)
    t = t_quantile(level, df)
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
            b_low, b_high = proportion_interval(p, var, n, df, "beta", level)
            low, high = np.where(edge, b_low, low), np.where(edge, b_high, high)
        return low, high
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(var > 0, p * (1 - p) / var, n)
    n_eff = np.where((p <= 0) | (p >= 1), n, n_eff)
    if method == "beta":
        alpha = 1 - level
        adj = np.array(
            [
                (stats.t.ppf(alpha / 2, max(k - 1, 1)) / stats.t.ppf(alpha / 2, df)) ** 2
                if np.isfinite(df)
                else (stats.t.ppf(alpha / 2, max(k - 1, 1)) / stats.norm.ppf(alpha / 2)) ** 2
                for k in np.atleast_1d(n)
            ]
        ).reshape(np.shape(n))
        ne = n_eff * adj
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
