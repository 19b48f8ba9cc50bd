"""The strategy measures, their targets and values as JSON, under `/api/measures`.

- `GET /api/measures?period=2026-H2`: every measure with its values (the period and the three
  before it), target, status and trend — the same figures as `resident-voice progress-report`.
- `GET /api/measures/{measure_id}?period=2026-H2`: one measure, the same shape.
- `GET /api/measures/{measure_id}/targets`: its targets by period, from the measures file and
  from the staff page (a staff-page target wins for its period).
- `PUT /api/measures/{measure_id}/targets/{period}`: set a target and tolerance, checked as the
  staff page (`/staff/measures`) checks them (`surveys.services.measures_store.check_target`)
  and stored with its audit-log entry in one transaction. A target on the wrong scale (a
  percentage on a mean: ``"unit": "percent"``, or a value outside the question's scale) or a
  tolerance below zero is refused with a 400 naming the field, and nothing is written.

Session cookie (with the CSRF header on `PUT`) or personal API token; research officers and
panel managers, as on the staff page. Errors are the API's usual body (`service.openapi.
ErrorBody`): `{"status_code", "detail", "errors": [{"path", "message"}]}`.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, put
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import Parameter

import analysis
from analysis import measures as m
from analysis.measures.model import PERIOD_PATTERN
from analysis.measures.results import MeasureResult
from service.auth import requires_role
from service.roles import Role
from service.tables import StaffUser
from surveys.services.measures import build_results
from surveys.services.measures_store import (
    FieldErrors,
    effective_measures,
    set_target,
    stored_targets,
)

#: A measure id as the staff page makes them (`measures_store._ID`), or as a YAML file has them.
MEASURE_ID = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$"
MeasureId = Annotated[
    str, Parameter(description="The measure's id, like council_satisfaction", pattern=MEASURE_ID)
]
#: Far beyond any real figure, but finite: keeps nonsense out of the database.
BOUND = 1e9


class TargetIn(msgspec.Struct, forbid_unknown_fields=True):
    """A target for one measure and period, on the measure's own scale."""

    value: Annotated[
        float, msgspec.Meta(ge=-BOUND, le=BOUND, description="The target, on the measure's scale")
    ]
    tolerance: Annotated[
        float,
        msgspec.Meta(
            ge=0, le=BOUND, description="How far short of the target still counts as at risk"
        ),
    ] = 0.0
    unit: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=16,
                description="Optional check: the scale you mean (percent, mean, count or "
                "points); refused when it is not the measure's own unit",
            ),
        ]
        | None
    ) = None


class TargetOut(msgspec.Struct):
    period: str
    value: float
    tolerance: float
    #: ``staff page`` (set on the page or through this API) or ``measures file`` (the YAML)
    set_in: str
    set_by: str = ""
    set_at: str | None = None


class TargetsOut(msgspec.Struct):
    measure: str
    unit: str
    targets: list[TargetOut]
    problems: list[str]


class TargetSet(msgspec.Struct):
    measure: str
    unit: str
    target: TargetOut


class TargetNow(msgspec.Struct):
    value: float
    tolerance: float


class TrendOut(msgspec.Struct):
    arrow: str
    words: str
    change: float | None
    change_ci_low: float | None
    change_ci_high: float | None
    p_value: float | None
    significant: bool | None


class ValueOut(msgspec.Struct):
    period: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int | None
    note: str


class BenchmarkOut(msgspec.Struct):
    value: float
    date: str
    source: str
    note: str


class MeasureOut(msgspec.Struct):
    id: str
    name: str
    definition: str
    source: dict[str, Any]
    unit: str
    higher_is_better: bool
    problems: list[str]
    target: TargetNow | None
    status: str
    reason: str
    trend: TrendOut
    values: list[ValueOut]
    benchmark: BenchmarkOut | None
    equality: list[str]


class MeasuresOut(msgspec.Struct):
    period: str
    measures: list[MeasureOut]


