"""The pipeline with the panel's margins CSV: crossed dimensions and blank profile columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from equality import synthetic
from equality.pipeline import build, prepare_margins
from equality.representativeness import MarginsError, read_margins

PANEL_MARGINS = Path(__file__).parents[2] / "panel" / "data" / "margins.csv"
OUTCOME = ("council_satisfaction", ["very_satisfied", "fairly_satisfied"])


@pytest.fixture(scope="module")
def export() -> pd.DataFrame:
    """A synthetic survey with every panel profile column an export carries."""
    frame = synthetic.survey(3000, seed=3)
    rng = np.random.default_rng(1)
    wards = read_margins(PANEL_MARGINS).query("dimension == 'ward'")["group"].tolist()
    frame["panel_ward"] = rng.choice(wards, len(frame))
    frame["panel_ethnicity"] = rng.choice(
        ["white", "asian", "black", "mixed", "other"], len(frame), p=[0.8, 0.08, 0.05, 0.04, 0.03]
    )
    frame["panel_disability"] = rng.choice(
        ["limited_a_lot", "limited_a_little", "not_disabled"], len(frame), p=[0.1, 0.1, 0.8]
    )
    return frame


def test_blank_wards_leave_ward_out_of_the_raking_and_the_report_says_so(
    export: pd.DataFrame, tmp_path: Path
) -> None:
    frame = export.copy()
    frame.loc[frame.index[:30], "panel_ward"] = np.nan  # small wards blanked in the export
    margins = read_margins(PANEL_MARGINS)
    _, _, to_rake, left_out = prepare_margins(frame, margins)
    assert "panel_ward" not in to_rake and set(to_rake) >= {"panel_age_band", "panel_sex"}
    assert left_out == {
        "ward": "30 respondent(s) have no ward in the data, so the weights were not raked to it"
    }
    evidence = build(frame, OUTCOME, margins=margins)
    summary = evidence.assessment.design_summary
    assert summary["raked"] and "panel_ward" not in summary["raked_to"]
    assert "panel_age_band" in summary["raked_to"]
    text = " ".join((evidence.assessment.report(tmp_path / "r.html")).read_text().split())
    assert "Not weighted to ward: 30 respondent(s) have no ward in the data" in text
    # the representativeness table still shows ward, from the respondents who have one
    rep = evidence.representation
    assert (rep["characteristic"] == "ward").sum() == 12
    assert rep.loc[rep["characteristic"] == "ward", "n"].sum() == len(frame) - 30


@pytest.mark.parametrize("spelling", ["×", "*"])
def test_a_crossed_dimension_is_raked_to_and_compared_cell_by_cell(
    export: pd.DataFrame, spelling: str
) -> None:
    import analysis

    cells = {
        (a, s): float(pop * share)
        for a, pop in synthetic.POPULATION_AGE.items()
        for s, share in (("female", 0.52), ("male", 0.48))
    }
    margins = pd.DataFrame(
        [(f"age_band{spelling}sex", f"{a}{spelling}{s}", p) for (a, s), p in cells.items()],
        columns=["dimension", "group", "population"],
    )
    frame = export[export["panel_sex"].isin(["female", "male"])]
    prepared, normalised, to_rake, left_out = prepare_margins(frame, margins)
    assert left_out == {} and list(to_rake) == ["age_band×sex"]
    assert set(normalised["dimension"]) == {"age_band×sex"}
    design = analysis.rake(analysis.Design(prepared), to_rake)
    for (a, s), pop in cells.items():
        in_cell = (prepared["panel_age_band"] == a) & (prepared["panel_sex"] == s)
        assert design.weights[in_cell].sum() == pytest.approx(pop, rel=1e-8)
    evidence = build(frame, OUTCOME, margins=margins)
    rep = evidence.representation.set_index("group")
    young_women = rep.loc["16-24×female"]
    in_cell = (frame["panel_age_band"] == "16-24") & (frame["panel_sex"] == "female")
    assert young_women["n"] == int(in_cell.sum())
    assert young_women["population"] == pytest.approx(cells[("16-24", "female")])
    assert young_women["weighted_share"] == pytest.approx(young_women["population_share"], rel=1e-6)


def test_a_crossed_dimension_names_the_part_the_survey_lacks(export: pd.DataFrame) -> None:
    margins = pd.DataFrame(
        [("age_band×tenure", "16-24×owner", 100.0)], columns=["dimension", "group", "population"]
    )
    with pytest.raises(MarginsError, match=r"'age_band×tenure' has no column.*'panel_tenure'"):
        prepare_margins(export, margins)
