"""Targets and council measures set on the staff measures page, stored in the database.

The YAML file (`analysis/measures/measures.yaml`, or a council's own copy) stays the source of
the measure definitions and of default targets; this module adds what staff set on the page:
a target and tolerance per measure and period (`MeasureTarget`, which wins over the YAML one
for the same period) and measures a council adds from any survey question (`CouncilMeasure`).
Every change is checked field by field first (`FieldErrors` names the form field), then
written with its staff audit-log entry in one transaction, so a refused or failed change
leaves nothing behind.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from analysis.errors import AnalysisError
from analysis.measures import Measure, Period, Target, load_measures, measure_from_dict
from analysis.measures.model import STATISTICS, WEIGHTINGS
from service import audit
from surveys.questions.registry import handler_of
from surveys.services import definitions_store
from surveys.services.errors import NotFound
from surveys.tables import CouncilMeasure, MeasureTarget

_ID = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


class FieldErrors(ValueError):
    """Refused input: ``errors`` is ``[(field, message), ...]`` in form order."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors


def _number(text: Any, field: str, errors: list[tuple[str, str]]) -> float | None:
    raw = str(text if text is not None else "").strip()
    if not raw:
        errors.append((field, f"Enter the {field}"))
        return None
    if raw.endswith("%"):
        errors.append((field, "__percent__"))
        return None
    try:
        value = float(raw.replace(",", ""))
    except ValueError:
        errors.append((field, f"The {field} must be a number, like 75 or 2.5"))
        return None
    if not math.isfinite(value):
        errors.append((field, f"The {field} must be a number, like 75 or 2.5"))
        return None
    return value


async def _mean_scale(measure: Measure) -> tuple[float, float] | None:
    """The (min, max) a mean measure's number question allows, when its definition says."""
    try:
        stored = await definitions_store.get_version(str(measure.source.get("survey")))
        question = stored.survey.question(str(measure.source.get("question")))
    except (NotFound, KeyError, LookupError):
        return None
    low, high = question.spec.get("min"), question.spec.get("max")
    if isinstance(low, int | float) and isinstance(high, int | float):
        return float(low), float(high)
    return None


async def check_target(measure: Measure, form: dict[str, Any]) -> tuple[str, Target]:
    """(period label, Target) from the form, or `FieldErrors` naming each bad field."""
    errors: list[tuple[str, str]] = []
    period_text = str(form.get("period") or "").strip()
    period: Period | None = None
    if not period_text:
        errors.append(("period", "Enter the period, like 2026-H2"))
    else:
        try:
            period = Period.parse(period_text)
        except AnalysisError:
            errors.append(
                ("period", f"Period {period_text!r} is not known: use 2026, 2026-H2 or 2026-Q3")
            )
    value = _number(form.get("value"), "value", errors)
    tolerance = _number(form.get("tolerance") or "0", "tolerance", errors)
    unit = measure.unit
    errors = [
        (f, f"The {f} must be on the measure's own scale ({unit}), not a percentage")
        if m == "__percent__" and unit not in ("percent", "points")
        else (f, f"Enter the {f} without the % sign, like 75")
        if m == "__percent__"
        else (f, m)
        for f, m in errors
    ]
    if value is not None:
        if unit == "percent" and not 0 <= value <= 100:
            errors.append(("value", "The target is a percentage, so it must be 0 to 100"))
        elif unit in ("count", "points") and value < 0:
            errors.append(("value", f"The target is a {unit}, so it cannot be below zero"))
        elif unit == "mean":
            scale = await _mean_scale(measure)
            if scale is not None and not scale[0] <= value <= scale[1]:
                errors.append(
                    (
                        "value",
                        f"The target is a mean on the question's scale ({scale[0]:g} to "
                        f"{scale[1]:g}); {value:g} is outside it (a percentage, perhaps?)",
                    )
                )
    if tolerance is not None:
        if tolerance < 0:
            errors.append(("tolerance", "The tolerance cannot be below zero"))
        elif unit == "percent" and tolerance > 100:
            errors.append(("tolerance", "The tolerance is in percentage points, at most 100"))
    if errors:
        raise FieldErrors(errors)
    assert period is not None and value is not None and tolerance is not None
    return period.label, Target(value, tolerance)


async def stored_targets() -> dict[str, dict[str, dict[str, Any]]]:
    """``{measure: {period: {value, tolerance, set_by, set_at}}}`` as set on the staff page."""
    rows = await MeasureTarget.select().order_by(MeasureTarget.id)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(str(r["measure"]), {})[str(r["period"])] = r
    return out


async def set_target(user: Any, measure: Measure, form: dict[str, Any]) -> tuple[str, Target]:
    """Check and store a target (replacing one for the same period), audited, in one go."""
    period, target = await check_target(measure, form)
    old = measure.target_for(period)
    was = "none" if old is None else f"{old.value:g} (tolerance {old.tolerance:g})"
    async with MeasureTarget._meta.db.transaction():
        await MeasureTarget.delete().where(
            (MeasureTarget.measure == measure.id) & (MeasureTarget.period == period)
        )
        await MeasureTarget.insert(
            MeasureTarget(
                measure=measure.id,
                period=period,
                value=target.value,
                tolerance=target.tolerance,
                set_by="" if user is None else user.email,
            )
        )
        await audit.record(
            user,
            "change",
            f"measure {measure.id} target {period}",
            detail=f"target set to {target.value:g} (tolerance {target.tolerance:g}); was {was}",
        )
    return period, target


