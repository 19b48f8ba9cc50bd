"""Key drivers, benchmark, charts and Excel output on the synthetic demo survey."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import analysis
from analysis.demo_data import demo_margins, demo_survey
from analysis.drivers import relative_weights, shapley_r2

SERVICES = [
    "services__waste",
    "services__recycling",
    "services__parks",
    "services__roads",
    "services__libraries",
    "services__street_cleaning",
]


@pytest.fixture(scope="module")
def demo() -> analysis.Design:
    frame, codebook = demo_survey(1500, seed=11)
    df = analysis.label(frame, codebook)
    return analysis.rake(analysis.Design(df), demo_margins())


def _weighted_ols_r2(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    xx = np.column_stack([np.ones(len(y)), x]) * np.sqrt(w)[:, None]
    beta, *_ = np.linalg.lstsq(xx, y * np.sqrt(w), rcond=None)
    fitted = np.column_stack([np.ones(len(y)), x]) @ beta
    ybar = np.average(y, weights=w)
    return float(1 - np.sum(w * (y - fitted) ** 2) / np.sum(w * (y - ybar) ** 2))


@pytest.mark.parametrize("method", ["relative_weights", "shapley"])
def test_driver_importances_share_out_the_weighted_r2(demo: analysis.Design, method: str) -> None:
    res = analysis.drivers(demo, "council_satisfaction", SERVICES, method=method)
    cols = ["council_satisfaction", *SERVICES]
    scores = np.column_stack([demo.data[c].cat.codes.to_numpy() for c in cols]).astype(float)
    ok = np.all(scores >= 0, axis=1)
    r2 = _weighted_ols_r2(scores[ok, 1:], scores[ok, 0], demo.weights.to_numpy()[ok])
    assert res.n == int(ok.sum())
    assert res.r2 == pytest.approx(r2, rel=1e-9)
    assert res.table["importance"].sum() == pytest.approx(r2, rel=1e-9)
    assert res.table["share"].sum() == pytest.approx(100)
    assert list(res.table["rank"]) == list(range(1, 7))
    # the demo data give roads, street cleaning and waste the largest effects, libraries and
    # recycling the smallest
    top = {"services__roads", "services__street_cleaning", "services__waste"}
    assert set(res.table["predictor"].iloc[:3]) == top
    assert set(res.table["predictor"].iloc[-2:]) == {"services__libraries", "services__recycling"}
    # grid items are labelled by item, without the question text they share
    assert res.table.set_index("predictor").loc["services__roads", "label"] == "Roads and pavements"


def test_relative_weights_and_shapley_agree_on_known_cases() -> None:
    # uncorrelated predictors: both give the squared correlations
    rxy = np.array([0.5, 0.3, 0.1])
    np.testing.assert_allclose(relative_weights(np.eye(3), rxy), rxy**2)
    np.testing.assert_allclose(shapley_r2(np.eye(3), rxy), rxy**2)
    # two correlated predictors: Shapley has a closed form
    r12, r1, r2 = 0.4, 0.6, 0.3
    rxx = np.array([[1, r12], [r12, 1]])
    full = (r1**2 + r2**2 - 2 * r1 * r2 * r12) / (1 - r12**2)
    phi = shapley_r2(rxx, np.array([r1, r2]))
    assert phi[0] == pytest.approx((r1**2 + full - r2**2) / 2)
    assert phi.sum() == pytest.approx(full)
    assert relative_weights(rxx, np.array([r1, r2])).sum() == pytest.approx(full)


def test_drivers_reject_collinear_and_unordered(demo: analysis.Design) -> None:
    df = demo.data.assign(copy_roads=demo.data["services__roads"])
    d = analysis.Design(df)
    with pytest.raises(analysis.SingularModelError, match="collinear"):
        analysis.drivers(d, "council_satisfaction", ["services__roads", "copy_roads"])
    with pytest.raises(analysis.AnalysisError, match="'panel_ward' is an unordered"):
        analysis.drivers(d, "council_satisfaction", ["services__roads", "panel_ward"])


def test_benchmark_sits_beside_the_lga_figures(demo: analysis.Design) -> None:
    table = analysis.benchmark(demo)
    figures = analysis.lga_figures()
    assert set(table["question"]) == set(figures["question"])
    row = table.set_index("question").loc["council_satisfaction"]
    # our percentage is very + fairly satisfied among those answering
    p = demo.proportions("council_satisfaction", ci="logit").set_index("level")["estimate"]
    assert row["estimate"] == pytest.approx(p["Very satisfied"] + p["Fairly satisfied"], rel=1e-9)
    newest = (
        figures[figures["question"] == "council_satisfaction"].sort_values("fieldwork").iloc[-1]
    )
    assert row["lga_percent"] == newest["lga_percent"]
    assert row["difference"] == pytest.approx(100 * row["estimate"] - row["lga_percent"])
    assert row["outside_ci"] == (not row["ci_low"] <= row["lga_percent"] / 100 <= row["ci_high"])
    assert all(figures["source_url"].str.startswith("https://"))


def test_charts_carry_their_data_and_a_description(demo: analysis.Design, tmp_path: Path) -> None:
    table = demo.proportion("council_satisfaction", "Very satisfied", by="panel_age_band")
    chart = analysis.plots.bar(table, title="Very satisfied, by age")
    pd.testing.assert_series_equal(chart.data["estimate"], table["estimate"], check_names=False)
    top = table.loc[table["estimate"].idxmax(), "panel_age_band"]
    assert f"Highest: {top}" in chart.description
    assert chart._repr_png_().startswith(b"\x89PNG")
    chart.save(str(tmp_path / "c.svg"))
    assert (tmp_path / "c.svg").stat().st_size > 1000
    drivers = analysis.drivers(demo, "council_satisfaction", SERVICES).chart()
    assert "Most important" in drivers.description
    assert all(c in analysis.plots.PALETTE for c in ["#0072B2", "#E69F00"])


def test_excel_report_is_formatted(demo: analysis.Design, tmp_path: Path) -> None:
    tables = {
        "Satisfaction by age": demo.proportion(
            "council_satisfaction", "Very satisfied", by="panel_age_band"
        ),
        "Satisfaction x sex": demo.crosstab("council_satisfaction", "panel_sex"),
        "Model": demo.logit("panel_disability ~ panel_age_band"),
    }
    path = analysis.to_excel(tables, tmp_path / "report.xlsx", source="Demo survey, weighted")
    wb = load_workbook(path)
    assert wb.sheetnames == [
        "Satisfaction by age",
        "Satisfaction x sex",
        "Satisfaction x sex data",
        "Model",
    ]
    ws = wb["Satisfaction by age"]
    assert ws["A1"].value == "Satisfaction by age" and ws["A1"].font.bold
    assert ws["A2"].value == "Demo survey, weighted"
    header = [c.value for c in ws[5]]
    assert header[:3] == ["panel_age_band", "estimate", "se"]
    assert ws.cell(row=6, column=2).number_format == "0.0%"
    assert ws.cell(row=6, column=2).value == pytest.approx(
        tables["Satisfaction by age"]["estimate"].iloc[0]
    )
    assert ws.freeze_panes == "A6"
    xt = wb["Satisfaction x sex"]
    assert any("(A)" in str(c.value) for c in xt[xt.max_row - 7]) or any(
        "(A)" in str(c.value) for row in xt.iter_rows() for c in row
    )
    with pytest.raises(analysis.AnalysisError, match=r"\.xlsx"):
        analysis.to_excel(tables["Model"], tmp_path / "x.csv")


def test_crosstab_letters_pairs_are_complete(demo: analysis.Design) -> None:
    tab = demo.crosstab("council_satisfaction", "panel_age_band")
    rows, cols = list(tab.percent.index), list(tab.percent.columns)
    assert set(tab.p_values) == {
        (r, a, b) for r in rows for a, b in itertools.permutations(cols, 2)
    }


def test_bonferroni_letters_are_a_subset(demo: analysis.Design) -> None:
    plain = demo.crosstab("council_satisfaction", "panel_age_band")
    adjusted = demo.crosstab("council_satisfaction", "panel_age_band", adjust="bonferroni")
    pairs = 7 * 6 / 2
    for key, p in plain.p_values.items():
        assert adjusted.p_values[key] == pytest.approx(min(1.0, p * pairs))
    for r in plain.letters.index:
        for c in plain.letters.columns:
            assert set(adjusted.letters.loc[r, c]) <= set(plain.letters.loc[r, c])
    assert sum(map(len, adjusted.letters.to_numpy().ravel())) < sum(
        map(len, plain.letters.to_numpy().ravel())
    )
