"""Design-based regression: logistic (``svyglm`` quasibinomial) and proportional odds (``svyolr``).

Point estimates maximise the weighted (pseudo-)likelihood; standard errors
are the sandwich ``A⁻¹ B A⁻¹`` whose middle term is the design covariance of
the per-respondent score contributions, computed by the same linearisation
as every other estimate (so strata, clusters, fpc and raking all count).
Formulas use formulaic with treatment coding: the first level of a factor
(codebook order for ordered categoricals) is the reference, as in R.
Terms are named formulaic's way, e.g. ``stype[T.H]`` where R says ``stypeH``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import formulaic
import numpy as np
import pandas as pd
import scipy.linalg
from scipy import optimize, special, stats

from analysis.design import Design
from analysis.errors import AnalysisError, ConvergenceError, SingularModelError, check_column
from analysis.variance import FloatArray


@dataclass
class ModelResult:
    """Coefficients with design-based standard errors, t tests and intervals."""

    params: pd.Series
    cov_params: pd.DataFrame
    df_resid: int
    n: int
    formula: str
    converged: bool = True
    extra: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def bse(self) -> pd.Series:
        """Standard errors (square roots of the sandwich covariance diagonal)."""
        return pd.Series(np.sqrt(np.diag(self.cov_params.to_numpy())), index=self.params.index)

    @property
    def tvalues(self) -> pd.Series:
        return self.params / self.bse

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from t on ``df_resid`` degrees of freedom, as R's summary."""
        return pd.Series(
            2 * stats.t.sf(np.abs(self.tvalues), self.df_resid), index=self.params.index
        )

    def conf_int(self, alpha: float = 0.05, df: float | None = None) -> pd.DataFrame:
        """Wald intervals with t quantiles on ``df`` degrees of freedom.

        ``df=None`` (default) is ``df_resid``, as R's ``confint.svyglm``;
        ``math.inf`` gives normal quantiles (R's ``confint(g, ddf = Inf)``).
        """
        dof = self.df_resid if df is None else df
        if not dof > 0:
            raise AnalysisError(f"df={df!r} must be a positive number or None")
        t = stats.t.ppf(1 - alpha / 2, dof) if np.isfinite(dof) else stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame(
            {"lower": self.params - t * self.bse, "upper": self.params + t * self.bse},
            index=self.params.index,
        )

    @property
    def naive_cov_params(self) -> pd.DataFrame:
        """Model-based covariance: the inverse information with weights rescaled to mean 1."""
        naive = self.extra["naive_cov"]
        assert isinstance(naive, pd.DataFrame)
        return naive

    def summary(self) -> pd.DataFrame:
        """One row per term: coefficient, se, t, p, interval and odds ratio."""
        ci = self.conf_int()
        return pd.DataFrame(
            {
                "coef": self.params,
                "se": self.bse,
                "t": self.tvalues,
                "p_value": self.pvalues,
                "ci_low": ci["lower"],
                "ci_high": ci["upper"],
                "odds_ratio": np.exp(self.params),
            }
        )


class LogitResult(ModelResult):
    """Result of `logit`.

    Besides the design-based (sandwich) ``bse``, it carries what research
    officers compare with:

    - ``dispersion``, R's ``summary(svyglm)$dispersion`` (the design-weighted
      variance of the Pearson residuals, ``svyvar``), and ``model_bse``, the
      model-based standard errors sqrt(dispersion · diag(naive_cov_params)),
      with ``naive_cov_params`` R's ``naive.cov`` (the inverse information of
      a glm with weights rescaled to mean 1);
    - ``glm_dispersion``, ``glm_bse``, ``glm_df_resid`` and ``glm_pvalues``:
      what ``summary(glm(formula, family = quasibinomial, weights = w /
      mean(w)))`` prints, i.e. the Pearson dispersion Σ wᵢ(yᵢ − μᵢ)²/(μᵢ(1 − μᵢ))
      / (n − p) with the weights rescaled to mean 1 (the fit svyglm makes
      inside).  glm with the raw weights gives a dispersion ``mean(w)`` times
      larger and the same standard errors and p-values.

    The model-based figures ignore clustering and stratification (and treat
    the weights as counts); use ``bse`` for inference.
    """

    @property
    def dispersion(self) -> float:
        return float(self.extra["dispersion"])  # type: ignore[arg-type]

    @property
    def model_bse(self) -> pd.Series:
        return pd.Series(
            np.sqrt(self.dispersion * np.diag(self.naive_cov_params.to_numpy())),
            index=self.params.index,
        )

    @property
    def glm_dispersion(self) -> float:
        """Pearson χ² / (n − p), weights rescaled to mean 1: ``summary(glm(...))$dispersion``."""
        return float(self.extra["glm_dispersion"])  # type: ignore[arg-type]

    @property
    def glm_df_resid(self) -> int:
        """n − p, glm's ``df.residual`` (respondents, not the design's degrees of freedom)."""
        return self.n - len(self.params)

    @property
    def glm_bse(self) -> pd.Series:
        """glm's standard errors: sqrt(glm_dispersion · diag(naive_cov_params))."""
        return pd.Series(
            np.sqrt(self.glm_dispersion * np.diag(self.naive_cov_params.to_numpy())),
            index=self.params.index,
        )

    @property
    def glm_pvalues(self) -> pd.Series:
        """glm's two-sided p-values: t = coef / glm_bse on ``glm_df_resid`` degrees of freedom."""
        t = self.params / self.glm_bse
        return pd.Series(2 * stats.t.sf(np.abs(t), self.glm_df_resid), index=self.params.index)


