"""Measure values from the service database: survey export path, panel snapshot, audit runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from analysis import measures as m
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS as ANSWERS


def survey_measure(ident: str, question: str, survey: str = "resident-satisfaction") -> m.Measure:
    return m.measure_from_dict(
        {
            "id": ident,
            "source": {"kind": "survey", "survey": survey, "question": question,
                       "levels": ["Very satisfied", "Fairly satisfied"],
                       "weighting": "unweighted"},
            "targets": {"2026-H2": {"value": 90, "tolerance": 5}},
        }
    )  # fmt: skip


async def test_values_for_a_period_from_the_database(db: Any) -> None:
    from service.accounts import create_user
    from surveys.services import responses
    from surveys.services.measures import measure_values
    from tests.surveys.conftest import store_bank

    await store_bank("resident-satisfaction")
    staff = await create_user("ro@council.example.gov.uk", "RO", "panel_manager", "x" * 16)
    for council in ("very_satisfied", "fairly_satisfied", "very_dissatisfied"):
        await responses.record_assisted(
            "resident-satisfaction",
            {**ANSWERS, "council_satisfaction": council},
            mode="paper",
            entered_by=int(staff.id),
        )
    now = dt.datetime.now(dt.UTC)
    period = m.Period.parse(f"{now.year}-H{1 if now.month <= 6 else 2}")
    defs = [
        survey_measure("sat", "council_satisfaction"),
        survey_measure("gone", "question_dropped_in_v2"),
        survey_measure("nosurvey", "q", survey="no-such-survey"),
        m.measure_from_dict({"id": "members", "unit": "count",
                             "source": {"kind": "panel", "figure": "active_members"}}),
        m.measure_from_dict({"id": "pages", "unit": "count",
                             "source": {"kind": "audit", "figure": "pages"}}),
    ]  # fmt: skip
    values = await measure_values(defs, period, now=now)
    sat = values["sat"][period.label]
    assert sat.estimate == pytest.approx(200 / 3) and sat.n == 3
    assert values["sat"][period.previous().label].note.startswith("no responses")
    assert "question_dropped_in_v2" in values["gone"][period.label].note
    assert "no-such-survey" in values["nosurvey"][period.label].note
    assert values["members"][period.label].estimate == 0.0  # no panel members yet
    # earlier periods come from join/leave dates (tests/surveys/test_measures_staff.py)
    assert values["members"][period.previous().label].estimate == 0.0
    assert values["pages"][period.label].note == f"no audit finished in {period.label}"
    result = m.evaluate(defs[0], values["sat"], period)
    assert len(result.history) == 4 and result.history[-1] is sat
