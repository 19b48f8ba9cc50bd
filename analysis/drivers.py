"""Key-driver analysis: which service ratings explain overall satisfaction.

Ratings are correlated (people who like one service tend to like the others),
so regression coefficients are unstable and misleading as "importance".
Two standard decompositions of the weighted R² share it out fairly instead:

- Johnson's relative weights (Johnson 2000): regress the outcome on the
  orthogonal counterparts of the predictors and map the squared coefficients
  back; fast for any number of predictors.
- Shapley / LMG decomposition: each predictor's average gain in R² over all
  orders of entry; exact, but 2^p regressions, so limited to 15 predictors.

Both use the design-weighted correlation matrix, with ordered categorical
ratings scored 1..k in codebook order (the direction does not affect
importance).  Respondents missing any of the variables are left out.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.design import Design
from analysis.errors import AnalysisError, SingularModelError

MAX_SHAPLEY_PREDICTORS = 15


def _scores(design: Design, name: str) -> np.ndarray:
    col = design.column(name)
    if isinstance(col.dtype, pd.CategoricalDtype):
        if not col.cat.ordered:
            raise AnalysisError(
                f"variable {name!r} is an unordered categorical; key-driver analysis needs "
                "ordered ratings or numbers"
            )
        codes = col.cat.codes.to_numpy().astype(float)
        codes[codes < 0] = np.nan
        return codes + 1
    return design.numeric(name)


def _weighted_corr(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    mean = (w[:, None] * x).sum(axis=0) / w.sum()
    xc = x - mean
    cov = (xc * w[:, None]).T @ xc / w.sum()
    sd = np.sqrt(np.diag(cov))
    if np.any(sd == 0):
        raise AnalysisError("a variable in the driver analysis has no variation among respondents")
    return np.asarray(cov / np.outer(sd, sd))


def _r2(rxx: np.ndarray, rxy: np.ndarray, subset: Sequence[int]) -> float:
    if not subset:
        return 0.0
    idx = list(subset)
    return float(rxy[idx] @ np.linalg.solve(rxx[np.ix_(idx, idx)], rxy[idx]))


def relative_weights(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Johnson's raw relative weights (they sum to R²) from correlation matrices."""
    evals, evecs = np.linalg.eigh(rxx)
    if evals.min() <= 1e-10 * evals.max():
        raise SingularModelError("the predictors are collinear; drop one of the duplicated ratings")
    half = evecs @ np.diag(np.sqrt(evals)) @ evecs.T  # R^(1/2): X on its orthogonal twin Z
    beta = np.linalg.solve(half, rxy)  # y on Z
    return np.asarray((half**2) @ (beta**2))


def shapley_r2(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Shapley (LMG) shares of R² from correlation matrices (exact, 2^p subsets)."""
    p = len(rxy)
    if np.linalg.matrix_rank(rxx) < p:
        raise SingularModelError("the predictors are collinear; drop one of the duplicated ratings")
    r2: dict[frozenset[int], float] = {}
    for size in range(p + 1):
        for sub in itertools.combinations(range(p), size):
            r2[frozenset(sub)] = _r2(rxx, rxy, sub)
    phi = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for size in range(p):
            weight = math.factorial(size) * math.factorial(p - size - 1) / math.factorial(p)
            for sub in itertools.combinations(others, size):
                s = frozenset(sub)
                phi[j] += weight * (r2[s | {j}] - r2[s])
    return phi


def _short_labels(labels: list[str]) -> list[str]:
    """Drop the question text that grid items share ("How satisfied ...? - Parks" → "Parks")."""
    prefix = os.path.commonprefix(labels)  # noqa: RUF071 - character prefix is the point
    if len(labels) < 2 or len(prefix) < 10:
        return labels
    cut = max(prefix.rfind(sep) + len(sep) for sep in (" - ", " – ", ": ", "? "))
    if cut < 10:
        return labels
    return [lab[cut:].strip() or lab for lab in labels]


@dataclass
class DriversResult:
    """Importance of each predictor: ``table`` sorted by importance, with R² and n."""

    outcome: str
    table: pd.DataFrame
    r2: float
    n: int
    method: str

    def chart(self, title: str | None = None):  # type: ignore[no-untyped-def]
        """Accessible bar chart of the shares of explained variance (`analysis.plots.Chart`)."""
        from analysis.plots import drivers_chart

        return drivers_chart(self, title=title)


def drivers(
    design: Design,
    outcome: str,
    predictors: Sequence[str],
    *,
    method: str = "relative_weights",
) -> DriversResult:
    """Relative importance of ``predictors`` for ``outcome`` (weighted).

    ``method`` is "relative_weights" (Johnson) or "shapley".  The table has
    one row per predictor: its label (from the codebook when there is one),
    weighted correlation with the outcome, raw importance (share of R², the
    raw values sum to R²), ``share`` as a percentage of R², and rank.
    """
    if method not in ("relative_weights", "shapley"):
        raise AnalysisError(f"method must be 'relative_weights' or 'shapley', not {method!r}")
    preds = list(predictors)
    if len(preds) < 2:
        raise AnalysisError("key-driver analysis needs at least two predictors")
    if len(set(preds)) != len(preds) or outcome in preds:
        raise AnalysisError("predictors must be distinct and must not include the outcome")
    if method == "shapley" and len(preds) > MAX_SHAPLEY_PREDICTORS:
        raise AnalysisError(
            f"shapley needs 2^p regressions; use method='relative_weights' for more than "
            f"{MAX_SHAPLEY_PREDICTORS} predictors"
        )
    data = np.column_stack([_scores(design, outcome)] + [_scores(design, p) for p in preds])
    ok = np.all(np.isfinite(data), axis=1)
    n = int(ok.sum())
    if n < len(preds) + 2:
        raise AnalysisError(f"only {n} respondents answered the outcome and all predictors")
    corr = _weighted_corr(data[ok], design.weights.to_numpy()[ok])
    rxx, rxy = corr[1:, 1:], corr[1:, 0]
    raw = relative_weights(rxx, rxy) if method == "relative_weights" else shapley_r2(rxx, rxy)
    r2 = _r2(rxx, rxy, list(range(len(preds))))
    labels = design.data.attrs.get("labels", {})
    table = pd.DataFrame(
        {
            "predictor": preds,
            "label": _short_labels([str(labels.get(p, p)) for p in preds]),
            "correlation": rxy,
            "importance": raw,
            "share": 100 * raw / r2,
        }
    )
    table = table.sort_values("importance", ascending=False, ignore_index=True)
    table["rank"] = np.arange(1, len(table) + 1)
    table.attrs.update(outcome=outcome, r2=r2, n=n, method=method)
    return DriversResult(outcome, table, r2, n, method)