class OrdinalResult(ModelResult):
    """Result of `ordinal`: ``params`` holds the slopes then the cut-points ``a|b``.

    ``bse`` and ``cov_params`` are design-based (``SE(svyolr)``, ``vcov(svyolr)``).
    ``conf_int()`` uses t quantiles on ``df_resid`` (the design's degrees of
    freedom minus the slopes, R's ``svyolr`` ``df.residual``), the same
    reference as ``pvalues``; R's ``confint(svyolr)`` is ``confint.default``,
    normal quantiles: ``conf_int(df=math.inf)``.

    Beside them, what research officers compare with: ``naive_cov_params``,
    the model-based covariance (inverse observed information) of the
    weighted likelihood with the weights rescaled to mean 1, which is
    ``vcov(MASS::polr(formula, weights = w / mean(w)))`` (the same point
    estimates as svyolr), and ``model_bse``, its square-root diagonal.  polr
    with the raw weights treats them as counts of people and gives standard
    errors sqrt(mean(w)) times smaller.  Model-based figures ignore
    clustering and stratification; use ``bse`` for inference.
    """

    @property
    def model_bse(self) -> pd.Series:
        return pd.Series(
            np.sqrt(np.diag(self.naive_cov_params.to_numpy())), index=self.params.index
        )


def _split(formula: str) -> tuple[str, str]:
    if formula.count("~") != 1:
        raise AnalysisError(f"formula {formula!r} must look like 'outcome ~ predictors'")
    lhs, rhs = (s.strip() for s in formula.split("~"))
    if not lhs or not rhs:
        raise AnalysisError(f"formula {formula!r} must look like 'outcome ~ predictors'")
    return lhs, rhs


