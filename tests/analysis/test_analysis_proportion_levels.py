"""`proportion()` with several levels equals the proportion of a derived 0/1 column,
whose numbers are checked against R (svymean/svyciprop) in test_analysis_r_estimates."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import Design, UnknownLevelError


@pytest.mark.parametrize("name", ["strat", "clus1", "rclus1"])
def test_several_levels_match_a_derived_indicator(designs: dict[str, Design], name: str) -> None:
    d = designs[name]
    derived = d.indicator("rating", "r4") + d.indicator("rating", "r5")
    d.data["_r45"] = derived
    try:
        want = d.mean("_r45", by="stype")
        got = d.proportion("rating", ["r4", "r5"], by="stype", ci="wald")
    finally:
        del d.data["_r45"]
    np.testing.assert_allclose(got["estimate"], want["estimate"], rtol=1e-12)
    np.testing.assert_allclose(got["se"], want["se"], rtol=1e-10)
    # mean() and proportion() share the group-interval default (df="domain")
    np.testing.assert_allclose(got["ci_low"], want["ci_low"], rtol=1e-10)
    np.testing.assert_array_equal(got["df"], want["df"])
    one = d.proportion("rating", ("r5",))
    np.testing.assert_allclose(one["estimate"], d.proportion("rating", "r5")["estimate"])


def test_an_unknown_level_in_the_list_is_named(designs: dict[str, Design]) -> None:
    with pytest.raises(UnknownLevelError, match="'r9'"):
        designs["strat"].proportion("rating", ["r4", "r9"])
