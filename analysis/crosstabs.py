"""Two-way tables: crosstabs with significance letters, Rao–Scott tests, differences.

``crosstab`` is the survey table research officers know from SPSS Custom
Tables or Q: weighted counts and column percentages, each with a confidence
interval, and letters marking which columns a cell is significantly higher
than.  Column percentages are domain proportions (R's ``svyby(~row, ~col,
svymean)``), and the letter tests use the full design covariance between the
two columns' estimates, not an independence assumption.
"""

from __future__ import annotations

import string
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from analysis.design import DegreesOfFreedom, Design
from analysis.errors import AnalysisError, UnknownLevelError
from analysis.intervals import proportion_interval, t_quantile
from analysis.variance import Linearisation


def _levels(design: Design, name: str) -> tuple[list[Hashable], np.ndarray]:
    """Levels of a variable (codebook order for categoricals) and each row's level number."""
    col = design.column(name)
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(col.dropna().unique().tolist())
        levels = [c for c in col.cat.categories if c in present]
    else:
        levels = sorted(col.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))
    if len(levels) < 2:
        raise AnalysisError(
            f"variable {name!r} needs at least two answered levels for a table, has {levels}"
        )
    lookup = {v: i for i, v in enumerate(levels)}
    codes = col.map(lookup).to_numpy(dtype=float)
    codes = np.where(np.isnan(codes), -1, codes).astype(np.int64)
    return levels, codes