def _design_matrix(
    design: Design, rhs: str, keep: np.ndarray
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Model matrix for rows with a non-missing outcome; returns (X, names, row positions)."""
    data = design.data.reset_index(drop=True)
    sub = data.loc[keep]
    try:
        mm = formulaic.model_matrix(rhs, sub)
    except Exception as exc:  # formulaic raises several types; name the formula
        missing = [t for t in rhs.replace("+", " ").replace("*", " ").split() if t.isidentifier()]
        for t in missing:
            check_column(data.columns, t, "model term")
        raise AnalysisError(f"could not build the model matrix for {rhs!r}: {exc}") from exc
    x = np.asarray(mm, dtype=float)
    names = [str(c) for c in mm.columns]
    rows = np.asarray(mm.index, dtype=np.int64)
    if x.shape[0] == 0:
        raise AnalysisError(f"no rows left for the model {rhs!r} after removing missing values")
    _, r, piv = scipy.linalg.qr(x, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int(np.sum(diag > diag.max() * 1e-10)) if diag.size else 0
    if rank < x.shape[1]:
        aliased = [names[i] for i in piv[rank:]]
        raise SingularModelError(
            f"the model {rhs!r} is singular: term(s) {', '.join(aliased)} are collinear with "
            "the others or have no respondents; drop or merge them"
        )
    return x, names, rows


def _binary_outcome(design: Design, lhs: str) -> FloatArray:
    col = design.column(lhs)
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = [c for c in col.cat.categories if (col == c).any()]
        if len(present) != 2:
            raise AnalysisError(
                f"outcome {lhs!r} must have exactly two answered levels for logit, has {present}; "
                "make a 0/1 column first"
            )
        y = (col == present[1]).to_numpy(dtype=float)
        y[col.isna().to_numpy()] = np.nan
        return y
    y = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    vals = np.unique(y[np.isfinite(y)])
    if not set(vals.tolist()) <= {0.0, 1.0}:
        raise AnalysisError(f"outcome {lhs!r} must be 0/1 (or a two-level factor) for logit")
    return y


def logit(design: Design, formula: str, *, max_iter: int = 50) -> LogitResult:
    """Design-based logistic regression, as ``svyglm(formula, design, family=quasibinomial)``."""
    lhs, rhs = _split(formula)
    y_all = _binary_outcome(design, lhs)
    keep = np.isfinite(y_all)
    x, names, rows = _design_matrix(design, rhs, keep)
    y = y_all[rows]
    w = design.weights.to_numpy()[rows]
    w = w / w.mean()
    beta = np.zeros(x.shape[1])
    converged = False
    for _ in range(max_iter):
        eta = x @ beta
        mu = special.expit(eta)
        v = np.clip(mu * (1 - mu), 1e-300, None)
        info = x.T @ (x * (w * v)[:, None])
        step = np.linalg.solve(info, x.T @ (w * (y - mu)))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12 * (1 + np.max(np.abs(beta))):
            converged = True
            break
    mu = special.expit(x @ beta)
    if not converged or np.max(np.abs(beta)) > 30 or np.any((mu < 1e-10) | (mu > 1 - 1e-10)):
        raise SingularModelError(
            f"logistic model {formula!r} did not converge: the outcome is (quasi-)perfectly "
            "separated by the predictors; merge sparse categories or drop a predictor"
        )
    info = x.T @ (x * (w * mu * (1 - mu))[:, None])
    ainv = np.linalg.inv(info)
    z = np.zeros((len(design.data), x.shape[1]))
    z[rows] = (x * (w * (y - mu))[:, None]) @ ainv
    cov = design.influence_covariance(z)
    df_resid = design.degf + 1 - x.shape[1]
    if df_resid <= 0:
        raise AnalysisError(
            f"the model has {x.shape[1]} coefficients but the design has only {design.degf} "
            "degrees of freedom"
        )
    # svyvar(resid(g, "pearson"), design): weighted variance with the n/(n-1) factor
    r = (y - mu) / np.sqrt(mu * (1 - mu))
    rbar = float(np.sum(w * r) / np.sum(w))
    m = len(r)
    dispersion = float(np.sum(w * (r - rbar) ** 2) / np.sum(w) * m / (m - 1))
    # glm(..., weights = w / mean(w)): Pearson chi-squared over its residual df
    glm_dispersion = float(np.sum(w * r**2) / (m - x.shape[1]))
    return LogitResult(
        params=pd.Series(beta, index=names),
        cov_params=pd.DataFrame(cov, index=names, columns=names),
        df_resid=df_resid,
        n=len(rows),
        formula=formula,
        extra={
            "dispersion": dispersion,
            "glm_dispersion": glm_dispersion,
            "naive_cov": pd.DataFrame(ainv, index=names, columns=names),
        },
    )


def _ordinal_outcome(design: Design, lhs: str) -> tuple[np.ndarray, list[str]]:
    col = design.column(lhs)
    if not isinstance(col.dtype, pd.CategoricalDtype):
        raise AnalysisError(f"outcome {lhs!r} must be an ordered categorical for ordinal()")
    cats = list(col.cat.categories)
    codes = col.cat.codes.to_numpy().astype(np.int64)
    present = np.bincount(codes[codes >= 0], minlength=len(cats)) > 0
    used = [c for c, p in zip(cats, present, strict=True) if p]
    first, last = int(np.argmax(present)), len(cats) - 1 - int(np.argmax(present[::-1]))
    gaps = [cats[i] for i in range(first, last + 1) if not present[i]]
    if gaps:
        raise AnalysisError(
            f"level(s) {gaps} of {lhs!r} have no respondents; merge them with a neighbour"
        )
    if len(used) < 3:
        raise AnalysisError(f"outcome {lhs!r} needs at least three answered levels, has {used}")
    remap = np.full(len(cats), -1, dtype=np.int64)
    remap[present] = np.arange(len(used))
    y = np.where(codes >= 0, remap[np.clip(codes, 0, None)], -1)
    return y, [str(u) for u in used]


def ordinal(design: Design, formula: str) -> OrdinalResult:
    """Proportional-odds (cumulative logit) model, as ``svyolr(formula, design)``.

    logit P(Y ≤ k) = ζ_k − xβ, so a positive β means higher categories are
    more likely.  The outcome must be an ordered categorical (for example a
    5-point satisfaction scale with "don't know" set to missing).
    """
    lhs, rhs = _split(formula)
    y_all, levels = _ordinal_outcome(design, lhs)
    keep = y_all >= 0
    # code factors with an intercept (treatment contrasts, as R), then drop it:
    # the cut-points play its part
    x, names, rows = _design_matrix(design, rhs, keep)
    if "Intercept" in names:
        j = names.index("Intercept")
        x = np.delete(x, j, axis=1)
        names = names[:j] + names[j + 1 :]
    y = y_all[rows]
    w = design.weights.to_numpy()[rows]
    w = w / w.mean()
    p, k = x.shape[1], len(levels) - 1
    one_y = np.zeros((len(y), k))  # 1{y == j} for cut-point j as the upper bound
    two_y = np.zeros((len(y), k))  # 1{y - 1 == j} for cut-point j as the lower bound
    up = y < k
    one_y[np.flatnonzero(up), y[up]] = 1
    lo = y > 0
    two_y[np.flatnonzero(lo), y[lo] - 1] = 1

    def pieces(beta: FloatArray, zeta: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        eta = x @ beta
        upper = np.where(up, zeta[np.clip(y, 0, k - 1)] - eta, np.inf)
        lower = np.where(lo, zeta[np.clip(y - 1, 0, k - 1)] - eta, -np.inf)
        pr = np.clip(special.expit(upper) - special.expit(lower), 1e-300, None)
        f_up = np.where(up, special.expit(upper) * special.expit(-upper), 0.0)
        f_lo = np.where(lo, special.expit(lower) * special.expit(-lower), 0.0)
        return pr, f_up, f_lo

    def scores(beta: FloatArray, zeta: FloatArray) -> FloatArray:
        """Per-respondent weighted gradient of the log-likelihood in (β, ζ)."""
        pr, f_up, f_lo = pieces(beta, zeta)
        g_beta = -x * (w * (f_up - f_lo) / pr)[:, None]
        g_zeta = (one_y * f_up[:, None] - two_y * f_lo[:, None]) * (w / pr)[:, None]
        return np.hstack([g_beta, g_zeta])

    def unpack(theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        return theta[:p], np.cumsum(np.concatenate([theta[p : p + 1], np.exp(theta[p + 1 :])]))

    def negll(theta: FloatArray) -> float:
        beta, zeta = unpack(theta)
        pr, _, _ = pieces(beta, zeta)
        return float(-np.sum(w * np.log(np.clip(pr, 1e-300, None))))

    def grad(theta: FloatArray) -> FloatArray:
        beta, zeta = unpack(theta)
        g = -scores(beta, zeta).sum(axis=0)
        jac = np.zeros((k, k))
        jac[:, 0] = 1
        for j in range(1, k):
            jac[j:, j] = np.exp(theta[p + j])
        return np.concatenate([g[:p], jac.T @ g[p:]])

    cum = np.cumsum(np.bincount(y, weights=w, minlength=k + 1))[:-1] / w.sum()
    zeta0 = special.logit(cum)
    theta0 = np.concatenate([np.zeros(p), zeta0[:1], np.log(np.diff(zeta0))])
    res = optimize.minimize(
        negll, theta0, jac=grad, method="BFGS", options={"gtol": 1e-9, "maxiter": 5000}
    )
    est = np.concatenate(unpack(res.x))

    def total_score(e: FloatArray) -> FloatArray:
        return scores(e[:p], e[p:]).sum(axis=0)

    def hessian(e: FloatArray) -> FloatArray:
        """Hessian of the log-likelihood in (β, ζ): central differences of the analytic score."""
        hess = np.zeros((p + k, p + k))
        for j in range(p + k):
            h = 1e-5 * max(1.0, abs(e[j]))
            ep, em = e.copy(), e.copy()
            ep[j] += h
            em[j] -= h
            hess[:, j] = (total_score(ep) - total_score(em)) / (2 * h)
        return (hess + hess.T) / 2

    # BFGS gets close; Newton steps in (β, ζ) finish the job to full precision
    converged = False
    for _ in range(50):
        if not np.all(np.isfinite(est)):
            break
        try:
            step = np.linalg.solve(-hessian(est), total_score(est))
        except np.linalg.LinAlgError as exc:
            raise SingularModelError(f"proportional-odds model {formula!r} is singular") from exc
        est = est + step
        if np.max(np.abs(step)) < 1e-10 * (1 + np.max(np.abs(est))):
            converged = True
            break
    beta, zeta = est[:p], est[p:]
    if not converged or np.any(np.diff(zeta) <= 0) or np.max(np.abs(beta)) > 30:
        raise ConvergenceError(
            f"proportional-odds model {formula!r} did not converge; "
            "check for sparse categories or separation"
        )
    hinv = np.linalg.inv(-hessian(est))
    z = np.zeros((len(design.data), p + k))
    z[rows] = scores(beta, zeta) @ hinv
    cov = design.influence_covariance(z)
    labels = names + [f"{a}|{b}" for a, b in itertools.pairwise(levels)]
    return OrdinalResult(
        params=pd.Series(est, index=labels),
        cov_params=pd.DataFrame(cov, index=labels, columns=labels),
        df_resid=design.degf - p,
        n=len(rows),
        formula=formula,
        converged=converged,
        # w has mean 1, so -H⁻¹ is vcov(polr(formula, weights = w / mean(w)))
        extra={"naive_cov": pd.DataFrame(hinv, index=labels, columns=labels)},
    )
