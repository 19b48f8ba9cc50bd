"""Representativeness against margins and the digital-exclusion lens."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import analysis
from equality import synthetic
from equality.digital import digital_exclusion
from equality.representativeness import MarginsError, read_margins, representativeness


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return synthetic.survey(1500, seed=5)


@pytest.fixture(scope="module")
def raked(frame: pd.DataFrame) -> analysis.Design:
    return analysis.rake(analysis.Design(frame), synthetic.margins())


def test_representativeness_shows_gaps_and_what_weighting_fixes(
    frame: pd.DataFrame, raked: analysis.Design, tmp_path
) -> None:
    path = tmp_path / "margins.csv"
    rows = [("age_band", k, v) for k, v in synthetic.POPULATION_AGE.items()]
    rows += [("sex", k, v) for k, v in synthetic.POPULATION_SEX.items()]
    pd.DataFrame(rows, columns=["dimension", "group", "population"]).to_csv(path, index=False)
    table = representativeness(frame, read_margins(path), weights=raked.weights)
    young = table.set_index("group").loc["16 to 24"]
    n_young = int((frame["panel_age_band"] == "16-24").sum())
    assert young["n"] == n_young
    assert young["sample_share"] == pytest.approx(n_young / len(frame))
    assert young["population_share"] == pytest.approx(
        14100 / sum(synthetic.POPULATION_AGE.values())
    )
    assert young["gap_points"] < -5 and young["under_represented"] == 1
    assert young["weighted_share"] == pytest.approx(young["population_share"], rel=1e-6)
    assert "weighting corrects the share" in young["weighting_note"]
    w = raked.weights[frame["panel_age_band"] == "16-24"]
    assert young["n_eff"] == pytest.approx(w.sum() ** 2 / (w**2).sum())


def test_a_tiny_group_is_suppressed_and_flagged(frame: pd.DataFrame) -> None:
    small = frame.copy()
    small.loc[small.index[:1496], "sex"] = "female"
    small.loc[small.index[1496:], "sex"] = "male"
    table = representativeness(small, {"sex": {"female": 55800, "male": 52400}})
    male = table.set_index("group").loc["Male"]
    assert np.isnan(male["n"]) and np.isnan(male["sample_share"])
    assert "weighting cannot fix this" in male["weighting_note"]
    assert male["population"] == 52400  # public figures are never hidden


def test_bad_margins_name_the_row(tmp_path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("dimension,group,population\nsex,female,100\nsex,male,lots\n")
    with pytest.raises(MarginsError, match="row 3 population 'lots'"):
        read_margins(path)
    path.write_text("dimension,group\nsex,female\n")
    with pytest.raises(MarginsError, match="missing column"):
        read_margins(path)


def test_digital_exclusion_by_group_and_borough_totals(
    frame: pd.DataFrame, raked: analysis.Design
) -> None:
    result = digital_exclusion(raked, ["age", "disability"])
    overall = result.overall.set_index("measure")
    no_net = (frame["home_internet"] == "no").astype(float)
    want = float((raked.weights * no_net).sum())
    assert overall.loc["No home internet", "residents"] == pytest.approx(want)
    pop = sum(synthetic.POPULATION_AGE.values())
    assert overall.loc["No home internet", "estimate"] == pytest.approx(want / pop)
    low, high = overall.loc["No home internet", ["residents_ci_low", "residents_ci_high"]]
    assert low < want < high
    skills = frame.filter(like="foundation_skills__").eq("cannot").any(axis=1)
    assert overall.loc["Lacks the foundation digital skills", "residents"] == pytest.approx(
        float((raked.weights * skills).sum())
    )
    by_age = result.assessments["No home internet"].findings.set_index("group")
    assert by_age.loc["75 or over", "finding"] == "likely adverse impact"  # more excluded
    assert by_age.loc["16 to 24", "gap"] < 0


def test_digital_exclusion_without_the_questions_says_which() -> None:
    d = analysis.Design(pd.DataFrame({"sex": ["female", "male"] * 20, "y": [0, 1] * 20}))
    from equality import EqualityError

    with pytest.raises(EqualityError, match="home_internet"):
        digital_exclusion(d)


def test_digital_exclusion_has_the_same_disclosure_control(
    frame: pd.DataFrame, raked: analysis.Design
) -> None:
    n = len(frame)
    tiny = pd.Series([1.0, 0.0] * 3 + [np.nan] * (n - 6), index=frame.index)
    result = digital_exclusion(
        raked,
        ["gender_reassignment", "age"],
        measures={"No home internet": ("home_internet", ["no"]), "Six answers": lambda d: tiny},
    )
    # a measure six people answered: its borough row is blank, count included
    six = result.overall.set_index("measure").loc["Six answers"]
    assert six.drop("measure", errors="ignore").isna().all()
    # the synthetic survey has a handful whose gender differs from their sex at birth
    f = result.assessments["No home internet"].findings.set_index("group")
    small = f.loc["Different from sex registered at birth"]
    assert int((frame["gender_identity"] == "no").sum()) < 10
    assert small["suppressed"] == "fewer than 10 responses" and np.isnan(small["estimate"])
    # and the only other group is hidden with it, so the rest figure cannot give it away
    other = f.loc["Same as sex registered at birth"]
    assert other["suppressed"] != "" and np.isnan(other["rest_estimate"])
    assert np.isnan(other["n"]) and np.isnan(other["estimate"])


def test_a_hidden_group_cannot_be_recovered_from_the_representativeness_table(
    frame: pd.DataFrame,
) -> None:
    data = frame.copy()
    young = data.index[data["panel_age_band"] == "16-24"]
    data.loc[young[4:], "panel_age_band"] = "25-34"  # four 16-24s left
    margins = {"age_band": synthetic.POPULATION_AGE}
    table = representativeness(data, margins).set_index("group")
    assert np.isnan(table.loc["16 to 24", "n"]) and np.isnan(table.loc["16 to 24", "sample_share"])

    def attack(t: pd.DataFrame) -> float:
        """The hidden count from a shown group's n and share and the other shown counts."""
        shown = t[t["suppressed"] == ""]
        first = shown.iloc[0]
        return float(first["n"] / first["sample_share"] - shown["n"].sum())

    hidden = table.index[table["suppressed"] != ""]
    assert len(hidden) >= 2
    raw = representativeness(data, margins, min_n=1).set_index("group")
    recovered = attack(table)
    # only the hidden groups together (at least ten people), never the four
    assert recovered == pytest.approx(raw.loc[hidden, "n"].sum())
    assert recovered >= 10 and recovered != pytest.approx(4)
    # the same attack on primary suppression alone gives the four exactly
    primary = raw.copy()
    primary["suppressed"] = np.where(primary.index == "16 to 24", "fewer than 10 responses", "")
    primary.loc["16 to 24", ["n", "sample_share"]] = np.nan
    assert attack(primary) == pytest.approx(4)