async def council_measure_dicts() -> list[dict[str, Any]]:
    rows = await CouncilMeasure.select(CouncilMeasure.definition).order_by(CouncilMeasure.id)
    out = []
    for r in rows:
        d = r["definition"]
        if isinstance(d, str):
            import json

            d = json.loads(d)
        out.append(dict(d))
    return out


async def effective_measures(path: str | Path | None = None) -> list[Measure]:
    """The YAML measures, then the council's own, with targets set on the staff page applied.

    The YAML file is ``path``, else the ``MEASURES_FILE`` setting, else the shipped set, so
    the staff page, the API and the CLI read the same definitions. A stored target replaces
    the YAML target for the same period; a measure whose YAML target was refused (a problem)
    keeps that problem only if no stored target covers the period.
    """
    if path is None:
        from service.settings import get_settings

        path = get_settings().measures_file
    measures = load_measures(path)
    known = {m.id for m in measures}
    for raw in await council_measure_dicts():
        m = measure_from_dict(raw)
        if m.id in known:
            m.problems.append(f"id {m.id!r} is already used by the measures file")
        measures.append(m)
    stored = await stored_targets()
    out = []
    for m in measures:
        extra = stored.get(m.id)
        if extra:
            targets = dict(m.targets)
            for period, r in extra.items():
                targets[period] = Target(float(r["value"]), float(r["tolerance"]))
            problems = [
                p
                for p in m.problems
                if not any(p.startswith(f"target for {period}:") for period in extra)
            ]
            m = replace(m, targets=targets, problems=problems)
        out.append(m)
    return out


def _text(value: Any) -> str:
    return str(value if value is not None else "").strip()


async def add_council_measure(user: Any, form: dict[str, Any], existing: list[Measure]) -> Measure:
    """Check and store a measure built from a survey question; `FieldErrors` names the field."""
    errors: list[tuple[str, str]] = []
    ident = _text(form.get("id")).lower()
    if not _ID.match(ident):
        errors.append(
            ("id", "Enter an id of 2 to 63 lower-case letters, digits or _, starting with a letter")
        )
    elif ident in {m.id for m in existing}:
        errors.append(("id", f"There is already a measure with id {ident!r}"))
    name = _text(form.get("name"))
    if not name:
        errors.append(("name", "Enter the measure's name"))
    definition = _text(form.get("definition"))
    if not definition:
        errors.append(("definition", "Say in plain English what the measure counts"))
    slug = _text(form.get("survey"))
    qid = _text(form.get("question"))
    statistic = _text(form.get("statistic")) or "proportion"
    weighting = _text(form.get("weighting")) or "raked"
    if statistic not in STATISTICS:
        errors.append(("statistic", "Choose share of answers or mean"))
    if weighting not in WEIGHTINGS:
        errors.append(("weighting", "Choose raked or unweighted"))
    levels: list[str] = []
    question = None
    stored = None
    if not slug:
        errors.append(("survey", "Choose the survey"))
    else:
        try:
            stored = await definitions_store.get_version(slug)
        except NotFound:
            errors.append(("survey", f"There is no survey {slug!r}"))
        if stored is not None:
            if not qid:
                errors.append(("question", "Enter the question id"))
            else:
                try:
                    question = stored.survey.question(qid)
                except (KeyError, LookupError):
                    errors.append(
                        (
                            "question",
                            f"Survey {slug!r} has no question {qid!r} in its current version",
                        )
                    )
    variable: dict[str, Any] = {}
    if question is not None and stored is not None:
        book = handler_of(question).codebook(stored.survey, question, "en")
        variable = next((v for v in book if v.get("name") == qid), {})
        if not variable:
            errors.append(("question", f"Question {qid!r} has several parts; choose one part"))
    if variable and statistic == "proportion":
        wanted = [x.strip() for x in _text(form.get("levels")).split(",") if x.strip()]
        options = {str(c): str(lab) for c, lab in (variable.get("values") or {}).items()}
        labels = {v.casefold(): v for v in options.values()}
        if not options:
            errors.append(("question", f"Question {qid!r} has no answers to count; use a mean"))
        elif not wanted:
            errors.append(("levels", "Enter the answers that count, separated by commas"))
        else:
            for w in wanted:
                if w in options:
                    levels.append(options[w])
                elif w.casefold() in labels:
                    levels.append(labels[w.casefold()])
                else:
                    errors.append(
                        (
                            "levels",
                            f"{w!r} is not an answer to {qid!r} (answers: "
                            + ", ".join(options.values())
                            + ")",
                        )
                    )
                    break
    if variable and statistic == "mean" and variable.get("type") not in ("numeric", "number"):
        errors.append(("statistic", f"A mean needs a number question; {qid!r} is not one"))
    if errors:
        raise FieldErrors(errors)
    raw: dict[str, Any] = {
        "id": ident,
        "name": name,
        "definition": definition,
        "source": {
            "kind": "survey",
            "survey": slug,
            "question": qid,
            "statistic": statistic,
            "weighting": weighting,
        }
        | ({"levels": levels} if levels else {}),
        "unit": "percent" if statistic == "proportion" else "mean",
        "higher_is_better": _text(form.get("higher_is_better")) != "no",
    }
    measure = measure_from_dict(raw)
    if measure.problems:
        raise FieldErrors([("id", p) for p in measure.problems])
    async with CouncilMeasure._meta.db.transaction():
        await CouncilMeasure.insert(
            CouncilMeasure(
                measure=ident, definition=raw, created_by="" if user is None else user.email
            )
        )
        await audit.record(user, "change", f"measure {ident} added", detail=str(raw["source"]))
    return measure
