"""Strategy measures as data: what each figure means, where it comes from, its targets.

A council's Citizen Experience Strategy reports the same few figures every time. Each is a
`Measure` read from YAML (`measures.yaml` ships the usual set), so a council adds its own
without code. Definitions are checked one by one: a bad measure or target becomes a message
on that measure (`Measure.problems`), never an exception that stops the rest of the report.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import AnalysisError

SHIPPED = Path(__file__).with_name("measures.yaml")
SOURCE_KINDS = ("survey", "panel", "equality", "audit")
UNITS = ("percent", "mean", "count", "points")
WEIGHTINGS = ("raked", "unweighted")
STATISTICS = ("proportion", "mean")
#: ``adverse_groups``: how many groups the equality analysis finds a likely adverse impact for
EQUALITY_FIGURES = ("adverse_groups",)
#: A period label: a year, a half (2026-H2) or a quarter (2026-Q3).
PERIOD_PATTERN = r"^(\d{4})(?:-(H[12]|Q[1-4]))?$"
_PERIOD = re.compile(PERIOD_PATTERN)


class MeasureError(AnalysisError):
    """A measures file that cannot be read at all (not YAML, not a list of measures)."""


@dataclass(frozen=True)
class Period:
    """A reporting period: a year (``2026``), a half (``2026-H2``) or a quarter (``2026-Q3``)."""

    label: str
    start: dt.date
    end: dt.date  # exclusive

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text.strip())
        if not match:
            raise AnalysisError(f"period {text!r} must look like 2026, 2026-H2 or 2026-Q3")
        year, part = int(match[1]), match[2]
        if not 1900 <= year <= 2999:
            raise AnalysisError(f"period {text!r}: the year must be between 1900 and 2999")
        if part is None:
            first, months = 1, 12
        elif part[0] == "H":
            first, months = (1 if part == "H1" else 7), 6
        else:
            first, months = 1 + 3 * (int(part[1]) - 1), 3
        start = dt.date(year, first, 1)
        end_month = first + months
        end = dt.date(year + (end_month > 12), (end_month - 1) % 12 + 1, 1)
        return cls(text.strip(), start, end)

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        year = self.start.year
        if self.label == str(year):
            return Period.parse(str(year - 1))
        part = self.label.split("-")[1]
        if part[0] == "H":
            return Period.parse(f"{year - 1}-H2" if part == "H1" else f"{year}-H1")
        q = int(part[1])
        return Period.parse(f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}")

    def contains(self, when: dt.datetime | dt.date) -> bool:
        day = when.date() if isinstance(when, dt.datetime) else when
        return self.start <= day < self.end


@dataclass(frozen=True)
class Target:
    """A target for one period: the value to reach, and how far short still counts as at risk."""

    value: float
    tolerance: float = 0.0
    unit: str | None = None


@dataclass(frozen=True)
class Benchmark:
    """A national comparator shown beside ours (never used for the status)."""

    value: float
    date: str
    source: str
    note: str = ""


@dataclass
class Measure:
    """One strategy measure. ``source`` is the raw mapping for its kind (see measures.yaml)."""

    id: str
    name: str
    definition: str
    kind: str
    source: dict[str, Any]
    unit: str = "percent"
    higher_is_better: bool = True
    period: str = "half-year"
    targets: dict[str, Target] = field(default_factory=dict)
    benchmark: Benchmark | None = None
    problems: list[str] = field(default_factory=list)

    def target_for(self, period: str) -> Target | None:
        return self.targets.get(period)


def _number(value: Any, where: str, problems: list[str]) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(f"{where} must be a number, not {value!r}")
        return None
    return float(value)


def _target(raw: Any, period: str, unit: str, problems: list[str]) -> Target | None:
    where = f"target for {period}"
    try:
        Period.parse(str(period))
    except AnalysisError as error:
        problems.append(f"{where}: {error}")
        return None
    if not isinstance(raw, dict):
        raw = {"value": raw}
    value = _number(raw.get("value"), f"{where}: value", problems)
    tolerance = _number(raw.get("tolerance", 0), f"{where}: tolerance", problems)
    target_unit = raw.get("unit")
    if value is None or tolerance is None:
        return None
    if tolerance < 0:
        problems.append(f"{where}: tolerance {tolerance:g} is below zero")
        return None
    if target_unit is not None and target_unit != unit:
        problems.append(
            f"{where}: target is in {target_unit} but the measure is a {unit}; "
            "set the target on the measure's own scale"
        )
        return None
    if unit == "percent" and not 0 <= value <= 100:
        problems.append(f"{where}: {value:g} is not a percentage between 0 and 100")
        return None
    return Target(value, tolerance, target_unit)


def _check_source(kind: str, source: dict[str, Any], unit: str, problems: list[str]) -> None:
    if kind == "survey":
        for key in ("survey", "question"):
            if not source.get(key):
                problems.append(f"survey source needs {key!r}")
        statistic = source.get("statistic", "proportion")
        if statistic not in STATISTICS:
            problems.append(f"statistic must be one of {', '.join(STATISTICS)}")
        if statistic == "proportion" and not source.get("levels"):
            problems.append("a proportion needs 'levels' (the answers that count)")
        if statistic == "proportion" and unit != "percent":
            problems.append(f"a proportion is a percent, but unit says {unit}")
        if statistic == "mean" and unit != "mean":
            problems.append(f"a mean has unit mean, but unit says {unit}")
        if source.get("weighting", "raked") not in WEIGHTINGS:
            problems.append(f"weighting must be one of {', '.join(WEIGHTINGS)}")
    elif kind == "equality":
        # the groups with a likely adverse impact on a survey outcome (a count, lower better)
        for key in ("survey", "question", "levels"):
            if not source.get(key):
                problems.append(f"equality source needs {key!r}")
        if source.get("figure", "adverse_groups") not in EQUALITY_FIGURES:
            problems.append(f"equality figure must be one of {', '.join(EQUALITY_FIGURES)}")
        if unit != "count":
            problems.append(f"an equality figure is a count, but unit says {unit}")
        if source.get("weighting", "raked") not in WEIGHTINGS:
            problems.append(f"weighting must be one of {', '.join(WEIGHTINGS)}")
    elif not source.get("figure"):
        problems.append(f"{kind} source needs 'figure'")


def measure_from_dict(raw: dict[str, Any]) -> Measure:
    """One measure from its mapping; anything wrong is recorded in ``problems``."""
    problems: list[str] = []
    ident = str(raw.get("id") or "").strip()
    if not ident:
        problems.append("measure has no id")
    given = raw.get("source")
    source: dict[str, Any] = given if isinstance(given, dict) else {}
    if not source:
        problems.append("measure has no source")
    kind = str(source.get("kind", ""))
    if source and kind not in SOURCE_KINDS:
        problems.append(f"source kind {kind!r} is not one of {', '.join(SOURCE_KINDS)}")
    unit = str(raw.get("unit", "percent"))
    if unit not in UNITS:
        problems.append(f"unit {unit!r} is not one of {', '.join(UNITS)}")
    if kind in SOURCE_KINDS:
        _check_source(kind, source, unit, problems)
    targets: dict[str, Target] = {}
    for period, t in (raw.get("targets") or {}).items():
        target = _target(t, str(period), unit, problems)
        if target is not None:
            targets[str(period)] = target
    benchmark = None
    if isinstance(raw.get("benchmark"), dict):
        b = raw["benchmark"]
        value = _number(b.get("value"), "benchmark value", problems)
        if value is not None:
            benchmark = Benchmark(value, str(b.get("date", "")), str(b.get("source", "")),
                                  str(b.get("note", "")))  # fmt: skip
    return Measure(
        id=ident,
        name=str(raw.get("name") or ident),
        definition=str(raw.get("definition") or "").strip(),
        kind=kind,
        source=dict(source),
        unit=unit,
        higher_is_better=bool(raw.get("higher_is_better", True)),
        period=str(raw.get("period", "half-year")),
        targets=targets,
        benchmark=benchmark,
        problems=problems,
    )


def load_measures(path: str | Path | None = None) -> list[Measure]:
    """The measures in ``path`` (default: the shipped set), in file order."""
    file = Path(path) if path is not None else SHIPPED
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise MeasureError(f"{file.name}: cannot read measures: {error}") from None
    items = data.get("measures") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise MeasureError(f"{file.name}: expected a list under 'measures'")
    measures = [measure_from_dict(m if isinstance(m, dict) else {}) for m in items]
    seen: set[str] = set()
    for m in measures:
        if m.id and m.id in seen:
            m.problems.append(f"id {m.id!r} is used by more than one measure")
        seen.add(m.id)
    return measures