def _letters(k: int) -> list[str]:
    alphabet = string.ascii_uppercase
    return [alphabet[i] if i < 26 else alphabet[i // 26 - 1] + alphabet[i % 26] for i in range(k)]


@dataclass
class Crosstab:
    """A weighted crosstab of ``row`` by ``col``.

    ``counts`` are weighted counts, ``percent`` column percentages (0–100),
    ``ci_low``/``ci_high`` their confidence limits, ``letters`` the columns
    (by letter, see ``column_letters``) each cell is significantly higher than
    at level ``alpha``; ``p_values[(r, c, d)]`` holds each pairwise test.
    """

    row: str
    col: str
    counts: pd.DataFrame
    percent: pd.DataFrame
    se: pd.DataFrame
    ci_low: pd.DataFrame
    ci_high: pd.DataFrame
    letters: pd.DataFrame
    column_letters: dict[Hashable, str]
    n: pd.Series
    alpha: float
    df: int
    p_values: dict[tuple[Hashable, Hashable, Hashable], float] = field(repr=False)

    def table(self) -> pd.DataFrame:
        """Long format: one row per cell with count, percent, se, CI, letters."""
        parts = {
            "count": self.counts,
            "percent": self.percent,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "letters": self.letters,
        }
        long = pd.concat({k: v.stack(future_stack=True) for k, v in parts.items()}, axis=1)
        long.index.names = [self.row, self.col]
        return long.reset_index()

    def formatted(self, decimals: int = 0) -> pd.DataFrame:
        """Report layout: "45% B" per cell, header "label (A)", a base row of unweighted n."""
        pct = self.percent.round(decimals)
        cells = pct.map(lambda v: f"{v:.{decimals}f}%") + self.letters.map(
            lambda s: f" {s}" if s else ""
        )
        cells.columns = [f"{c} ({self.column_letters[c]})" for c in self.percent.columns]
        base = pd.DataFrame(
            [self.n.astype(int).astype(str).to_list()],
            columns=cells.columns,
            index=["Base (unweighted n)"],
        )
        return pd.concat([cells, base])


def crosstab(
    design: Design,
    row: str,
    col: str,
    *,
    alpha: float = 0.05,
    ci: str = "logit",
    adjust: str = "none",
    df: DegreesOfFreedom = "domain",
) -> Crosstab:
    """Weighted crosstab with column percentages, intervals and significance letters.

    Intervals are at level 1 − ``alpha``, on ``df`` degrees of freedom per
    column: "domain" (default; the column group's own PSUs minus strata, as
    ``svyby(~I(row == r), ~col, design, svyciprop)``), "design" or a number
    (``math.inf``: normal).  The pairwise tests behind the letters use the
    design's degrees of freedom (``Crosstab.df``).  ``adjust="bonferroni"`` multiplies
    each p-value by the number of column pairs compared in its row (as SPSS's
    "adjust p-values for multiple comparisons"); the default tests each pair
    at ``alpha``.  ``p_values`` holds the (adjusted) p-values.
    """
    if not 0 < alpha < 1:
        raise AnalysisError(f"alpha must be between 0 and 1, not {alpha}")
    if adjust not in ("none", "bonferroni"):
        raise AnalysisError(f"adjust must be 'none' or 'bonferroni', not {adjust!r}")
    rlev, rc = _levels(design, row)
    clev, cc = _levels(design, col)
    nr, ncol = len(rlev), len(clev)
    ok = np.flatnonzero((rc >= 0) & (cc >= 0))
    w = design.weights.to_numpy()[ok]
    r_i, c_i = rc[ok], cc[ok]
    counts = np.bincount(r_i * ncol + c_i, weights=w, minlength=nr * ncol).reshape(nr, ncol)
    n_col = np.bincount(c_i, minlength=ncol).astype(float)
    wcol = counts.sum(axis=0)
    p = counts / wcol  # nr × ncol
    cov = _column_proportions_covariance(design, ok, r_i, c_i, w, p, wcol)
    var = np.clip(np.diag(cov), 0, None).reshape(nr, ncol)
    col_df = design.interval_df(df, np.asarray(cc, dtype=np.int64), ncol)
    col_rows = design._rows_behind(np.asarray(cc, dtype=np.int64), ncol)
    low, high = proportion_interval(
        p.ravel(),
        var.ravel(),
        np.tile(n_col, nr),
        np.tile(col_df, nr),
        ci,
        1 - alpha,
        n_rows=np.tile(col_rows, nr),
    )
    df = design.degf
    letters_for = _letters(ncol)
    letter_cells = [["" for _ in range(ncol)] for _ in range(nr)]
    pvals: dict[tuple[Hashable, Hashable, Hashable], float] = {}
    # every ordered pair of columns within each row, tested at once
    r_i3, a_i3, b_i3 = (
        g.ravel()
        for g in np.meshgrid(np.arange(nr), np.arange(ncol), np.arange(ncol), indexing="ij")
    )
    keep = a_i3 != b_i3
    r_i3, a_i3, b_i3 = r_i3[keep], a_i3[keep], b_i3[keep]
    ia, ib = r_i3 * ncol + a_i3, r_i3 * ncol + b_i3
    v = cov[ia, ia] + cov[ib, ib] - 2 * cov[ia, ib]
    diff = p[r_i3, a_i3] - p[r_i3, b_i3]
    with np.errstate(divide="ignore", invalid="ignore"):
        pv = np.where(
            v > 0, 2 * stats.t.sf(np.abs(diff) / np.sqrt(v), df), np.where(diff != 0, 0.0, 1.0)
        )
    if adjust == "bonferroni":
        pv = np.minimum(1.0, pv * ncol * (ncol - 1) / 2)
    for r, a, b, pr, d in zip(r_i3, a_i3, b_i3, pv, diff, strict=True):
        pvals[(rlev[r], clev[a], clev[b])] = float(pr)
        if pr < alpha and d > 0:
            letter_cells[r][a] += letters_for[b]
    ridx = pd.Index(rlev, name=row)
    cidx = pd.Index(clev, name=col)

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(np.asarray(values).reshape(nr, ncol), index=ridx, columns=cidx)

    return Crosstab(
        row=row,
        col=col,
        counts=frame(counts),
        percent=frame(100 * p),
        se=frame(100 * np.sqrt(var)),
        ci_low=frame(100 * low),
        ci_high=frame(100 * high),
        letters=pd.DataFrame(letter_cells, index=ridx, columns=cidx),
        column_letters=dict(zip(clev, letters_for, strict=True)),
        n=pd.Series(n_col, index=cidx, name="n"),
        alpha=alpha,
        df=df,
        p_values=pvals,
    )


@dataclass(frozen=True)
class ChisqResult:
    """A Rao–Scott test of independence (R's ``svychisq``).

    For ``statistic="F"`` (second-order correction) ``statistic`` is the F
    value with ``ndf``/``ddf`` degrees of freedom; for ``"Chisq"`` (first-order)
    it is Pearson's X² of the weighted table, ``ndf`` its (r−1)(c−1) degrees
    of freedom, ``ddf`` infinite and ``adjusted`` X² divided by the mean
    generalised design effect, which the p-value refers to χ².
    """

    statistic: float
    ndf: float
    ddf: float
    p_value: float
    method: str
    pearson: float
    adjusted: float
    #: the plain Pearson X² of the unweighted counts, its (r−1)(c−1) df and
    #: p-value (R's ``chisq.test(table(row, col), correct = FALSE)``): what a
    #: reader who ignores the design gets, shown beside Rao–Scott for comparison
    plain_pearson: float = float("nan")
    plain_df: float = float("nan")
    plain_p_value: float = float("nan")


def chisq(design: Design, row: str, col: str, statistic: str = "F") -> ChisqResult:
    """Rao–Scott corrected Pearson test of association between ``row`` and ``col``."""
    if statistic not in ("F", "Chisq"):
        raise AnalysisError(f"statistic must be 'F' or 'Chisq', not {statistic!r}")
    rlev, rc = _levels(design, row)
    clev, cc = _levels(design, col)
    nr, ncol = len(rlev), len(clev)
    ok = np.flatnonzero((rc >= 0) & (cc >= 0))
    w = design.weights.to_numpy()[ok]
    cell = rc[ok] + nr * cc[ok]  # R's interaction(): row level varies fastest
    k = nr * ncol
    wsum = w.sum()
    mean2 = np.bincount(cell, weights=w, minlength=k) / wsum
    # covariance of the cell proportions (svymean of the indicator matrix): one
    # "column" holding all respondents, whose "rows" are the table's cells
    v = _column_proportions_covariance(
        design, ok, cell, np.zeros(len(ok), dtype=np.int64), w, mean2[:, None], np.array([wsum])
    )
    n = float(len(ok))
    grid_r = np.tile(np.arange(nr), ncol)
    grid_c = np.repeat(np.arange(ncol), nr)
    x1 = np.column_stack(
        [np.ones(k)]
        + [(grid_r == i).astype(float) for i in range(1, nr)]
        + [(grid_c == j).astype(float) for j in range(1, ncol)]
    )
    x12_int = np.column_stack(
        [
            ((grid_r == i) & (grid_c == j)).astype(float)
            for j in range(1, ncol)
            for i in range(1, nr)
        ]
    )
    q, _ = np.linalg.qr(x1)
    cmat = x12_int - q @ (q.T @ x12_int)
    with np.errstate(divide="ignore"):
        inv = np.where(mean2 == 0, 0.0, 1.0 / mean2)
    denom = cmat.T @ (inv[:, None] / n * cmat)
    numr = cmat.T @ (inv[:, None] * v * inv[None, :]) @ cmat
    delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(delta))
    tr2 = float(np.trace(delta @ delta))
    # Pearson X^2 of the weighted table scaled to the sample size
    table = (mean2 * n).reshape(ncol, nr).T
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(np.nansum((table - expected) ** 2 / expected))
    counts = np.bincount(cell, minlength=k).reshape(ncol, nr).T.astype(float)
    plain = stats.chi2_contingency(counts, correction=False)
    plain_parts = (float(plain.statistic), float(plain.dof), float(plain.pvalue))
    nu = design.degf
    if statistic == "F":
        d0 = tr**2 / tr2
        f = pearson / tr
        return ChisqResult(
            f,
            d0,
            d0 * nu,
            float(stats.f.sf(f, d0, d0 * nu)),
            "Rao-Scott second-order (F)",
            pearson,
            f,
            *plain_parts,
        )
    df_c = float((nr - 1) * (ncol - 1))
    adj = pearson / (tr / delta.shape[0])
    return ChisqResult(
        pearson,
        df_c,
        float("inf"),
        float(stats.chi2.sf(adj, df_c)),
        "Rao-Scott first-order (chi-squared)",
        pearson,
        adj,
        *plain_parts,
    )


def difference(
    design: Design,
    var: str,
    level: Hashable,
    by: str,
    a: Hashable,
    b: Hashable,
    *,
    confidence: float = 0.95,
    df: DegreesOfFreedom = "design",
) -> pd.DataFrame:
    """Proportion answering ``level`` in group ``a`` minus that in group ``b``.

    The variance allows for the covariance between the two domain estimates
    under the design; the test and interval use t on ``df`` degrees of
    freedom: "design" (default, the design's ``degf``, as R's ``svyglm``
    contrast), "domain" (the PSUs minus strata of the rows in ``a`` or ``b``)
    or a number (``math.inf``: normal, R's ``confint`` default).

    Beside it, the ``classical_*`` columns are the two-sample comparison that
    ignores weights and design, R's ``prop.test(c(x_a, x_b), c(n_a, n_b),
    correct = FALSE)``: unweighted proportions, the unpooled Wald interval
    with normal quantiles and the pooled chi-squared p-value.  Research
    officers compare with it; it is not the right answer for a weighted sample.
    """
    y = design.indicator(var, level)
    col = design.column(by)
    present = col.dropna().unique().tolist()

    def find(g: Hashable) -> Hashable:
        for v in present:
            if v == g or str(v) == str(g):
                return v
        raise UnknownLevelError(
            f"group {g!r} is not present in variable {by!r}; "
            f"groups are {', '.join(map(repr, present))}"
        )

    ga, gb = find(a), find(b)
    if ga == gb:
        raise AnalysisError("a and b must be different groups")
    codes = np.where(col == ga, 0, np.where(col == gb, 1, -1)).astype(np.int64)
    labels = pd.DataFrame({by: [ga, gb]})
    est, n, _, _, z = design._domain_means(y, codes, 2)
    design._check_groups(n, labels, var)
    cov = design.influence_covariance(z)
    diff = float(est[0] - est[1])
    se = float(np.sqrt(max(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1], 0.0)))
    both = np.where(codes >= 0, 0, -1).astype(np.int64)
    dof = float(design.interval_df(df, both, 1)[0])
    t = t_quantile(confidence, dof)
    if se > 0:
        tail = (
            stats.t.sf(abs(diff) / se, dof) if np.isfinite(dof) else stats.norm.sf(abs(diff) / se)
        )
        p = float(2 * tail)
    else:
        p = 0.0 if diff else 1.0
    classical = _prop_test(y, codes, confidence)
    out = pd.DataFrame(
        [
            {
                "by": by,
                "a": ga,
                "b": gb,
                "estimate_a": est[0],
                "estimate_b": est[1],
                "estimate": diff,
                "se": se,
                "ci_low": diff - t * se,
                "ci_high": diff + t * se,
                "df": int(dof) if np.isfinite(dof) else dof,
                "p_value": p,
                "significant": p < 1 - confidence,
                "n_a": int(n[0]),
                "n_b": int(n[1]),
                **classical,
            }
        ]
    )
    out.attrs.update(variable=var, level_of=str(level), statistic="difference")
    return out


