"""`GET /api/measures?period=2026-H2`: the strategy measures, targets and values as JSON.

The same figures as `resident-voice progress-report`, for staff tools and scripts (session
cookie or personal API token, research officers and panel managers). Read-only: targets are
set in the measures YAML or on the staff page (`/staff/measures`), whose targets win.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get
from litestar.params import Parameter

import analysis
from analysis import measures as m
from analysis.measures.results import MeasureResult
from service.auth import requires_role
from service.roles import Role
from surveys.controllers.api import problem
from surveys.services.measures import build_results


def _as_json(r: MeasureResult) -> dict[str, Any]:
    d = r.change
    return {
        "id": r.measure.id,
        "name": r.measure.name,
        "definition": r.measure.definition,
        "source": r.measure.source,
        "unit": r.measure.unit,
        "higher_is_better": r.measure.higher_is_better,
        "problems": r.problems,
        "target": None
        if r.target is None
        else {"value": r.target.value, "tolerance": r.target.tolerance},
        "status": r.status,
        "reason": r.reason,
        "trend": {
            "arrow": r.arrow,
            "words": r.trend,
            "change": None if d is None else d.change,
            "change_ci_low": None if d is None else d.ci_low,
            "change_ci_high": None if d is None else d.ci_high,
            "p_value": None if d is None else d.p_value,
            "significant": None if d is None else d.significant,
        },
        "values": [
            {
                "period": v.period,
                "estimate": v.estimate,
                "ci_low": v.ci_low,
                "ci_high": v.ci_high,
                "n": v.n,
                "note": v.note,
            }
            for v in r.history
        ],
    }


class MeasuresAPI(Controller):
    path = "/api/measures"
    tags = ["measures"]  # noqa: RUF012
    guards = [requires_role(Role.RESEARCH_OFFICER, Role.PANEL_MANAGER)]  # noqa: RUF012

    @get("/", summary="Strategy measures for a period, with values, targets, status and trend")
    async def list_measures(
        self, period: Annotated[str, Parameter(description="2026, 2026-H2 or 2026-Q3")]
    ) -> Response[Any]:
        try:
            the_period = m.Period.parse(period)
        except analysis.AnalysisError as error:
            return problem(400, "the period is not valid", [("period", str(error))])
        results = await build_results(the_period)
        return Response({"period": the_period.label, "measures": [_as_json(r) for r in results]})
