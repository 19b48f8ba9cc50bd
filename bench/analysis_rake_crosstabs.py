"""Benchmark: rake a 1,000,000-respondent survey to four margins, then 30 weighted
crosstabs with confidence intervals — `analysis` beside samplics, in the same run.

Usage:  .venv/bin/python bench/analysis_rake_crosstabs.py [--n 1000000] [--tables 30]

Both libraries get the same synthetic data (20 five-point questions with some
"don't know" set to missing, four demographic variables) and the same job:
rake the base weights to population margins on age, sex, region and ethnic
group; then for 30 question × demographic pairs, weighted column percentages
with standard errors and 95% CIs (analysis also computes the significance
letters between columns and allows for the raking in the SEs; samplics treats
the raked weights as fixed).  Timings are wall-clock, best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import analysis

DEMOGRAPHICS = {"age": 7, "sex": 2, "region": 9, "ethnicity": 6}
LEVELS = [
    "very_satisfied",
    "fairly_satisfied",
    "neither",
    "fairly_dissatisfied",
    "very_dissatisfied",
]


def make_data(
    n: int, questions: int = 20, seed: int = 1
) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """Synthetic survey plus population margins that differ from the sample's make-up."""
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {}
    margins: dict[str, dict[str, float]] = {}
    for var, k in DEMOGRAPHICS.items():
        sample_p = rng.dirichlet(np.full(k, 5.0))
        data[var] = pd.Categorical.from_codes(
            rng.choice(k, n, p=sample_p), [f"{var}{i}" for i in range(k)]
        )
        pop_p = rng.dirichlet(np.full(k, 5.0))
        margins[var] = {f"{var}{i}": float(p * 10_000_000) for i, p in enumerate(pop_p)}
    latent = rng.normal(size=n) + 0.1 * data["age"].codes
    for q in range(questions):
        score = latent * rng.uniform(0.3, 0.8) + rng.normal(size=n)
        codes = np.digitize(score, [-1.2, -0.4, 0.3, 1.1])
        codes = np.where(rng.random(n) < 0.03, -1, codes)  # don't know -> missing
        data[f"q{q + 1:02d}"] = pd.Categorical.from_codes(codes, LEVELS, ordered=True)
    data["w"] = rng.uniform(0.5, 2.0, n)
    return pd.DataFrame(data), margins


def table_pairs(tables: int, questions: int = 20) -> list[tuple[str, str]]:
    demos = list(DEMOGRAPHICS)
    return [(f"q{(i % questions) + 1:02d}", demos[i % len(demos)]) for i in range(tables)]


def run_analysis(df: pd.DataFrame, margins: dict, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    t0 = time.perf_counter()
    design = analysis.rake(analysis.Design(df, weights="w"), margins, tol=1e-6)
    t1 = time.perf_counter()
    first = None
    for row, col in pairs:
        tab = design.crosstab(row, col)
        assert np.isfinite(tab.ci_low.to_numpy()).all()
        first = first if first is not None else tab
    t2 = time.perf_counter()
    return {"rake": t1 - t0, "crosstabs": t2 - t1, "first": first, "weights": design.weights}


def run_samplics(df: pd.DataFrame, margins: dict, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """samplics 0.6: SampleWeight.rake, then TaylorEstimator proportions by domain.

    samplics' own ``CrossTabulation`` fails with the polars installed here
    (``ShapeError: can't broadcast Series 'key'``), so the column percentages
    come from its domain estimator, which gives the same numbers (estimate,
    Taylor SE, logit CI) per column.
    """
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam
    from samplics.weighting import SampleWeight

    t0 = time.perf_counter()
    raked = SampleWeight().rake(
        samp_weight=df["w"].to_numpy(),
        margins={v: df[v].astype(str).to_numpy() for v in margins},
        control=margins,
        tol=1e-6,
        max_iter=100,
    )
    t1 = time.perf_counter()
    first = None
    for row, col in pairs:
        est = TaylorEstimator(param=PopParam.prop)
        est.estimate(
            y=df[row].astype(object).to_numpy(),
            samp_weight=raked,
            domain=df[col].astype(str).to_numpy(),
            remove_nan=True,
        )
        if first is None:
            first = est.to_dataframe()
    t2 = time.perf_counter()
    return {"rake": t1 - t0, "crosstabs": t2 - t1, "first": first, "weights": raked}


def best_of(fn: Callable[[], dict[str, Any]], repeat: int) -> dict[str, Any]:
    runs = [fn() for _ in range(repeat)]
    return min(runs, key=lambda r: r["rake"] + r["crosstabs"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--tables", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--skip-samplics", action="store_true")
    args = parser.parse_args()
    df, margins = make_data(args.n)
    pairs = table_pairs(args.tables)
    rows = {"analysis": best_of(lambda: run_analysis(df, margins, pairs), args.repeat)}
    if not args.skip_samplics:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows["samplics"] = best_of(lambda: run_samplics(df, margins, pairs), args.repeat)
    print(
        f"\n{args.n:,} respondents, 20 questions, rake to {len(margins)} margins, "
        f"{args.tables} crosstabs with CIs"
    )
    print(f"{'library':<10} {'rake (s)':>10} {'crosstabs (s)':>15} {'total (s)':>10}")
    for name, r in rows.items():
        total = r["rake"] + r["crosstabs"]
        print(f"{name:<10} {r['rake']:>10.2f} {r['crosstabs']:>15.2f} {total:>10.2f}")
    if "samplics" in rows:
        ours, theirs = rows["analysis"], rows["samplics"]
        wdiff = np.max(np.abs(ours["weights"].to_numpy() / theirs["weights"] - 1))
        tab = ours["first"]
        sam = theirs["first"].set_index(["_level", "_domain"])["_estimate"]
        mine = (tab.percent / 100).stack(future_stack=True)
        pdiff = max(abs(mine[(lev, dom)] - sam[(str(lev), str(dom))]) for lev, dom in mine.index)
        print(
            f"agreement: raked weights max relative difference {wdiff:.1e}; "
            f"first table's column proportions max difference {pdiff:.1e}"
        )


if __name__ == "__main__":
    main()