def _prop_test(y: np.ndarray, codes: np.ndarray, confidence: float) -> dict[str, float]:
    """R's ``prop.test(x, n, correct = FALSE)`` for groups 0 and 1 of ``codes``, unweighted."""
    ok = np.isfinite(y) & (codes >= 0)
    n = np.bincount(codes[ok], minlength=2).astype(float)
    x = np.bincount(codes[ok], weights=y[ok], minlength=2)
    pa, pb = x / n
    diff = float(pa - pb)
    se = float(np.sqrt(pa * (1 - pa) / n[0] + pb * (1 - pb) / n[1]))
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    pooled = x.sum() / n.sum()
    var0 = pooled * (1 - pooled) * (1 / n[0] + 1 / n[1])
    p = float(stats.chi2.sf(diff**2 / var0, 1)) if var0 > 0 else float("nan")
    return {
        "classical_estimate_a": float(pa),
        "classical_estimate_b": float(pb),
        "classical_estimate": diff,
        "classical_se": se,
        "classical_ci_low": max(diff - z * se, -1.0),
        "classical_ci_high": min(diff + z * se, 1.0),
        "classical_p_value": p,
    }


def _column_proportions_covariance(
    design: Design,
    ok: np.ndarray,
    r_i: np.ndarray,
    c_i: np.ndarray,
    w: np.ndarray,
    p: np.ndarray,
    wcol: np.ndarray,
) -> np.ndarray:
    """Design covariance of column proportions p[r, c] (row r's share of column c)."""
    lin = design._lin
    if lin.identity_psu:
        return _cell_covariance(lin, ok, r_i, c_i, w, p, wcol)
    z = _cell_influence(len(design.data), ok, r_i, c_i, w, p, wcol)
    return design.influence_covariance(z)


