"""`equality.disparity.holm` is Holm's adjustment exactly as statsmodels (and R) give it."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from equality.disparity import holm


@pytest.mark.parametrize("seed", range(5))
def test_holm_matches_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 0.2, size=int(rng.integers(1, 40)))
    p[: len(p) // 3] = p[0]  # ties, as many groups with one p-value give
    np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], rtol=1e-12)


def test_holm_is_capped_at_one_and_keeps_order() -> None:
    assert list(holm(np.array([0.5, 0.01, 0.04]))) == pytest.approx([0.5, 0.03, 0.08])
    assert list(holm(np.array([0.6, 0.6]))) == [1.0, 1.0]
