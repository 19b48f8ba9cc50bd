"""`Design`: a survey design as R's ``svydesign``, and its one-number estimates.

A design is the data plus how it was sampled: weights, strata, first-stage
clusters (PSUs) and the finite population correction.  Estimates (means,
totals, proportions, quantiles) are computed for all groups at once with
numpy/pandas group sums; their standard errors come from Taylor linearisation
(`analysis.variance`), matching R's ``survey`` package number for number.

Missing answers (NaN, including codes such as "don't know" that the codebook
marks as missing) are treated as R does with ``na.rm = TRUE``: the estimate is
for the domain of people who answered, with the full design kept for the
variance.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis.errors import (
    AnalysisError,
    DesignError,
    UnknownLevelError,
    WeightsError,
    check_column,
)
from analysis.intervals import CI_METHODS, proportion_interval, t_quantile, wald
from analysis.io import translate_code
from analysis.variance import Calibration, FloatArray, IntArray, Linearisation

if TYPE_CHECKING:
    from analysis.crosstabs import ChisqResult, Crosstab
    from analysis.regression import LogitResult, OrdinalResult

ESTIMATE_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "df", "n", "n_eff"]

#: ``df=`` of an interval: "domain" (the group's own PSUs minus its strata, as
#: R's ``svyby(..., svyciprop)`` gets from ``degf(subset(design, ...))``),
#: "design" (the whole design's ``degf``) or a number (``math.inf`` for normal
#: quantiles, R's ``confint`` default).
DegreesOfFreedom = Literal["domain", "design"] | float


def _confidence(confidence: float, level: float | None, where: str) -> float:
    """The confidence level, accepting the old ``level=`` name with a warning.

    ``level`` meant the answer in `Design.proportion` but the confidence
    level in `mean`/`total`/`quantile`; ``confidence`` is now the one name.
    """
    if level is None:
        return confidence
    warnings.warn(
        f"{where}(level=...) is deprecated: the confidence level is now confidence=",
        DeprecationWarning,
        stacklevel=3,
    )
    return float(level)


#: largest groups × values table `_distinct_per_group` fills (bytes) before it sorts instead
PRESENCE_TABLE_LIMIT = 20_000_000


def _distinct_per_group(
    groups: IntArray, values: IntArray, n_groups: int, n_values: int
) -> IntArray:
    """How many distinct ``values`` (codes 0 … n_values − 1) each group's rows have."""
    if n_groups * n_values <= PRESENCE_TABLE_LIMIT:  # a presence table: no sort, no hash
        seen = np.zeros(n_groups * n_values, dtype=bool)
        seen[groups * n_values + values] = True
        return np.asarray(seen.reshape(n_groups, n_values).sum(axis=1), dtype=np.int64)
    pairs = np.unique(groups * n_values + values)
    return np.bincount(pairs // n_values, minlength=n_groups)


def _as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


class Design:
    """A survey design: data, weights, strata, first-stage clusters and fpc.

    Parameters mirror ``svydesign(ids=~cluster, strata=~strata, weights=~weights,
    fpc=~fpc)``.  ``weights`` names a column of (positive) sampling weights;
    omit it for an equal-probability sample.  ``fpc`` is a column name or a
    number: values above 1 are population PSU counts per stratum, values up to
    1 are sampling fractions, exactly as R reads them.  PSUs are nested within
    strata (R's ``nest = TRUE``).
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        weights: str | None = None,
        strata: str | None = None,
        cluster: str | None = None,
        fpc: str | float | None = None,
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise AnalysisError(f"data must be a pandas DataFrame, not {type(data).__name__}")
        if len(data) == 0:
            raise AnalysisError("data has no rows")
        self.data = data
        self.weights_column = weights
        self.strata_column = strata
        self.cluster_column = cluster
        self.fpc_spec = fpc
        if weights is None:
            w = np.ones(len(data))
        else:
            check_column(data.columns, weights, "weights column")
            w = self._check_weights(data[weights], weights)
        self._w: FloatArray = w
        self._build_structure()
        self._calibration: Calibration | None = None
        self._lin = self._make_linearisation()
        self.rake_report: Any = None

    # ------------------------------------------------------------------ set-up
    @staticmethod
    def _check_weights(values: pd.Series, name: str) -> FloatArray:
        try:
            w = pd.to_numeric(values, errors="raise").to_numpy(dtype=float)
        except (ValueError, TypeError) as exc:
            raise WeightsError(f"weights column {name!r} is not numeric") from exc
        bad = ~np.isfinite(w)
        if bad.any():
            raise WeightsError(
                f"weights column {name!r} has {int(bad.sum())} missing or infinite value(s), "
                f"first at row {values.index[int(np.flatnonzero(bad)[0])]!r}"
            )
        if (w < 0).any():
            raise WeightsError(
                f"weights column {name!r} has {int((w < 0).sum())} negative value(s), "
                f"first at row {values.index[int(np.flatnonzero(w < 0)[0])]!r}"
            )
        if (w == 0).any():
            raise WeightsError(
                f"weights column {name!r} has {int((w == 0).sum())} zero value(s); "
                "drop those rows from the data before making the design"
            )
        return w

    def _build_structure(self) -> None:
        data = self.data
        n = len(data)
        if self.strata_column is not None:
            check_column(data.columns, self.strata_column, "strata column")
            col = data[self.strata_column]
            if col.isna().any():
                raise DesignError(f"strata column {self.strata_column!r} has missing values")
            stratum, labels = pd.factorize(col, sort=True)
            self._stratum_labels = [str(x) for x in labels]
        else:
            stratum = np.zeros(n, dtype=np.int64)
            self._stratum_labels = ["(all)"]
        self._stratum: IntArray = np.asarray(stratum, dtype=np.int64)
        if self.cluster_column is not None:
            check_column(data.columns, self.cluster_column, "cluster column")
            col = data[self.cluster_column]
            if col.isna().any():
                raise DesignError(f"cluster column {self.cluster_column!r} has missing values")
            key = pd.MultiIndex.from_arrays([self._stratum, col.to_numpy()])
            psu, _ = pd.factorize(key, sort=True)
            self._psu: IntArray = np.asarray(psu, dtype=np.int64)
        else:
            self._psu = np.arange(n, dtype=np.int64)
        n_strata = len(self._stratum_labels)
        psu_stratum = np.zeros(int(self._psu.max()) + 1, dtype=np.int64)
        psu_stratum[self._psu] = self._stratum
        self._n_psu: IntArray = np.bincount(psu_stratum, minlength=n_strata).astype(np.int64)
        self._fraction = self._fractions(n_strata)

    def _fractions(self, n_strata: int) -> FloatArray:
        fpc = self.fpc_spec
        if fpc is None:
            return np.zeros(n_strata)
        if isinstance(fpc, str):
            check_column(self.data.columns, fpc, "fpc column")
            values = pd.to_numeric(self.data[fpc], errors="coerce").to_numpy(dtype=float)
            if np.isnan(values).any():
                raise DesignError(f"fpc column {fpc!r} has missing or non-numeric values")
        else:
            values = np.full(len(self.data), float(fpc))
        per = pd.Series(values).groupby(self._stratum).agg(["min", "max"])
        if (per["min"] != per["max"]).any():
            h = int(per.index[(per["min"] != per["max"]).to_numpy()][0])
            raise DesignError(f"fpc varies within stratum {self._stratum_labels[h]!r}")
        v = per["min"].reindex(range(n_strata)).to_numpy(dtype=float)
        if (v <= 0).any():
            raise DesignError("fpc must be positive")
        frac = np.where(v > 1, self._n_psu / np.where(v > 1, v, 1.0), v)
        if (frac > 1 + 1e-12).any():
            h = int(np.flatnonzero(frac > 1 + 1e-12)[0])
            raise DesignError(
                f"fpc for stratum {self._stratum_labels[h]!r} is smaller than the "
                f"{int(self._n_psu[h])} PSUs sampled from it"
            )
        return np.asarray(frac, dtype=float)

    def _make_linearisation(self) -> Linearisation:
        return Linearisation(
            self._w,
            self._stratum,
            self._psu,
            self._n_psu,
            self._fraction,
            calibration=self._calibration,
            stratum_labels=self._stratum_labels,
        )

    def _with_weights(self, w: FloatArray, calibration: Calibration | None) -> Design:
        """A copy of this design with new weights (used by `rake`)."""
        new = object.__new__(Design)
        new.__dict__.update(self.__dict__)
        new._w = np.asarray(w, dtype=float)
        new._calibration = calibration
        new._lin = new._make_linearisation()
        new.rake_report = None
        return new

    # ---------------------------------------------------------------- summary
    @property
    def weights(self) -> pd.Series:
        """The design's (possibly raked) weights, aligned with ``data``."""
        return pd.Series(self._w, index=self.data.index, name="weight")

    @property
    def degf(self) -> int:
        """Design degrees of freedom: number of PSUs minus number of strata (R's ``degf``)."""
        return int(self._n_psu.sum() - len(self._n_psu))

    def domain_degf(self, mask: Sequence[bool] | FloatArray) -> int:
        """Degrees of freedom of a domain as R's ``degf(subset(design, mask))``:
        PSUs with at least one row in the domain minus the strata they are in.

        R's ``svyby(..., svyciprop)`` uses this for a group's interval; it is
        smaller than `degf` for a small group, so its interval is wider.
        """
        m = np.asarray(mask, dtype=bool)
        if m.shape != self._w.shape:
            raise AnalysisError(f"mask has {m.size} values for {self._w.size} rows")
        if not m.any():
            return 0
        return int(len(np.unique(self._psu[m])) - len(np.unique(self._stratum[m])))

    def _group_degf(self, codes: IntArray, n_groups: int) -> FloatArray:
        """`domain_degf` of every group at once (rows with code −1 belong to none)."""
        ok = codes >= 0
        g = codes[ok]
        if self.cluster_column is None:  # every row is its own PSU
            n_psu = np.bincount(g, minlength=n_groups)
        else:
            n_psu = _distinct_per_group(g, self._psu[ok], n_groups, int(self._psu.max()) + 1)
        n_strata = _distinct_per_group(g, self._stratum[ok], n_groups, len(self._n_psu))
        return np.asarray(n_psu - n_strata, dtype=float)

    def interval_df(
        self, df: DegreesOfFreedom, codes: IntArray | None = None, n_groups: int = 1
    ) -> FloatArray:
        """Degrees of freedom for each group's interval under the ``df=`` choice."""
        if codes is None:
            codes = np.zeros(len(self.data), dtype=np.int64)
        if isinstance(df, str):
            if df == "design":
                return np.full(n_groups, float(self.degf))
            if df == "domain":
                return self._group_degf(codes, n_groups)
            raise AnalysisError(f"df={df!r} is not 'domain', 'design' or a number")
        if isinstance(df, bool) or not isinstance(df, (int, float)) or not df > 0:
            raise AnalysisError(f"df={df!r} is not 'domain', 'design' or a positive number")
        return np.full(n_groups, float(df))

    def _rows_behind(self, codes: IntArray, n_groups: int) -> FloatArray:
        """R's ``nrow(design[group, ])``: the group's rows, or every row if raked."""
        if self.is_raked:
            return np.full(n_groups, float(len(self.data)))
        return np.bincount(codes[codes >= 0], minlength=n_groups).astype(float)

    @property
    def is_raked(self) -> bool:
        """Whether the weights were calibrated by `analysis.rake`."""
        return self._calibration is not None

    def kish_deff(self) -> float:
        """Kish's design effect from unequal weighting: n·Σw² / (Σw)²."""
        w = self._w
        return float(len(w) * np.sum(w * w) / np.sum(w) ** 2)

    def effective_sample_size(self) -> float:
        """Kish's effective sample size (Σw)² / Σw², i.e. n / `kish_deff`."""
        w = self._w
        return float(np.sum(w) ** 2 / np.sum(w * w))

    def __repr__(self) -> str:
        parts = [
            f"{len(self.data)} rows",
            f"{len(self._stratum_labels)} strata",
            f"{int(self._n_psu.sum())} PSUs",
            f"df={self.degf}",
        ]
        if self.is_raked:
            parts.append("raked")
        return f"<Design {', '.join(parts)}>"

    # ------------------------------------------------------------ validation
    def column(self, name: str) -> pd.Series:
        """The data column ``name``, or a clear error if there is none."""
        check_column(self.data.columns, name)
        return self.data[name]

    def numeric(self, name: str) -> FloatArray:
        """Column ``name`` as floats (NaN for missing); errors if it is not numeric."""
        col = self.column(name)
        if isinstance(col.dtype, pd.CategoricalDtype) or not (
            pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
        ):
            raise AnalysisError(
                f"variable {name!r} is not numeric; use proportion({name!r}, level) for a "
                "categorical answer"
            )
        return pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)

    def indicator(self, name: str, level: Hashable) -> FloatArray:
        """1.0 where ``name == level``, 0.0 otherwise, NaN where the answer is missing."""
        col = self.column(name)
        values = col.dropna().unique()
        matches = [v for v in values if v == level]
        if not matches and isinstance(col.dtype, pd.CategoricalDtype):
            matches = [c for c in col.cat.categories if c == level]
        if not matches:
            matches = [v for v in values if str(v) == str(level)]
        if not matches:  # a codebook code such as "very_satisfied" for its label
            label_for = translate_code(self.data, name, level)
            matches = [v for v in values if v == label_for]
        if not matches:
            shown = (
                list(col.cat.categories)
                if isinstance(col.dtype, pd.CategoricalDtype)
                else sorted(map(str, values))
            )
            raise UnknownLevelError(
                f"level {level!r} is not present in variable {name!r}; levels are "
                f"{', '.join(map(repr, shown[:20]))}"
            )
        target = matches[0]
        out = (col == target).to_numpy(dtype=float)
        out[col.isna().to_numpy()] = np.nan
        return out

    def indicators(self, name: str, levels: Hashable | Sequence[Hashable]) -> FloatArray:
        """`indicator` for one level, or 1.0 where the answer is any of a list/tuple of levels."""
        if not isinstance(levels, (list, tuple)):
            return self.indicator(name, levels)
        if not levels:
            raise AnalysisError(f"give at least one level of {name!r}")
        out = np.zeros(len(self.data))
        for lev in levels:
            out = np.maximum(out, self.indicator(name, lev))  # NaN (missing) propagates
        return out

    def groups(self, by: str | Sequence[str] | None) -> tuple[IntArray, pd.DataFrame]:
        """Group number per row (-1 when a ``by`` value is missing) and the group labels."""
        cols = _as_list(by)
        if not cols:
            return np.zeros(len(self.data), dtype=np.int64), pd.DataFrame(index=[0])
        for c in cols:
            check_column(self.data.columns, c, "by variable")
        grouped = self.data.groupby(
            cols[0] if len(cols) == 1 else cols, observed=True, sort=True, dropna=True
        )
        codes = np.asarray(grouped.ngroup().to_numpy(), dtype=np.int64)
        keys = list(grouped.groups.keys())
        labels = pd.DataFrame([k if isinstance(k, tuple) else (k,) for k in keys], columns=cols)
        for c in cols:
            if isinstance(self.data[c].dtype, pd.CategoricalDtype):
                labels[c] = pd.Categorical(
                    labels[c],
                    categories=self.data[c].cat.categories,
                    ordered=self.data[c].cat.ordered,
                )
        if len(labels) == 0:
            raise AnalysisError(f"by variable(s) {cols} have no non-missing values")
        return codes, labels

    # ---------------------------------------------------------- core estimates
    def _domain_means(
        self, y: FloatArray, codes: IntArray, n_groups: int
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, sp.csr_matrix]:
        """Weighted domain means, their influence matrix, counts and variances of y."""
        ok = np.isfinite(y) & (codes >= 0)
        idx = np.flatnonzero(ok)
        g = codes[idx]
        w = self._w[idx]
        wsum = np.bincount(g, weights=w, minlength=n_groups)
        n = np.bincount(g, minlength=n_groups).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            est = np.bincount(g, weights=w * y[idx], minlength=n_groups) / wsum
        resid = y[idx] - est[g]
        sigma2 = np.bincount(g, weights=w * resid**2, minlength=n_groups)
        with np.errstate(divide="ignore", invalid="ignore"):
            sigma2 = sigma2 / wsum
        z = sp.csr_matrix(
            (w * resid / wsum[g], (idx, g)), shape=(len(y), n_groups), dtype=np.float64
        )
        return est, n, sigma2, wsum, z

    def _kish_by_group(self, y: FloatArray, codes: IntArray, n_groups: int) -> FloatArray:
        """Kish effective sample size of each group's answering respondents."""
        ok = np.isfinite(y) & (codes >= 0)
        w, g = self._w[ok], codes[ok]
        return np.asarray(
            np.bincount(g, weights=w, minlength=n_groups) ** 2
            / np.bincount(g, weights=w * w, minlength=n_groups)
        )

    def _check_groups(self, n: FloatArray, labels: pd.DataFrame, var: str) -> None:
        empty = n == 0
        if empty.any():
            first = labels.iloc[int(np.flatnonzero(empty)[0])].to_dict() if labels.shape[1] else {}
            where = f" in group {first}" if first else ""
            raise AnalysisError(f"variable {var!r} has no non-missing answers{where}")

    def _frame(
        self,
        labels: pd.DataFrame,
        est: FloatArray,
        se: FloatArray,
        low: FloatArray,
        high: FloatArray,
        n: FloatArray,
        n_eff: FloatArray,
        df: FloatArray,
    ) -> pd.DataFrame:
        out = labels.reset_index(drop=True).copy()
        out["estimate"] = est
        out["se"] = se
        out["ci_low"] = low
        out["ci_high"] = high
        out["df"] = df.astype(np.int64) if np.isfinite(df).all() else df
        out["n"] = n.astype(np.int64)
        out["n_eff"] = n_eff
        return out

    def mean(
        self,
        var: str,
        by: str | Sequence[str] | None = None,
        *,
        confidence: float = 0.95,
        df: DegreesOfFreedom = "domain",
        level: float | None = None,
    ) -> pd.DataFrame:
        """Weighted mean of a numeric variable, overall or per group (``svymean``/``svyby``).

        The interval is estimate ± t·se at ``confidence`` with ``df`` degrees
        of freedom:

        * "domain" (default): each group's own PSUs minus its strata, R's
          ``confint(svymean(~x, subset(design, g == ...)), df = degf(subset))``
          and the convention of ``svyby(..., svyciprop)``, so a group mean and
          a group proportion (`proportion`) get their intervals the same way
          and a small group's interval is not narrower than R's group
          convention.  With no ``by`` it is the design's ``degf``, R's
          ``confint(svymean(~x, design), df = degf(design))``.
        * "design": the whole design's ``degf`` for every group,
          ``confint(svyby(~x, ~g, design, svymean), df = degf(design))``.
        * a number; ``math.inf`` gives normal quantiles, which is what R's
          ``confint(svyby(...))`` and ``confint(svymean(...))`` give when no
          ``df`` is passed (``confint.svyby``'s default ``df = Inf``).

        The ``df`` column says which degrees of freedom each row used.
        ``level`` is the old name of ``confidence`` (deprecated).
        ``n_eff`` is the weighted variance of the variable divided by the
        design variance of its mean (Kish's effective sample size for it).
        """
        confidence = _confidence(confidence, level, "mean")
        y = self.numeric(var)
        codes, labels = self.groups(by)
        dfs = self.interval_df(df, codes, len(labels))
        est, n, sigma2, _, z = self._domain_means(y, codes, len(labels))
        self._check_groups(n, labels, var)
        v = self._lin.variances(z)
        se = np.sqrt(v)
        low, high = wald(est, se, dfs, confidence)
        with np.errstate(divide="ignore", invalid="ignore"):
            n_eff = np.where(v > 0, sigma2 / v, self._kish_by_group(y, codes, len(labels)))
        out = self._frame(labels, est, se, low, high, n, n_eff, dfs)
        out.attrs.update(variable=var, statistic="mean", level=confidence, confidence=confidence)
        return out

    def total(
        self,
        var: str,
        by: str | Sequence[str] | None = None,
        *,
        confidence: float = 0.95,
        df: DegreesOfFreedom = "domain",
        level: float | None = None,
    ) -> pd.DataFrame:
        """Weighted population total of a numeric variable (``svytotal``/``svyby``).

        ``confidence`` and ``df`` as for `mean`: by default ("domain") a
        group's interval uses its own PSUs minus strata, R's
        ``confint(svytotal(~x, subset), df = degf(subset))``; "design" is
        ``confint(svyby(...), df = degf(design))`` and ``math.inf`` R's
        ``confint`` default (normal).  ``level`` is the deprecated old name
        of ``confidence``.
        ``n_eff`` is the Kish effective sample size of the group's weights.
        """
        confidence = _confidence(confidence, level, "total")
        y = self.numeric(var)
        codes, labels = self.groups(by)
        ok = np.isfinite(y) & (codes >= 0)
        idx = np.flatnonzero(ok)
        g = codes[idx]
        w = self._w[idx]
        k = len(labels)
        n = np.bincount(g, minlength=k).astype(float)
        self._check_groups(n, labels, var)
        est = np.bincount(g, weights=w * y[idx], minlength=k)
        z = sp.csr_matrix((w * y[idx], (idx, g)), shape=(len(y), k))
        se = np.sqrt(self._lin.variances(z))
        dfs = self.interval_df(df, codes, k)
        low, high = wald(est, se, dfs, confidence)
        n_eff = np.bincount(g, weights=w, minlength=k) ** 2 / np.bincount(
            g, weights=w * w, minlength=k
        )
        out = self._frame(labels, est, se, low, high, n, n_eff, dfs)
        out.attrs.update(variable=var, statistic="total", level=confidence, confidence=confidence)
        return out

    def proportion(
        self,
        var: str,
        level: Hashable,
        by: str | Sequence[str] | None = None,
        ci: str = "logit",
        *,
        confidence: float = 0.95,
        df: DegreesOfFreedom = "domain",
    ) -> pd.DataFrame:
        """Weighted proportion answering ``level``, with a ``svyciprop`` interval.

        ``ci`` is one of "logit" (R's default), "xlogit", "wilson", "wald" or
        "beta" (Korn–Graubard).  People who did not answer (NaN) are left out
        of the denominator.  ``n_eff`` = p(1−p)/var, Kish's effective n.
        ``level`` is the answer, not the confidence level (that is
        ``confidence``, the same name as in `mean` and `total`); it may be a
        list or tuple of levels ("very or fairly satisfied"): the proportion
        answering any of them, with no derived column needed.

        ``df`` is "domain" by default, which is what R's
        ``svyby(~y, ~g, design, svyciprop)`` does: each group's interval uses
        that group's own PSUs minus its strata (for no ``by`` this is the
        design's ``degf``, as plain ``svyciprop``).  "design" uses the whole
        design's degrees of freedom for every group (narrower for small
        groups), and a number (``math.inf`` for normal quantiles) is used as
        given.  For "beta" the Korn–Graubard effective n is scaled as R does,
        by (t(rows − 1)/t(df))², rows being the group's rows for fixed
        weights and the whole design's for a raked one.
        """
        if ci not in CI_METHODS:
            raise AnalysisError(f"ci={ci!r} is not one of {', '.join(CI_METHODS)}")
        y = self.indicators(var, level)
        codes, labels = self.groups(by)
        dfs = self.interval_df(df, codes, len(labels))
        est, n, _, _, z = self._domain_means(y, codes, len(labels))
        self._check_groups(n, labels, var)
        v = self._lin.variances(z)
        low, high = proportion_interval(
            est, v, n, dfs, ci, confidence, n_rows=self._rows_behind(codes, len(labels))
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            n_eff = np.where(v > 0, est * (1 - est) / v, self._kish_by_group(y, codes, len(labels)))
        out = self._frame(labels, est, np.sqrt(v), low, high, n, n_eff, dfs)
        out.attrs.update(
            variable=var, level_of=str(level), statistic="proportion", ci=ci, level=confidence
        )
        return out

    def proportions(
        self,
        var: str,
        by: str | Sequence[str] | None = None,
        ci: str = "logit",
        *,
        confidence: float = 0.95,
        df: DegreesOfFreedom = "domain",
    ) -> pd.DataFrame:
        """`proportion` for every level of ``var`` stacked, with a ``level`` column."""
        col = self.column(var)
        levels = (
            list(col.cat.categories)
            if isinstance(col.dtype, pd.CategoricalDtype)
            else sorted(col.dropna().unique().tolist())
        )
        present = set(col.dropna().unique().tolist())
        frames = []
        for lev in levels:
            if lev not in present:
                continue
            f = self.proportion(var, lev, by=by, ci=ci, confidence=confidence, df=df)
            f.insert(len(_as_list(by)), "level", lev)
            frames.append(f)
        out = pd.concat(frames, ignore_index=True)
        if isinstance(col.dtype, pd.CategoricalDtype):
            out["level"] = pd.Categorical(
                out["level"], categories=col.cat.categories, ordered=col.cat.ordered
            )
        out.attrs.update(variable=var, statistic="proportion", ci=ci)
        return out

    def quantile(
        self,
        var: str,
        q: float | Sequence[float],
        *,
        confidence: float = 0.95,
        df: DegreesOfFreedom = "design",
        level: float | None = None,
    ) -> pd.DataFrame:
        """Weighted quantiles with Woodruff intervals (``svyquantile``, qrule "math").

        The estimate is the smallest value whose weighted CDF reaches q; the
        interval inverts a t interval for the CDF at the estimate; ``se`` is
        the interval width over 2t, as R reports it.  ``df`` is "design"
        (R's ``svyquantile`` default, ``degf(design)``) or a number; with no
        groups "domain" is the same as "design".  ``level`` is the deprecated
        old name of ``confidence``.
        """
        confidence = _confidence(confidence, level, "quantile")
        y = self.numeric(var)
        qs = [float(q)] if np.isscalar(q) else [float(x) for x in q]  # type: ignore[arg-type]
        for x in qs:
            if not 0 <= x <= 1:
                raise AnalysisError(f"quantile q must be between 0 and 1, not {x}")
        ok = np.isfinite(y)
        if not ok.any():
            raise AnalysisError(f"variable {var!r} has no non-missing values")
        order = np.argsort(y[ok], kind="stable")
        ys = y[ok][order]
        cw = np.cumsum(self._w[ok][order])
        total = cw[-1]

        def qrule(p: float) -> float:
            if not np.isfinite(p) or p < 0 or p > 1:
                return float("nan")
            pos = int(np.searchsorted(cw, p * total, side="right")) - 1
            pos = max(pos, 0)
            nxt = min(pos + 1, len(ys) - 1)
            return float(ys[pos] if p - cw[pos] / total == 0 else ys[nxt])

        dof = float(self.interval_df(df)[0])
        t = t_quantile(confidence, dof)
        rows = []
        for p in qs:
            qhat = qrule(p)
            below = np.where(ok, (y <= qhat).astype(float), np.nan)
            est, n, _, _, z = self._domain_means(below, np.zeros(len(y), dtype=np.int64), 1)
            se_p = float(np.sqrt(self._lin.variances(z))[0])
            lo, hi = qrule(float(est[0]) - t * se_p), qrule(float(est[0]) + t * se_p)
            rows.append(
                {
                    "q": p,
                    "estimate": qhat,
                    "se": (hi - lo) / (2 * t),
                    "ci_low": lo,
                    "ci_high": hi,
                    "df": int(dof) if np.isfinite(dof) else dof,
                    "n": int(n[0]),
                }
            )
        out = pd.DataFrame(rows)
        out.attrs.update(
            variable=var, statistic="quantile", level=confidence, confidence=confidence
        )
        return out

    def influence_covariance(self, z: FloatArray | sp.csr_matrix) -> FloatArray:
        """Design covariance of totals of influence columns ``z`` (for extensions)."""
        return self._lin.covariance(z)

    # ---------------------------------------------------------- delegations
    def difference(
        self,
        var: str,
        level: Hashable,
        by: str,
        a: Hashable,
        b: Hashable,
        *,
        confidence: float = 0.95,
        df: DegreesOfFreedom = "design",
    ) -> pd.DataFrame:
        """Difference of the proportion answering ``level`` between groups ``a`` and ``b``,
        with R's ``prop.test`` (unweighted) beside it; see `analysis.crosstabs.difference`."""
        from analysis.crosstabs import difference

        return difference(self, var, level, by, a, b, confidence=confidence, df=df)

    def crosstab(
        self,
        row: str,
        col: str,
        *,
        alpha: float = 0.05,
        ci: str = "logit",
        adjust: str = "none",
        df: DegreesOfFreedom = "domain",
    ) -> Crosstab:
        """Weighted counts and column percentages with significance letters."""
        from analysis.crosstabs import crosstab

        return crosstab(self, row, col, alpha=alpha, ci=ci, adjust=adjust, df=df)

    def chisq(self, row: str, col: str, statistic: str = "F") -> ChisqResult:
        """Rao–Scott test of association (``svychisq``)."""
        from analysis.crosstabs import chisq

        return chisq(self, row, col, statistic=statistic)

    def logit(self, formula: str) -> LogitResult:
        """Design-based logistic regression (``svyglm(family = quasibinomial)``)."""
        from analysis.regression import logit

        return logit(self, formula)

    def ordinal(self, formula: str) -> OrdinalResult:
        """Proportional-odds model for an ordered outcome (``svyolr``)."""
        from analysis.regression import ordinal

        return ordinal(self, formula)
