"""The values of the strategy measures for a period, from the service database.

A thin gatherer: survey figures come through the export path (`analysis.aload`, the frame a
research officer gets) and `analysis.measures.survey_value`; panel figures from
`panel.health` and `panel.representativeness`; audit figures from the accessibility domain's
stored runs. All the statistics and the status logic live in `analysis.measures`.

Panel figures are a snapshot of now (the panel keeps no history of them), so they belong only
to the period that contains today; earlier periods say so instead of showing a number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from typing import Any

import pandas as pd

import analysis
from analysis.measures import Measure, Period, Value, survey_value
from surveys.services.errors import NotFound

EARLIER_PERIODS = 3  # how many periods before the reported one the trend table shows
IMPACTS = {"critical": ("critical",), "serious": ("serious",),
           "moderate_minor": ("moderate", "minor")}  # fmt: skip


def periods_back(period: Period, count: int = EARLIER_PERIODS) -> list[Period]:
    """``period`` and the ``count`` periods before it, oldest first."""
    out = [period]
    for _ in range(count):
        out.append(out[-1].previous())
    return out[::-1]


def _labelled_margins(frame: pd.DataFrame) -> dict[str, dict[Hashable, float]]:
    """The panel's population margins in the export's labels, for the dimensions that match.

    The margins are keyed by panel codes, the export by labels; a dimension whose labels do
    not cover every answer in the frame is left out rather than mis-weighted.
    """
    from panel.margins import panel_margins
    from panel.representativeness import label

    out: dict[str, dict[Hashable, float]] = {}
    for dimension, groups in panel_margins().items():
        column = f"panel_{dimension}"
        if column not in frame.columns:
            continue
        mapped: dict[Hashable, float] = {
            label(dimension, str(g)): float(p) for g, p in groups.items()
        }
        if set(frame[column].dropna().astype(str).unique()) <= set(map(str, mapped)):
            out[column] = mapped
    return out


async def _survey_values(
    measures: list[Measure], periods: list[Period]
) -> dict[str, dict[str, Value]]:
    out: dict[str, dict[str, Value]] = {}
    frames: dict[str, pd.DataFrame | str] = {}
    for measure in measures:
        slug = str(measure.source["survey"])
        if slug not in frames:
            try:
                frames[slug] = await analysis.aload(slug)
            except NotFound:
                frames[slug] = f"there is no survey {slug!r}"
            except analysis.AnalysisError as error:
                frames[slug] = f"survey {slug!r}: {error}"
        frame = frames[slug]
        if isinstance(frame, str):
            out[measure.id] = {p.label: Value(p.label, None, note=frame) for p in periods}
            continue
        margins = _labelled_margins(frame) if not frame.empty else {}
        out[measure.id] = {
            p.label: survey_value(measure, frame, p, margins=margins) for p in periods
        }
    return out


async def _panel_values(
    measures: list[Measure], periods: list[Period], now: dt.datetime
) -> dict[str, dict[str, Value]]:
    from panel.health import panel_health
    from panel.margins import panel_margins
    from panel.representativeness import representativeness

    health = await panel_health(now)
    fit = await representativeness(panel_margins())
    gaps = [abs(g["gap_points"]) for d in fit["dimensions"] for g in d["groups"]]
    rate = health["response_rate_12_months"]["rate"]
    figures: dict[str, Value] = {
        "active_members": Value("", float(health["active"]), note="active members now"),
        "representativeness_gap": Value("", max(gaps) if gaps else None,
                                        note="" if gaps else "no population margins"),
        "response_rate": Value("", None if rate is None else 100 * rate,
                               n=health["response_rate_12_months"]["invited"],
                               note="" if rate is not None else "no invitations in 12 months"),
    }  # fmt: skip
    out: dict[str, dict[str, Value]] = {}
    for measure in measures:
        values = {}
        for p in periods:
            figure = figures.get(str(measure.source["figure"]))
            if figure is None:
                values[p.label] = Value(
                    p.label, None, note=f"unknown panel figure {measure.source['figure']!r}"
                )
            elif p.contains(now):
                values[p.label] = Value(p.label, figure.estimate, n=figure.n, note=figure.note)
            else:
                values[p.label] = Value(
                    p.label, None, note="the panel keeps no history of this figure"
                )
        out[measure.id] = values
    return out


async def _audit_values(
    measures: list[Measure], periods: list[Period]
) -> dict[str, dict[str, Value]]:
    from accessibility.runs import list_runs
    from accessibility.sites import list_sites

    runs: list[dict[str, Any]] = []
    for site in await list_sites():
        runs += [r for r in await list_runs(site["id"], limit=200) if r["status"] == "done"]
    out: dict[str, dict[str, Value]] = {}
    for measure in measures:
        figure = str(measure.source["figure"])
        values = {}
        for p in periods:
            latest: dict[int, dict[str, Any]] = {}
            for r in runs:  # the latest finished run of each site within the period
                in_p = bool(r["finished_at"]) and p.contains(r["finished_at"])
                if in_p and (r["site"] not in latest or r["id"] > latest[r["site"]]["id"]):
                    latest[r["site"]] = r
            if not latest:
                values[p.label] = Value(p.label, None, note=f"no audit finished in {p.label}")
                continue
            summaries = [r["summary"] for r in latest.values()]
            if figure == "pages":
                total = sum(int(s.get("pages", 0)) for s in summaries)
            elif figure in IMPACTS:
                total = sum(
                    int(s.get("by_impact", {}).get(i, 0))
                    for s in summaries
                    for i in IMPACTS[figure]
                )
            else:
                values[p.label] = Value(p.label, None, note=f"unknown audit figure {figure!r}")
                continue
            runs_named = ", ".join(f"run {r['id']}" for r in latest.values())
            values[p.label] = Value(p.label, float(total), note=runs_named)
        out[measure.id] = values
    return out


async def measure_values(
    measures: Iterable[Measure], period: Period, *, now: dt.datetime | None = None
) -> dict[str, dict[str, Value]]:
    """``{measure id: {period label: Value}}`` for ``period`` and the periods before it."""
    now = now or dt.datetime.now(dt.UTC)
    periods = periods_back(period)
    usable = [m for m in measures if not m.problems]
    by_kind: dict[str, list[Measure]] = {}
    for m in usable:
        by_kind.setdefault(m.kind, []).append(m)
    out: dict[str, dict[str, Value]] = {}
    if by_kind.get("survey"):
        out |= await _survey_values(by_kind["survey"], periods)
    if by_kind.get("panel"):
        out |= await _panel_values(by_kind["panel"], periods, now)
    if by_kind.get("audit"):
        out |= await _audit_values(by_kind["audit"], periods)
    for m in by_kind.get("equality", []):
        out[m.id] = {p.label: Value(p.label, None, note="equality findings are not computed "
                                    "for measures yet") for p in periods}  # fmt: skip
    return out
