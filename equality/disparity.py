"""`assess`: how each group compares with everyone else, with design-based uncertainty.

For every characteristic and group the outcome proportion is compared with
*the rest of the people who answered* (not with the largest group), because
an EqIA asks "are these residents treated differently from everyone else?".

The numbers, and what R's ``survey`` package computes for the same thing
(tests/equality/results/make_results.R):

* group estimate: weighted proportion, logit interval on the **domain's**
  degrees of freedom (its PSUs minus its strata), as
  ``svyciprop(~y, subset(design, group), method = "logit")`` — the convention
  of ``svyby(..., svyciprop)``;
* gap = group − rest and ratio = group / rest: standard errors from the
  design's linearisation with the covariance of the two domain estimates
  (``svyby(~y, ~in_group, design, svymean, covmat = TRUE)`` then
  ``svycontrast``); raked designs use the raking-aware variance of
  `analysis`.  Intervals and the two-sided t test use the design's degrees of
  freedom (``confint(..., df = degf(design))``), as `analysis.Design.difference`
  does; the ratio's interval is exp(log ratio ± t·SE(log ratio));
* p-values adjusted across every group of the assessment that has enough
  responses to be tested (Holm by default, Benjamini–Hochberg, or none), as
  R's ``p.adjust``.

All the group and complement influence functions are linear in 2·K basis
columns (weighted outcome and weight per group), so the design covariance is
computed once for the basis and transformed — one sparse pass per
characteristic however many groups it has.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis import Design
from analysis.intervals import proportion_interval, t_quantile
from analysis.io import translate_code
from equality.characteristics import (
    CATALOGUE,
    Characteristic,
    CharacteristicError,
    Combination,
    groups_for,
    resolve,
)
from equality.disclosure import suppress

if TYPE_CHECKING:
    from pathlib import Path

FINDINGS = (
    "likely adverse impact",
    "likely positive impact",
    "no evidence of a difference",
    "not enough responses to say",
)
ADJUST = {"holm": "holm", "bh": "fdr_bh", None: None}

COLUMNS = [
    "characteristic",
    "group",
    "estimate",
    "ci_low",
    "ci_high",
    "rest_estimate",
    "gap",
    "gap_ci_low",
    "gap_ci_high",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "p_value",
    "p_adjusted",
    "n",
    "n_eff",
    "finding",
]


class EqualityError(ValueError):
    """The assessment cannot be made as asked; the message says what is missing."""


Outcome = str | tuple[str, Sequence[Hashable] | Hashable]


@dataclass
class Assessment:
    """Findings for one outcome across characteristics, ready for an EqIA.

    ``findings`` is disclosure-controlled: rows with fewer than ``min_n``
    responses, and the rows hidden with them so they cannot be worked out,
    have every number blanked (``suppressed`` says why).  ``combinations`` says
    which categories were reported together; ``gaps`` lists characteristics not
    asked or with too few responses.
    """

    findings: pd.DataFrame
    outcome: str
    outcome_label: str
    higher_is_better: bool
    min_n: int
    alpha: float
    adjust: str | None
    combinations: list[Combination]
    gaps: list[dict[str, str]]
    design_summary: dict[str, Any]
    round_to: int | None = None
    notes: dict[str, str] = field(default_factory=dict)
    #: how many groups had enough responses to be tested (the family the adjustment covers)
    tested: int = 0

    def summary(self) -> pd.DataFrame:
        """One row per characteristic: how many groups each finding has."""
        f = self.findings
        if f.empty:
            return pd.DataFrame(columns=["characteristic", *FINDINGS])
        t = pd.crosstab(f["characteristic"], f["finding"]).reindex(columns=list(FINDINGS))
        return t.fillna(0).astype(int).reset_index()

    def to_json(self) -> dict[str, Any]:
        """Findings and method notes as plain JSON types (disclosure-controlled)."""
        rows = json_rows(self.findings)
        return {
            "outcome": self.outcome,
            "outcome_label": self.outcome_label,
            "higher_is_better": self.higher_is_better,
            "min_n": self.min_n,
            "alpha": self.alpha,
            "adjust": self.adjust,
            "round_to": self.round_to,
            "tested": self.tested,
            "design": self.design_summary,
            "combinations": [
                c.__dict__ | {"combined": list(c.combined)} for c in self.combinations
            ],
            "evidence_gaps": self.gaps,
            "findings": rows,
        }

    def report(self, path: str | Path, format: str = "html", **kwargs: Any) -> Path:
        """Write the EqIA evidence report (HTML, or PDF through Chromium)."""
        from equality.report import write_report

        return write_report(self, path, format=format, **kwargs)


def json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in frame.to_dict(orient="records"):
        row: dict[str, Any] = {}
        for k, v in rec.items():
            if isinstance(v, (float, np.floating)):
                row[str(k)] = None if not np.isfinite(v) else float(v)
            elif isinstance(v, (np.integer,)):
                row[str(k)] = int(v)
            elif isinstance(v, (np.bool_,)):
                row[str(k)] = bool(v)
            else:
                row[str(k)] = v
        out.append(row)
    return out


# ----------------------------------------------------------------- outcome
def outcome_indicator(design: Design, outcome: Outcome) -> tuple[np.ndarray, str, str]:
    """0/1/NaN per row, the outcome's column and a label such as "q1: Very or Fairly satisfied"."""
    if isinstance(outcome, str):
        column = outcome
        if column not in design.data.columns:
            raise EqualityError(f"outcome column {column!r} is not in the data")
        col = design.data[column]
        if pd.api.types.is_bool_dtype(col):
            y = col.astype(float).to_numpy()
        else:
            try:
                y = design.numeric(column)
            except Exception as exc:
                raise EqualityError(
                    f"outcome {column!r} is not a 0/1 column; give (column, levels) for "
                    "'answered one of these levels'"
                ) from exc
        bad = np.isfinite(y) & (y != 0) & (y != 1)
        if bad.any():
            raise EqualityError(
                f"outcome {column!r} must be 0 or 1 (or missing); found "
                f"{sorted(set(y[bad].tolist()))[:5]}"
            )
        label = (design.data.attrs.get("labels") or {}).get(column, column)
    else:
        column, levels = outcome
        if column not in design.data.columns:
            raise EqualityError(f"outcome column {column!r} is not in the data")
        levels_list: list[Hashable] = (
            [levels] if isinstance(levels, (str, int, float)) else list(levels)  # type: ignore[call-overload]
        )
        if not levels_list:
            raise EqualityError(f"outcome {column!r} needs at least one level")
        y = np.zeros(len(design.data))
        for lev in levels_list:
            try:
                ind = design.indicator(column, lev)
            except Exception as exc:
                raise EqualityError(str(exc)) from exc
            y = np.where(np.isnan(ind), np.nan, np.maximum(y, ind))
        shown = [str(translate_code(design.data, column, lev)) for lev in levels_list]
        question = (design.data.attrs.get("labels") or {}).get(column, column)
        label = f"{question}: {' or '.join(shown)}"
    ok = np.isfinite(y)
    if not ok.any():
        raise EqualityError(f"outcome {column!r} has no answers")
    if len(np.unique(y[ok])) < 2:
        raise EqualityError(
            f"outcome {label!r} has one value only ({int(y[ok][0])} for every respondent), "
            "so there is no difference to assess"
        )
    return y, column, label


