"""Our results for the LGA resident satisfaction questions beside the LGA's national polling.

The national figures ship with the library in ``analysis/data`` with their
round, fieldwork date and source (see the README there for how current they
are).  ``benchmark`` uses the newest figure for each indicator unless a round
is named.  Our percentages use the same "positive" answers as the LGA (e.g.
very + fairly satisfied).  Note the bases differ: the LGA's base is all
respondents, including "don't know"; ours is those giving an answer unless
the data were read with ``keep_missing=True``.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.io import translate_code


def lga_figures() -> pd.DataFrame:
    """The shipped LGA national polling figures, with round, date and source for each."""
    path = resources.files("analysis") / "data" / "lga_resident_satisfaction.csv"
    with resources.as_file(path) as p:
        table = pd.read_csv(p)
    table["positive_codes"] = table["positive_codes"].str.split(";")
    return table


def benchmark(
    design: Design, *, round: str | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    """One row per LGA indicator present in the data: ours (with CI) beside the LGA's.

    Columns: indicator, question, estimate, se, ci_low, ci_high, n, lga_percent,
    lga_round, fieldwork, source_url, difference (our % minus the LGA's, in
    points) and ``outside_ci`` (the LGA figure lies outside our interval).
    """
    figures = lga_figures()
    if round is not None:
        figures = figures[figures["lga_round"] == round]
        if figures.empty:
            raise AnalysisError(f"no LGA figures for round {round!r}; see analysis.lga_figures()")
    latest = figures.sort_values("fieldwork", kind="stable").groupby("question", sort=False).tail(1)
    rows = []
    for fig in latest.to_dict("records"):
        if fig["question"] not in design.data.columns:
            continue
        col = design.data[fig["question"]]
        labels = {
            str(translate_code(design.data, fig["question"], c)) for c in fig["positive_codes"]
        }
        labels |= set(fig["positive_codes"])
        present = set(col.dropna().astype(str).unique())
        if not labels & present:
            raise AnalysisError(
                f"none of the LGA's positive answers {fig['positive_codes']} "
                f"appear in {fig['question']!r}"
            )
        positive = pd.Series(np.where(col.astype(str).isin(labels), 1.0, 0.0), index=col.index)
        positive[col.isna()] = np.nan
        tmp = Design.__new__(Design)
        tmp.__dict__.update(design.__dict__)
        tmp.data = design.data.assign(_lga_positive=positive)
        est = tmp.proportion("_lga_positive", 1.0, confidence=confidence).iloc[0]
        rows.append(
            {
                "indicator": fig["indicator"],
                "question": fig["question"],
                "estimate": est["estimate"],
                "se": est["se"],
                "ci_low": est["ci_low"],
                "ci_high": est["ci_high"],
                "n": est["n"],
                "lga_percent": float(fig["lga_percent"]),
                "lga_round": fig["lga_round"],
                "fieldwork": fig["fieldwork"],
                "source_url": fig["source_url"],
            }
        )
    if not rows:
        raise AnalysisError(
            "none of the LGA questions ("
            + ", ".join(sorted(set(figures["question"])))
            + ") are columns of the data"
        )
    out = pd.DataFrame(rows)
    out["difference"] = 100 * out["estimate"] - out["lga_percent"]
    out["outside_ci"] = (out["lga_percent"] / 100 < out["ci_low"]) | (
        out["lga_percent"] / 100 > out["ci_high"]
    )
    out.attrs.update(
        statistic="benchmark", source="LGA polling on resident satisfaction with councils"
    )
    return out
