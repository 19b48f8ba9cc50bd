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


async def test_audit_figures_are_the_latest_finished_run_of_each_site_per_period(db: Any) -> None:
    """Accessibility measures: per period, the latest *finished* run of each site, summed over
    sites; by impact (moderate and minor together) and pages audited; exact counts, so the
    status needs no interval and the trend compares runs of successive periods."""
    import json

    from accessibility import services
    from accessibility.schemas import SiteIn
    from accessibility.tables import AuditRun
    from surveys.services.measures import measure_values

    now = dt.datetime.now(dt.UTC)
    period = m.Period.parse(f"{now.year}-H{1 if now.month <= 6 else 2}")
    prev = period.previous()
    in_prev = dt.datetime.combine(prev.start, dt.time(12), dt.UTC) + dt.timedelta(days=20)
    in_now = dt.datetime.combine(period.start, dt.time(12), dt.UTC)
    sites = [
        await services.create_site(
            SiteIn(name=name, start_urls=[f"https://{name}.example.gov.uk/"], allow_private=False)
        )
        for name in ("www", "jobs")
    ]

    async def run(site: int, status: str, finished: dt.datetime | None, **impact: int) -> None:
        summary = {"pages": impact.pop("pages", 0), "by_impact": impact}
        await AuditRun(site=site, status=status, finished_at=finished,
                       summary=json.dumps(summary)).save()  # fmt: skip

    www, jobs_site = sites
    await run(www, "done", in_prev, critical=4, serious=1, pages=10)
    await run(www, "done", in_now, critical=5, serious=2, pages=11)  # superseded below
    await run(www, "done", in_now + dt.timedelta(hours=1), critical=2, moderate=1, minor=2,
              pages=12)  # fmt: skip
    await run(www, "failed", in_now + dt.timedelta(hours=2), critical=9, pages=1)  # not counted
    await run(www, "running", None, critical=9, pages=1)
    await run(jobs_site, "done", in_now, critical=1, serious=3, pages=4)

    def audit(ident: str, figure: str, **extra: Any) -> m.Measure:
        source = {"kind": "audit", "figure": figure}
        return m.measure_from_dict(
            {"id": ident, "unit": "count", "higher_is_better": False, "source": source, **extra}
        )

    defs = [
        audit("critical", "critical", targets={period.label: {"value": 0}}),
        audit("serious", "serious"),
        audit("minor", "moderate_minor"),
        audit("pages", "pages"),
        audit("odd", "colour"),
    ]
    values = await measure_values(defs, period, now=now)
    figures = {d.id: values[d.id][period.label].estimate for d in defs}
    assert figures == {"critical": 3.0, "serious": 3.0, "minor": 3.0, "pages": 16.0, "odd": None}
    assert values["odd"][period.label].note == "unknown audit figure 'colour'"
    assert values["critical"][period.label].exact
    assert values["critical"][prev.label].estimate == 4.0  # www only, then
    assert values["pages"][prev.label].estimate == 10.0
    earlier = prev.previous().label
    assert values["pages"][earlier].note == f"no audit finished in {earlier}"
    result = m.evaluate(defs[0], values["critical"], period)
    assert result.status == "off track"  # 3 critical problems against a target of 0, exact
    assert (result.arrow, result.trend) == ("↓", "down, better")
    assert result.change is not None and result.change.change == -1.0
