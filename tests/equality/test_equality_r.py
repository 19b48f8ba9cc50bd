"""`equality.assess` against R's survey package (results/make_results.R).

Group proportions, rest-of-respondents proportions, gaps, ratios, their SEs,
intervals and p-values, effective n and Holm/BH adjustments, for a stratified
clustered design as drawn and raked to two margins.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import equality
from analysis import Design
from equality.characteristics import CATALOGUE
from equality.disparity import compare_groups
from tests.equality.r_reference import RTOL

CHARACTERISTICS = {
    "age": "age",
    "sex": "sex",
    "panel_ethnicity": "race",
    "disability": "disability",
}


def _raw(design: Design, adjust: str | None) -> pd.DataFrame:
    """Unsuppressed numbers: assess's own comparison on the catalogue groups."""
    result = equality.assess(design, "y", list(CHARACTERISTICS.values()), adjust=adjust, min_n=10)
    return result.findings


def _r_frame(r: dict[str, Any]) -> pd.DataFrame:
    rows = pd.DataFrame(r["rows"])
    rows["label"] = [
        CATALOGUE[CHARACTERISTICS[c]].label_of(g)
        for c, g in zip(rows["characteristic"], rows["group"], strict=True)
    ]
    rows["char_label"] = [CATALOGUE[CHARACTERISTICS[c]].label for c in rows["characteristic"]]
    return rows


@pytest.mark.parametrize("name", ["plain", "raked"])
def test_raked_weights_match(
    eq_designs: dict[str, Design], r_results: dict[str, Any], name: str
) -> None:
    if name == "raked":
        np.testing.assert_allclose(
            eq_designs["raked"].weights, r_results["raked_weights"], rtol=RTOL
        )
    assert eq_designs[name].degf == r_results[name]["degf"]


@pytest.mark.parametrize("name", ["plain", "raked"])
def test_every_group_matches_r(
    eq_designs: dict[str, Design], r_results: dict[str, Any], name: str
) -> None:
    design = eq_designs[name]
    want = _r_frame(r_results[name])
    y = design.numeric("y")
    for ch_label, rows in want.groupby("char_label"):
        ch = next(c for c in CATALOGUE.values() if c.label == ch_label)
        groups = ch.detailed(design.data)  # no combining: R compares the detailed groups
        got = compare_groups(design, y, groups, [c.label for c in ch.categories], 0.95)
        got = got.set_index("group").loc[list(rows["label"])]
        assert len(got) == len(rows)
        for col in (
            "estimate",
            "se",
            "rest_estimate",
            "rest_se",
            "gap",
            "gap_se",
            "gap_ci_low",
            "gap_ci_high",
            "ratio",
            "ratio_se",
            "ratio_ci_low",
            "ratio_ci_high",
            "p_value",
            "n_eff",
        ):
            np.testing.assert_allclose(
                got[col].to_numpy(float),
                rows[col].to_numpy(float),
                rtol=RTOL,
                atol=1e-12,
                err_msg=f"{name} {ch_label} {col}",
            )
        assert list(got["n"]) == list(rows["n"])
        assert list(got["rest_n"]) == list(rows["rest_n"])
        assert list(got["df"]) == list(rows["domain_df"])
        # the four-person group (df 2) is never shown; R's svyglm-based logit interval
        # for it degenerates to a lower limit of 0 on the raked design
        inner = rows["n"].to_numpy() >= 10
        for col in ("ci_low", "ci_high"):
            np.testing.assert_allclose(
                got[col].to_numpy(float)[inner],
                rows[col].to_numpy(float)[inner],
                rtol=RTOL,
                err_msg=f"{name} {ch_label} {col}",
            )


@pytest.mark.parametrize("name", ["plain", "raked"])
@pytest.mark.parametrize(
    ("adjust", "r_col"), [("holm", "p_holm"), ("bh", "p_bh"), (None, "p_value")]
)
def test_adjusted_p_values_match_p_adjust(
    eq_designs: dict[str, Design],
    r_results: dict[str, Any],
    name: str,
    adjust: str | None,
    r_col: str,
) -> None:
    want = _r_frame(r_results[name])
    want = want[want["p_holm"].notna()]
    got = _raw(eq_designs[name], adjust).set_index(["characteristic", "group"])
    shown = got.loc[list(zip(want["char_label"], want["label"], strict=True))]
    visible = (shown["suppressed"] == "").to_numpy()
    np.testing.assert_allclose(
        shown["p_adjusted"].to_numpy(float)[visible],
        want[r_col].to_numpy(float)[visible],
        rtol=RTOL,
    )
    # the group R leaves out (four people) has no adjusted p-value and no numbers, and the
    # smallest other ethnic group is hidden with it so it cannot be worked out from the rest
    small = got.loc[("Race (ethnic group)", "Other ethnic group")]
    assert np.isnan(small["p_adjusted"]) and np.isnan(small["estimate"])
    assert small["finding"] == "not enough responses to say"
    hidden = shown.index[~visible].tolist()
    assert hidden == [("Race (ethnic group)", "Mixed or Multiple ethnic groups")]


def test_findings_follow_the_adjusted_test(eq_designs: dict[str, Design]) -> None:
    f = _raw(eq_designs["plain"], "holm")
    black = f.set_index("group").loc["Black, Black British, Black Welsh, Caribbean or African"]
    assert black["p_adjusted"] < 0.05 and black["gap"] < 0
    assert black["finding"] == "likely adverse impact"
    flipped = equality.assess(eq_designs["plain"], "y", ["race"], higher_is_better=False)
    row = flipped.findings.set_index("group").loc[black.name]
    assert row["finding"] == "likely positive impact"
    assert set(f["finding"]) <= set(equality.disparity.FINDINGS)