def _as_json(r: MeasureResult) -> MeasureOut:
    d, b = r.change, r.measure.benchmark
    return MeasureOut(
        id=r.measure.id,
        name=r.measure.name,
        definition=r.measure.definition,
        source=r.measure.source,
        unit=r.measure.unit,
        higher_is_better=r.measure.higher_is_better,
        problems=r.problems,
        target=None if r.target is None else TargetNow(r.target.value, r.target.tolerance),
        status=r.status,
        reason=r.reason,
        trend=TrendOut(
            arrow=r.arrow,
            words=r.trend,
            change=None if d is None else d.change,
            change_ci_low=None if d is None else d.ci_low,
            change_ci_high=None if d is None else d.ci_high,
            p_value=None if d is None else d.p_value,
            significant=None if d is None else d.significant,
        ),
        values=[
            ValueOut(v.period, v.estimate, v.ci_low, v.ci_high, v.n, v.note) for v in r.history
        ],
        benchmark=None if b is None else BenchmarkOut(b.value, b.date, b.source, b.note),
        equality=r.equality,
    )


def _refuse(detail: str, errors: list[tuple[str, str]]) -> ValidationException:
    """A 400 whose `errors` name each field (`service.errors.error_list` reads ``key``)."""
    return ValidationException(detail, extra=[{"key": f, "message": msg} for f, msg in errors])


def _period(text: str) -> m.Period:
    try:
        return m.Period.parse(text)
    except analysis.AnalysisError as error:
        raise _refuse("the period is not valid", [("period", str(error))]) from None


async def _find(measure_id: str) -> m.Measure:
    found = next((x for x in await effective_measures() if x.id == measure_id), None)
    if found is None:
        raise NotFoundException(f"there is no measure {measure_id!r}")
    return found


async def _targets(measure: m.Measure) -> list[TargetOut]:
    stored = (await stored_targets()).get(measure.id, {})
    out = []
    for period, t in sorted(measure.targets.items()):
        row = stored.get(period)
        if row is None:
            out.append(TargetOut(period, t.value, t.tolerance, "measures file"))
        else:
            at = row.get("set_at")
            set_at = None if at is None else at.isoformat()
            out.append(
                TargetOut(period, t.value, t.tolerance, "staff page", str(row["set_by"]), set_at)
            )
    return out


PeriodQuery = Annotated[
    str, Parameter(description="2026, 2026-H2 or 2026-Q3", min_length=4, max_length=7)
]


class MeasuresAPI(Controller):
    path = "/api/measures"
    tags = ["measures"]  # noqa: RUF012
    guards = [requires_role(Role.RESEARCH_OFFICER, Role.PANEL_MANAGER)]  # noqa: RUF012

    @get("/", summary="Strategy measures for a period, with values, targets, status and trend")
    async def list_measures(self, period: PeriodQuery) -> MeasuresOut:
        the_period = _period(period)
        results = await build_results(the_period)
        return MeasuresOut(the_period.label, [_as_json(r) for r in results])

    @get("/{measure_id:str}", summary="One strategy measure for a period")
    async def get_measure(self, measure_id: MeasureId, period: PeriodQuery) -> MeasureOut:
        measure = await _find(measure_id)
        the_period = _period(period)
        return _as_json((await build_results(the_period, [measure]))[0])

    @get("/{measure_id:str}/targets", summary="A measure's targets by period")
    async def list_targets(self, measure_id: MeasureId) -> TargetsOut:
        measure = await _find(measure_id)
        return TargetsOut(measure.id, measure.unit, await _targets(measure), measure.problems)

    @put(
        "/{measure_id:str}/targets/{period:str}",
        summary="Set a measure's target and tolerance for a period (replaces one set before)",
    )
    async def put_target(
        self,
        request: Request[StaffUser, Any, Any],
        measure_id: MeasureId,
        period: Annotated[
            str, Parameter(description="2026, 2026-H2 or 2026-Q3", pattern=PERIOD_PATTERN)
        ],
        data: TargetIn,
    ) -> TargetSet:
        measure = await _find(measure_id)
        if data.unit is not None and data.unit != measure.unit:
            raise _refuse(
                "the target is on the wrong scale",
                [
                    (
                        "unit",
                        f"{measure.id} is a {measure.unit}, not a {data.unit}: set the "
                        "target on the measure's own scale",
                    )
                ],
            )
        form = {"period": period, "value": repr(data.value), "tolerance": repr(data.tolerance)}
        try:
            label, _ = await set_target(request.user, measure, form)
        except FieldErrors as error:
            raise _refuse("the target is not valid", error.errors) from None
        saved = await _find(measure_id)
        target = next(t for t in await _targets(saved) if t.period == label)
        return TargetSet(saved.id, saved.unit, target)
