"""analysis.aload against the real service database (both backends, via `db`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

import analysis
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS

ANSWERS = RESIDENT_SATISFACTION_ANSWERS


async def test_aload_reads_labelled_responses_from_the_database(db: Any) -> None:
    from service.accounts import create_user
    from surveys.services import responses
    from tests.surveys.conftest import store_bank

    await store_bank("resident-satisfaction")
    staff = await create_user("ro@council.example.gov.uk", "RO", "panel_manager", "x" * 16)
    for mode, council in (("paper", "fairly_satisfied"), ("phone", "very_dissatisfied")):
        await responses.record_assisted(
            "resident-satisfaction",
            {**ANSWERS, "council_satisfaction": council},
            mode=mode,
            entered_by=int(staff.id),
        )
    df = await analysis.aload("resident-satisfaction")
    assert len(df) == 2
    assert sorted(map(str, df["mode"])) == ["paper", "phone"]
    col = df["council_satisfaction"]
    assert col.cat.ordered and col.cat.categories[0] == "Very satisfied"
    assert sorted(map(str, col)) == ["Fairly satisfied", "Very dissatisfied"]
    assert df["keeps_informed"].isna().all()  # "don't know" is missing by default
    assert df.attrs["codebook"]["survey"] == "resident-satisfaction"
    kept = await analysis.aload("resident-satisfaction", keep_missing=True)
    assert (kept["keeps_informed"].astype(str) == "Don't know").all()
    # and the frame goes straight into a design
    est = analysis.Design(df).proportion("council_satisfaction", "fairly_satisfied")
    assert est["estimate"].iloc[0] == 0.5 and isinstance(est, pd.DataFrame)