def _cell_influence(
    n: int,
    ok: np.ndarray,
    r_i: np.ndarray,
    c_i: np.ndarray,
    w: np.ndarray,
    p: np.ndarray,
    wcol: np.ndarray,
) -> sp.csr_matrix:
    """Influence of every column percentage p[r, c]: w (1{row=r} - p[r, c]) / W_c in column c."""
    nr, ncol = p.shape
    rows_idx = np.repeat(ok, nr)
    r_rep = np.tile(np.arange(nr), len(ok))
    c_rep = np.repeat(c_i, nr)
    y = (np.repeat(r_i, nr) == r_rep).astype(float)
    vals = np.repeat(w, nr) * (y - p[r_rep, c_rep]) / wcol[c_rep]
    return sp.csr_matrix((vals, (rows_idx, r_rep * ncol + c_rep)), shape=(n, nr * ncol))


def _cell_covariance(
    lin: Linearisation,
    ok: np.ndarray,
    r_i: np.ndarray,
    c_i: np.ndarray,
    w: np.ndarray,
    p: np.ndarray,
    wcol: np.ndarray,
) -> np.ndarray:
    """`_cell_influence`'s covariance from cell sums, for designs where each row is a PSU.

    Because each respondent's influence is non-zero only in its own column,
    every part of the linearised variance reduces to weighted counts by
    (stratum or margin category, row level, column level): a few bincounts
    instead of sparse products over n × (rows × columns) values.
    """
    nr, ncol = p.shape
    k = nr * ncol
    cell = r_i * ncol + c_i
    sw2 = lin.scale_psu[ok] * w * w
    a_rc = np.bincount(cell, weights=sw2, minlength=k).reshape(nr, ncol)
    b_c = a_rc.sum(axis=0)
    tst = np.zeros((k, k))
    for c in range(ncol):
        idx = np.arange(nr) * ncol + c
        ac, pc = a_rc[:, c], p[:, c]
        block = np.diag(ac) - np.outer(ac, pc) - np.outer(pc, ac) + np.outer(pc, pc) * b_c[c]
        tst[np.ix_(idx, idx)] = block / wcol[c] ** 2

    def centred(group: np.ndarray, n_groups: int, weights: np.ndarray | None) -> np.ndarray:
        """sum over rows in (group, r, c) of weights * (1{row=r} - p[r, c]) / W_c."""
        flat = np.bincount(group * k + cell, weights=weights, minlength=n_groups * k)
        g = flat.astype(float).reshape(n_groups, nr, ncol)
        return ((g - p[None] * g.sum(axis=1)[:, None, :]) / wcol).reshape(n_groups, k)

    tot = centred(lin.psu_stratum[ok], len(lin.centre_h), w)
    a = cross = None
    if lin.calibration is not None:
        codes = lin.calibration.codes
        sizes = lin.calibration.sizes
        a = np.vstack([centred(m[ok], size, None) for m, size in zip(codes, sizes, strict=True)])
        cross = np.vstack(
            [centred(m[ok], size, sw2) for m, size in zip(codes, sizes, strict=True)]
        ).T
    return lin.covariance_from_parts(tst, tot, a, cross)