def fieldwork_dates(data: pd.DataFrame) -> str | None:
    """ "2 March 2026 to 28 April 2026": the first and last ``submitted_at`` (None if absent)."""
    if "submitted_at" not in data.columns:
        return None
    when = pd.to_datetime(data["submitted_at"], errors="coerce", utc=True, format="ISO8601")
    when = when.dropna()
    if when.empty:
        return None
    first, last = (f"{d.day} {d:%B %Y}" for d in (when.min(), when.max()))
    return first if first == last else f"{first} to {last}"


# ------------------------------------------------------------ the numbers
def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values, as R's ``p.adjust(p, "holm")``.

    statsmodels' ``multipletests(method="holm")`` gives the same numbers but calls
    ``gc.collect()`` on every use, which in a service process with a large heap took half a
    second per assessment (the progress report runs one per survey measure). The tests
    compare this with R and with statsmodels.
    """
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def compare_groups(
    design: Design, y: np.ndarray, groups: pd.Series, order: Sequence[str], confidence: float
) -> pd.DataFrame:
    """Every group of ``groups`` against the rest who answered, before any suppression."""
    answered = np.isfinite(y)
    group_of, uniques = pd.factorize(groups, use_na_sentinel=True)
    labels = [str(u) for u in uniques]
    seen = np.bincount(group_of[answered & (group_of >= 0)], minlength=len(labels)) > 0
    found = {lab for lab, s in zip(labels, seen, strict=True) if s}
    present = [lab for lab in order if lab in found]
    present += sorted(found - set(present))
    k = len(present)
    if k == 0:
        return pd.DataFrame(columns=COLUMNS)
    index = {lab: i for i, lab in enumerate(present)}
    remap = np.array([index.get(lab, -1) for lab in labels] + [-1], dtype=np.int64)
    # group code per row (-1: not answered, or no group); remap[-1] is for NaN groups
    codes_all = np.where(answered, remap[group_of], -1)
    rows = np.flatnonzero(codes_all >= 0)
    codes = codes_all[rows]
    w = design.weights.to_numpy()[rows]
    yy = y[rows]
    n_rows = len(y)
    # basis columns: u_j = w·y on group j, v_j = w on group j
    basis = sp.csr_matrix(
        (
            np.concatenate([w * yy, w]),
            (np.concatenate([rows, rows]), np.concatenate([codes, codes + k])),
        ),
        shape=(n_rows, 2 * k),
    )
    cov_basis = design.influence_covariance(basis)
    wy = np.bincount(codes, weights=w * yy, minlength=k)
    ws = np.bincount(codes, weights=w, minlength=k)
    ww = np.bincount(codes, weights=w * w, minlength=k)
    n = np.bincount(codes, minlength=k)
    p = wy / ws
    wy_all, ws_all = wy.sum(), ws.sum()
    # transform: column 2i = group i's influence, 2i+1 = the rest's
    lmat = np.zeros((2 * k, 2 * k))
    p_rest = (wy_all - wy) / np.where(ws_all - ws > 0, ws_all - ws, np.nan)
    for i in range(k):
        lmat[i, 2 * i] = 1 / ws[i]
        lmat[k + i, 2 * i] = -p[i] / ws[i]
        if ws_all - ws[i] > 0:
            others = np.arange(k) != i
            lmat[np.flatnonzero(others), 2 * i + 1] = 1 / (ws_all - ws[i])
            lmat[k + np.flatnonzero(others), 2 * i + 1] = -p_rest[i] / (ws_all - ws[i])
    cov = lmat.T @ cov_basis @ lmat
    t_design = t_quantile(confidence, design.degf)
    # each group's own PSUs minus its strata (R's degf(subset(design, group)))
    df_dom = design.interval_df("domain", codes_all, k).astype(np.int64)
    var_g_all = np.maximum(np.diag(cov)[0::2], 0.0)
    lo, hi = proportion_interval(
        p, var_g_all, n.astype(float), np.maximum(df_dom, 1).astype(float), "logit", confidence
    )
    n_eff = np.where(ww > 0, ws**2 / np.where(ww > 0, ww, 1.0), 0.0)
    out = []
    for i, lab in enumerate(present):
        var_g, var_r, cov_gr = var_g_all[i], cov[2 * i + 1, 2 * i + 1], cov[2 * i, 2 * i + 1]
        gap = p[i] - p_rest[i]
        se_gap = float(np.sqrt(max(var_g + var_r - 2 * cov_gr, 0.0)))
        ratio = p[i] / p_rest[i] if p_rest[i] > 0 else np.nan
        if p[i] > 0 and p_rest[i] > 0:
            var_log = var_g / p[i] ** 2 + var_r / p_rest[i] ** 2 - 2 * cov_gr / (p[i] * p_rest[i])
            se_log = float(np.sqrt(max(var_log, 0.0)))
        else:
            se_log = np.nan
        pval = float(2 * stats.t.sf(abs(gap) / se_gap, design.degf)) if se_gap > 0 else np.nan
        out.append(
            {
                "group": lab,
                "estimate": p[i],
                "se": np.sqrt(var_g),
                "ci_low": float(lo[i]),
                "ci_high": float(hi[i]),
                "df": int(df_dom[i]),
                "rest_estimate": p_rest[i],
                "rest_se": np.sqrt(max(var_r, 0.0)),
                "gap": gap,
                "gap_se": se_gap,
                "gap_ci_low": gap - t_design * se_gap,
                "gap_ci_high": gap + t_design * se_gap,
                "ratio": ratio,
                "ratio_se": ratio * se_log,
                "ratio_ci_low": ratio * np.exp(-t_design * se_log),
                "ratio_ci_high": ratio * np.exp(t_design * se_log),
                "p_value": pval,
                "n": int(n[i]),
                "rest_n": int(n.sum() - n[i]),
                "n_eff": float(n_eff[i]),
                "weighted_n": ws[i],
            }
        )
    return pd.DataFrame(out)


def assess(
    design: Design,
    outcome: Outcome,
    characteristics: Sequence[str] | None = None,
    *,
    min_n: int = 10,
    alpha: float = 0.05,
    adjust: str | None = "holm",
    higher_is_better: bool = True,
    round_to: int | None = None,
) -> Assessment:
    """Compare the outcome for every group of every characteristic with everyone else.

    ``outcome`` is a 0/1 column or ``(column, levels)`` ("answered one of
    these"); ``characteristics`` are catalogue names or columns (None: every
    catalogue characteristic the data has).  A finding is "not enough
    responses to say" when the group, or the rest, has fewer than ``min_n``
    responses or the group's Kish effective n is below ``min_n``; otherwise it
    is adverse (or positive) when the adjusted p-value is below ``alpha`` and
    the gap is in the worse (better) direction.  ``round_to`` rounds shown
    counts (e.g. to 5).
    """
    if not isinstance(design, Design):
        raise EqualityError(f"design must be an analysis.Design, not {type(design).__name__}")
    if adjust not in ADJUST:
        raise EqualityError(f"adjust={adjust!r} is not one of 'holm', 'bh' or None")
    if not 0 < alpha < 1:
        raise EqualityError(f"alpha must be between 0 and 1, not {alpha!r}")
    if min_n < 1:
        raise EqualityError(f"min_n must be at least 1, not {min_n!r}")
    y, column, label = outcome_indicator(design, outcome)
    data = design.data
    try:
        chars: list[Characteristic] = resolve(characteristics, data.columns)
    except CharacteristicError as exc:
        raise EqualityError(str(exc)) from exc
    gaps: list[dict[str, str]] = []
    asked = {c.name for c in chars}
    if characteristics is None:
        for ch in CATALOGUE.values():
            if ch.name not in asked:
                gaps.append(
                    {
                        "characteristic": ch.label,
                        "reason": "not asked in this survey",
                        "detail": ch.note,
                    }
                )
        if not chars:
            raise EqualityError(
                "the survey has no equality answers: none of the catalogue characteristics' "
                "columns is in the data ("
                + ", ".join(
                    sorted({c for ch in CATALOGUE.values() for s in ch.sources for c in s.columns})
                )
                + ")"
            )
    answered = pd.Series(np.isfinite(y), index=data.index)
    frames, combos = [], []
    for ch in chars:
        try:
            groups, comb = groups_for(ch, data, answered, min_n=min_n)
        except CharacteristicError as exc:
            raise EqualityError(str(exc)) from exc
        combos.extend(comb)
        into = {lab: c.group for c in comb for lab in c.combined}
        order = list(dict.fromkeys(into.get(c.label, c.label) for c in ch.categories))
        frame = compare_groups(design, y, groups, order, 1 - alpha)
        if frame.empty:
            gaps.append(
                {
                    "characteristic": ch.label,
                    "reason": "nobody who answered the outcome answered this question",
                    "detail": "",
                }
            )
            continue
        frame.insert(0, "characteristic", ch.label)
        frames.append(frame)
    if not frames:
        raise EqualityError(
            "nobody who answered the outcome answered "
            + (", ".join(repr(c.label) for c in chars) or "any equality question")
            + ", so there is nothing to compare"
        )
    findings = pd.concat(frames, ignore_index=True)
    too_few = (
        (findings["n"] < min_n) | (findings["rest_n"] < min_n) | (findings["n_eff"] < min_n)
    ).to_numpy(dtype=bool)
    findings["p_adjusted"] = np.nan
    testable = ~too_few & np.isfinite(findings["p_value"].to_numpy(dtype=float))
    if testable.any():
        pv = findings.loc[testable, "p_value"].to_numpy(dtype=float)
        method = ADJUST[adjust]
        findings.loc[testable, "p_adjusted"] = (
            pv
            if method is None
            else holm(pv)
            if method == "holm"
            else multipletests(pv, alpha=alpha, method=method)[1]
        )
    worse = findings["gap"] < 0 if higher_is_better else findings["gap"] > 0
    sig = findings["p_adjusted"] < alpha
    findings["finding"] = np.select(
        [too_few, sig & worse, sig & ~worse],
        ["not enough responses to say", "likely adverse impact", "likely positive impact"],
        "no evidence of a difference",
    )
    for ch_label, rows in findings.groupby("characteristic", sort=False):
        if (rows["finding"] == "not enough responses to say").all():
            gaps.append(
                {
                    "characteristic": str(ch_label),
                    "reason": f"every group has fewer than {min_n} responses (or too small an "
                    "effective sample)",
                    "detail": "",
                }
            )
    extra = [c for c in findings.columns if c not in COLUMNS]
    findings = findings[[*COLUMNS, *extra]]
    # rounding covers every figure that is a count in disguise: for an unweighted design
    # the weighted n and Kish's n are the count itself
    shown = suppress(
        findings,
        min_n=min_n,
        round_to=round_to,
        count_columns=("n", "rest_n", "n_eff", "weighted_n"),
    )
    summary: dict[str, Any] = {
        "respondents": len(data),
        "answered_outcome": int(np.isfinite(y).sum()),
        "raked": design.is_raked,
        "weighted": design.weights_column is not None or design.is_raked,
        "degf": design.degf,
        "effective_n": design.effective_sample_size(),
        "kish_deff": design.kish_deff(),
        # everyone's share is a number like any other: not shown from fewer than min_n
        "weighted_estimate": float(
            np.nansum(design.weights.to_numpy() * np.nan_to_num(y))
            / design.weights.to_numpy()[np.isfinite(y)].sum()
        )
        if np.isfinite(y).sum() >= min_n
        else float("nan"),
    }
    for key in ("survey", "fieldwork", "weighting"):
        if data.attrs.get(key):
            summary[key] = data.attrs[key]
    title = (data.attrs.get("codebook") or {}).get("title")
    if title:  # an export's codebook names the survey; attrs["survey"] is its slug
        summary["survey"] = str(title)
    if "fieldwork" not in summary and (dates := fieldwork_dates(data)):
        summary["fieldwork"] = dates
    if design.rake_report is not None:
        summary["raked_to"] = (
            ", ".join(map(str, pd.unique(design.rake_report.margins.iloc[:, 0])))
            if len(design.rake_report.margins.columns)
            else ""
        )
    return Assessment(
        findings=shown,
        outcome=column,
        outcome_label=label,
        higher_is_better=higher_is_better,
        min_n=min_n,
        alpha=alpha,
        adjust=adjust,
        combinations=combos,
        gaps=gaps,
        design_summary=summary,
        round_to=round_to,
        tested=int(testable.sum()),
    )
