"""Property tests for raking (hypothesis).

Margins are drawn from a reweighted version of the sample itself, so a
solution always exists; raking must then hit every margin, keep weights
positive, and not care about row order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analysis


@st.composite
def samples(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    seed = draw(st.integers(0, 2**31 - 1))
    n = draw(st.integers(30, 300))
    k_a = draw(st.integers(2, 5))
    k_b = draw(st.integers(2, 4))
    rng = np.random.default_rng(seed)
    a = np.concatenate([np.arange(k_a), rng.integers(0, k_a, n - k_a)])  # every category present
    b = np.concatenate([np.arange(k_b), rng.integers(0, k_b, n - k_b)])
    df = pd.DataFrame(
        {
            "a": [f"a{i}" for i in a],
            "b": [f"b{i}" for i in b],
            "c": rng.choice(["x", "y"], n),
            "w": rng.uniform(0.2, 5.0, n),
        }
    )
    # a population consistent with the sample: any positive reweighting of it
    target_w = df["w"] * rng.uniform(0.3, 3.0, n) * draw(st.floats(1.0, 1000.0))
    margins = {v: target_w.groupby(df[v]).sum().to_dict() for v in ("a", "b")}
    return df, margins


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(samples())
def test_raking_hits_margins_with_positive_weights(case: tuple[pd.DataFrame, dict]) -> None:
    df, margins = case
    raked = analysis.rake(analysis.Design(df, weights="w"), margins, max_iter=2000, tol=1e-9)
    w = raked.weights
    assert (w > 0).all()
    for var, target in margins.items():
        got = w.groupby(df[var]).sum()
        for cat, pop in target.items():
            assert abs(got[cat] - pop) <= 1e-8 * pop
    assert raked.rake_report.converged and raked.rake_report.max_margin_error < 1e-9


@settings(max_examples=30, deadline=None)
@given(samples(), st.integers(0, 2**31 - 1))
def test_raking_ignores_row_order(case: tuple[pd.DataFrame, dict], seed: int) -> None:
    df, margins = case
    order = np.random.default_rng(seed).permutation(len(df))
    shuffled = df.iloc[order]
    one = analysis.rake(analysis.Design(df, weights="w"), margins, max_iter=2000, tol=1e-11)
    two = analysis.rake(analysis.Design(shuffled, weights="w"), margins, max_iter=2000, tol=1e-11)
    pd.testing.assert_series_equal(one.weights, two.weights.loc[df.index], rtol=1e-8)
    p1 = one.proportion("c", "x")
    p2 = two.proportion("c", "x")
    np.testing.assert_allclose(p1[["estimate", "se"]], p2[["estimate", "se"]], rtol=1e-7)


def test_bounded_raking_keeps_weights_in_bounds_and_hits_margins() -> None:
    rng = np.random.default_rng(5)
    n = 2000
    df = pd.DataFrame(
        {
            "a": rng.choice(["x", "y", "z"], n, p=[0.5, 0.3, 0.2]),
            "b": rng.choice(["u", "v"], n, p=[0.6, 0.4]),
            "w": 5.0,
        }
    )
    margins = {"a": {"x": 4000.0, "y": 3500.0, "z": 2500.0}, "b": {"u": 5000.0, "v": 5000.0}}
    design = analysis.Design(df, weights="w")
    free = analysis.rake(design, margins).rake_report.weight_ratio_range
    assert free[1] > 1.65  # unbounded raking needs a factor above the bound used below
    raked = analysis.rake(design, margins, bounds=(0.6, 1.6), max_iter=500, tol=1e-9)
    ratio = raked.weights / 5.0
    assert ratio.between(0.6 - 1e-12, 1.6 + 1e-12).all() and ratio.max() == pytest.approx(1.6)
    for var, target in margins.items():
        got = raked.weights.groupby(df[var]).sum()
        for cat, pop in target.items():
            assert abs(got[cat] - pop) <= 1e-8 * pop
    # a margin outside what the bounds allow is named; an infeasible combination does not converge
    with pytest.raises(analysis.RakingError, match=r"a='x' \(4000\) cannot be reached"):
        analysis.rake(design, margins, bounds=(0.8, 1.3))
    with pytest.raises(analysis.ConvergenceError, match="within the weight bounds"):
        analysis.rake(design, margins, bounds=(0.7, 1.5), max_iter=200)
