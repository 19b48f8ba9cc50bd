"""Disclosure control: a hidden group cannot be worked out from what is shown.

Each test plays the attacker: it takes only the published (suppressed) table and
tries to recover the small group's count and proportion from totals, the
rest-of-population figures and the other groups.  The same attack is run on a
table with primary suppression only, to show that the attack itself works.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import equality
from analysis import Design
from equality.disclosure import SECONDARY, hidden_sets, round_counts, suppress


def _survey(sizes: dict[str, int], seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for group, size in sizes.items():
        for _ in range(size):
            rows.append({"religion": group, "y": int(rng.random() < 0.6)})
    return pd.DataFrame(rows)


SIZES = {"christian": 220, "none": 180, "muslim": 60, "jewish": 7}


def _attack(table: pd.DataFrame, total_n: int) -> tuple[float, float]:
    """The small group's (n, n·p) from the shown groups and one shown rest figure."""
    shown = table[table["suppressed"] == ""]
    n_hidden = total_n - shown["n"].sum()
    h = shown.iloc[0]
    others = shown.iloc[1:]
    yes_hidden = h["rest_estimate"] * (total_n - h["n"]) - (others["estimate"] * others["n"]).sum()
    return float(n_hidden), float(yes_hidden)


def test_a_hidden_group_cannot_be_recovered_from_totals_or_rest_figures() -> None:
    data = _survey(SIZES)
    design = Design(data)  # equal weights: the easiest case for an attacker
    result = equality.assess(design, "y", ["religion"])
    table = result.findings
    jewish = table.set_index("group").loc["Jewish"]
    assert np.isnan(jewish["estimate"]) and np.isnan(jewish["n"]) and np.isnan(jewish["gap"])
    assert jewish["suppressed"] == "fewer than 10 responses"
    assert jewish["finding"] == "not enough responses to say"
    muslim = table.set_index("group").loc["Muslim"]
    assert muslim["suppressed"] == SECONDARY and np.isnan(muslim["estimate"])
    total = len(data)  # suppose the attacker knows the number who answered
    true_yes = float(data.loc[data["religion"] == "jewish", "y"].sum())
    n_guess, yes_guess = _attack(table, total)
    assert n_guess != SIZES["jewish"]  # only the hidden pair together: 67 people
    assert n_guess == SIZES["jewish"] + SIZES["muslim"]
    assert not np.isclose(yes_guess, true_yes)
    # the same attack on primary suppression alone recovers the group exactly
    raw = table.copy()
    full = equality.assess(design, "y", ["religion"], min_n=1).findings.set_index("group")
    for col in ("estimate", "n", "rest_estimate"):
        raw.loc[raw["group"] == "Muslim", col] = full.loc["Muslim", col]
    raw.loc[raw["group"] == "Muslim", "suppressed"] = ""
    n_guess, yes_guess = _attack(raw, total)
    assert n_guess == SIZES["jewish"] and np.isclose(yes_guess, true_yes)


def test_every_number_of_a_hidden_row_is_blank_in_json_too() -> None:
    result = equality.assess(Design(_survey(SIZES)), "y", ["religion"], round_to=5)
    rows = {r["group"]: r for r in result.to_json()["findings"]}
    for group in ("Jewish", "Muslim"):
        numbers = {k: v for k, v in rows[group].items() if isinstance(v, (int, float))}
        assert numbers == {}, numbers
        assert rows[group]["n"] is None
    assert rows["Christian"]["n"] % 5 == 0 and rows["No religion"]["n"] == 180


def test_secondary_suppression_hides_until_the_hidden_set_is_not_small() -> None:
    assert list(hidden_sets(pd.Series([50, 40, 3]), 10)) == [False, True, True]
    assert list(hidden_sets(pd.Series([50, 4, 3, 30]), 10)) == [False, True, True, True]
    assert list(hidden_sets(pd.Series([50, 6, 5, 30]), 10)) == [False, True, True, False]
    assert list(hidden_sets(pd.Series([50, 40]), 10)) == [False, False]
    assert list(hidden_sets(pd.Series([5, 40]), 10)) == [True, True]


def test_rounding_and_the_suppress_function_on_any_table() -> None:
    assert list(round_counts(pd.Series([12.0, 13.0, np.nan]), 5).fillna(-1)) == [10, 15, -1]
    table = pd.DataFrame(
        {"characteristic": ["x"] * 3, "group": list("abc"), "n": [100, 30, 4], "value": [1.0, 2, 3]}
    )
    out = suppress(table, min_n=10)
    assert list(out["suppressed"] != "") == [False, True, True]
    assert out["value"].isna().tolist() == [False, True, True]


@pytest.mark.parametrize("min_n", [5, 30])
def test_threshold_is_the_same_for_suppression_and_findings(min_n: int) -> None:
    result = equality.assess(Design(_survey(SIZES)), "y", ["religion"], min_n=min_n)
    f = result.findings.set_index("group")
    primary = f["suppressed"].str.startswith("fewer than")
    raw_n = pd.Series({"Christian": 220, "No religion": 180, "Muslim": 60, "Jewish": 7})
    assert set(f.index[primary]) == set(raw_n.index[raw_n < min_n])


def test_rounding_leaves_no_exact_count_in_disguise() -> None:
    """Unweighted, the weighted n and Kish's n are the count: they are rounded with it."""
    from equality import synthetic
    from equality.digital import digital_exclusion
    from equality.representativeness import representativeness

    sizes = {"christian": 221, "none": 183, "muslim": 62, "jewish": 7}
    result = equality.assess(Design(_survey(sizes)), "y", ["religion"], round_to=5)
    for row in result.to_json()["findings"]:
        for key in ("n", "rest_n", "n_eff", "weighted_n"):
            assert row[key] is None or row[key] % 5 == 0, (row["group"], key, row[key])
    frame = synthetic.survey(503, seed=6)
    digital = digital_exclusion(Design(frame), ["sex"], round_to=5)
    assert (digital.overall["n"] % 5 == 0).all()
    rep = representativeness(frame, {"sex": {"female": 558, "male": 524}}, round_to=5)
    assert (rep["n"] % 5 == 0).all() and (rep["n_eff"] % 5 == 0).all()
