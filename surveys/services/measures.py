"""The values of the strategy measures for a period, from the service database.

A thin gatherer: survey figures come through the export path (`analysis.aload`, the frame a
research officer gets) and `analysis.measures.survey_value`; panel figures from
`panel.health` and `panel.representativeness`; audit figures from the accessibility domain's
stored runs. All the statistics and the status logic live in `analysis.measures`.

Panel figures for the period that contains today are the live ones (`panel.health`,
`panel.representativeness`); for earlier periods they are derived at the period's end from
members' join and leave dates and the dated contact history (`panel.history`), so the panel
measures have trends too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from typing import Any

import anyio.to_thread
import numpy as np
import pandas as pd

import analysis
from analysis.measures import Measure, MeasureResult, Period, Value, evaluate, survey_value
from analysis.measures.values import DesignCache, Margins, outcome_levels, period_design
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

    The margins are keyed by panel codes (``imd_quintile`` 1–5, ``sex`` female), the export by
    the labels of its codebook (``Quintile 1 (most deprived)``, ``Female``), so each code is
    relabelled through that same codebook (`surveys.services.exports.panel_codebook`); a
    dimension whose labels still do not cover every answer in the frame is left out rather
    than mis-weighted.
    """
    from panel.margins import panel_margins
    from surveys.services.exports import panel_codebook

    labels = {v["name"]: v["values"] for v in panel_codebook()}
    out: dict[str, dict[Hashable, float]] = {}
    for dimension, groups in panel_margins().items():
        column = f"panel_{dimension}"
        if column not in frame.columns:
            continue
        names = labels.get(column, {})
        mapped: dict[Hashable, float] = {
            names.get(str(g), str(g)): float(p) for g, p in groups.items()
        }
        if set(frame[column].dropna().astype(str).unique()) <= set(map(str, mapped)):
            out[column] = mapped
    return out


Frames = dict[str, pd.DataFrame | str]


def _margins_for(frame: pd.DataFrame, cache: DesignCache) -> Margins:
    """`_labelled_margins` once per frame and report (one object, so designs are shared)."""
    key = id(frame)
    if key not in cache.margins:
        cache.margins[key] = _labelled_margins(frame) if not frame.empty else {}
    return cache.margins[key]


async def _frame(slug: str, frames: Frames) -> pd.DataFrame | str:
    """The survey's labelled frame (loaded once per report), or why there is none."""
    if slug not in frames:
        try:
            frame = await analysis.aload(slug)
            # pandas deep-copies ``attrs`` into every derived frame; the codebook there made
            # the period filters and raking spend most of their time copying it. The
            # measures need only the variable labels (the equality notes name questions).
            frame.attrs = {k: frame.attrs[k] for k in ("labels", "survey") if k in frame.attrs}
            frames[slug] = frame
        except NotFound:
            frames[slug] = f"there is no survey {slug!r}"
        except analysis.AnalysisError as error:
            frames[slug] = f"survey {slug!r}: {error}"
    return frames[slug]


async def _survey_values(
    measures: list[Measure], periods: list[Period], frames: Frames, cache: DesignCache
) -> dict[str, dict[str, Value]]:
    out: dict[str, dict[str, Value]] = {}
    for measure in measures:
        frame = await _frame(str(measure.source["survey"]), frames)
        if isinstance(frame, str):
            out[measure.id] = {p.label: Value(p.label, None, note=frame) for p in periods}
            continue
        margins = _margins_for(frame, cache)
        out[measure.id] = {
            p.label: survey_value(measure, frame, p, margins=margins, cache=cache) for p in periods
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
    from panel.history import figures_at

    past = [p for p in periods if not p.contains(now) and p.end <= now.date()]
    moments = [dt.datetime.combine(p.end, dt.time(), dt.UTC) for p in past]
    derived = dict(zip([p.label for p in past], await figures_at(moments, panel_margins()),
                       strict=True))  # fmt: skip
    out: dict[str, dict[str, Value]] = {}
    for measure in measures:
        values = {}
        name = str(measure.source["figure"])
        for p in periods:
            figure = figures.get(name)
            if figure is None:
                values[p.label] = Value(p.label, None, note=f"unknown panel figure {name!r}")
            elif p.contains(now):
                values[p.label] = Value(p.label, figure.estimate, n=figure.n, note=figure.note)
            elif p.label in derived:
                values[p.label] = _derived_panel_value(name, p, derived[p.label])
            else:
                values[p.label] = Value(p.label, None, note=f"{p.label} has not started yet")
        out[measure.id] = values
    return out


def _derived_panel_value(name: str, period: Period, at: dict[str, Any]) -> Value:
    """A panel figure at the end of a past period, from join/leave dates and contacts."""
    end = f"at the end of {period.label}, from join and leave dates"
    if at["undated_leavers"]:
        end += f" ({at['undated_leavers']} withdrawn members with no leaving date left out)"
    if name == "active_members":
        return Value(period.label, float(at["members"]), note=f"members {end}")
    if name == "representativeness_gap":
        gap = at["representativeness_gap"]
        return Value(period.label, gap, note=end if gap is not None else "no members then")
    rate = at["response_rate"]
    return Value(
        period.label,
        None if rate is None else 100 * rate,
        n=at["invited"],
        note="12 months to the end of the period"
        if rate is not None
        else "no invitations in the 12 months to the end of the period",
    )


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
    measures: Iterable[Measure],
    period: Period,
    *,
    now: dt.datetime | None = None,
    frames: Frames | None = None,
    cache: DesignCache | None = None,
) -> dict[str, dict[str, Value]]:
    """``{measure id: {period label: Value}}`` for ``period`` and the periods before it.

    ``frames`` caches each survey's frame and ``cache`` the designs built on them between
    calls (the equality notes reuse both)."""
    now = now or dt.datetime.now(dt.UTC)
    frames = {} if frames is None else frames
    cache = DesignCache() if cache is None else cache
    periods = periods_back(period)
    usable = [m for m in measures if not m.problems]
    by_kind: dict[str, list[Measure]] = {}
    for m in usable:
        by_kind.setdefault(m.kind, []).append(m)
    out: dict[str, dict[str, Value]] = {}
    if by_kind.get("survey"):
        out |= await _survey_values(by_kind["survey"], periods, frames, cache)
    if by_kind.get("panel"):
        out |= await _panel_values(by_kind["panel"], periods, now)
    if by_kind.get("audit"):
        out |= await _audit_values(by_kind["audit"], periods)
    if by_kind.get("equality"):
        out |= await _equality_values(by_kind["equality"], periods, frames, cache)
    return out


async def _equality_values(
    measures: list[Measure],
    periods: list[Period],
    frames: Frames,
    cache: DesignCache | None = None,
) -> dict[str, dict[str, Value]]:
    """Groups with a likely adverse impact on the outcome, per period (an exact count of
    findings, each of which has its own interval in the equality report)."""
    cache = DesignCache() if cache is None else cache
    out: dict[str, dict[str, Value]] = {}
    for measure in measures:
        frame = await _frame(str(measure.source["survey"]), frames)
        values: dict[str, Value] = {}
        for p in periods:
            if isinstance(frame, str):
                values[p.label] = Value(p.label, None, note=frame)
                continue
            margins = _margins_for(frame, cache)
            values[p.label] = await anyio.to_thread.run_sync(
                _adverse_groups, measure, frame, p, margins, cache
            )
        out[measure.id] = values
    return out


def _assess(
    measure: Measure, design: Any, column: str, better: bool, cache: DesignCache | None
) -> Any:
    """`equality.assess` of the measure's outcome on ``design``, once per design and outcome
    in a report (an equality measure's count and its notes read the same findings)."""
    from equality import assess

    levels = list(outcome_levels(measure))
    key = (id(design), column, tuple(levels), better)
    if cache is not None and key in cache.assessments:
        return cache.assessments[key]
    found = assess(design, (column, levels), higher_is_better=better)
    if cache is not None:
        cache.assessments[key] = found
    return found


def _adverse_groups(
    measure: Measure,
    frame: pd.DataFrame,
    period: Period,
    margins: Margins,
    cache: DesignCache | None = None,
) -> Value:
    from equality import EqualityError

    found = period_design(measure, frame, period, margins=margins, cache=cache)
    if isinstance(found, str):
        return Value(period.label, None, note=found)
    design, column, note = found
    try:
        better = bool(measure.source.get("outcome_higher_is_better", True))
        a = _assess(measure, design, column, better, cache)
    except EqualityError as error:
        return Value(period.label, None, note=f"equality analysis not possible: {error}")
    f = a.findings
    adverse = f[f["finding"] == "likely adverse impact"]
    groups = "; ".join(f"{r['characteristic']}: {r['group']}" for r in adverse.to_dict("records"))
    return Value(
        period.label,
        float(len(adverse)),
        n=int(design.data.shape[0]),
        note=f"{note}; " + (groups or "no likely adverse impact"),
    )


async def build_results(
    period: Period,
    definitions: list[Measure] | None = None,
    *,
    now: dt.datetime | None = None,
) -> list[MeasureResult]:
    """Every measure's result for ``period`` (default: the YAML set with the council's own
    measures and the targets set on the staff page), for the report, page, CLI and API."""
    from surveys.services.measures_store import effective_measures

    if definitions is None:
        definitions = await effective_measures()
    frames: Frames = {}
    cache = DesignCache()  # the notes assess the very designs the values were estimated on
    values = await measure_values(definitions, period, now=now, frames=frames, cache=cache)
    results = [evaluate(d, values.get(d.id, {}), period) for d in definitions]
    for r in results:
        if r.measure.kind in ("survey", "equality") and not r.measure.problems:
            frame = await _frame(str(r.measure.source["survey"]), frames)
            if not isinstance(frame, str) and not frame.empty:
                r.equality = await anyio.to_thread.run_sync(
                    equality_notes, r.measure, frame, period, _margins_for(frame, cache), cache
                )
    return results


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def equality_notes(
    measure: Measure,
    frame: pd.DataFrame,
    period: Period,
    margins: Margins,
    cache: DesignCache | None = None,
) -> list[str]:
    """What the equality analysis says about the measure's outcome in ``period``, in words.

    `equality.assess` on the measure's own design (same respondents, same weights), every
    characteristic the survey has. Only its disclosure-controlled findings are used, so a
    group below the threshold is never given a number here either. Empty when there is
    nothing to assess (a mean, no responses, weighting failed: the figure says why). With
    the report's ``cache`` the design is the one the value was estimated on, not a new one.
    """
    from equality import EqualityError

    if measure.source.get("statistic", "proportion") != "proportion":
        return []
    found = period_design(measure, frame, period, margins=margins, cache=cache)
    if isinstance(found, str):
        return []
    design, column, _note = found
    # an equality measure counts adverse findings (lower is better); its outcome's own
    # direction is ``outcome_higher_is_better`` in the source
    better = (
        bool(measure.source.get("outcome_higher_is_better", True))
        if measure.kind == "equality"
        else measure.higher_is_better
    )
    try:
        a = _assess(measure, design, column, better, cache)
    except EqualityError as error:
        return [f"The equality analysis could not be made for {period.label}: {error}"]
    f = a.findings
    adverse = f[f["finding"] == "likely adverse impact"]
    if f.empty:
        return [f"The survey has no equality characteristics to compare in {period.label}."]
    checked = f["characteristic"].nunique()
    if adverse.empty:
        return [
            f"The equality analysis ({checked} characteristics, {len(f)} groups, each against "
            f"everyone else, Holm-adjusted) found no likely adverse impact in {period.label}."
        ]
    notes = []
    for row in adverse.to_dict("records"):
        x = {k: float(row[k]) for k in ("estimate", "rest_estimate", "gap", "gap_ci_low",
                                        "gap_ci_high", "p_adjusted", "n")}  # fmt: skip
        label = str(row.get("characteristic_label") or row["characteristic"])
        if not np.isfinite(x["estimate"]) or not np.isfinite(x["gap"]):
            notes.append(
                f"{label}: a group has a likely adverse impact, but it has too few responses "
                f"to show (fewer than {a.min_n}), so its figures are suppressed."
            )
            continue
        notes.append(
            f"Likely adverse impact, {label}: {row['group']} {100 * x['estimate']:.1f}% against "
            f"{100 * x['rest_estimate']:.1f}% for everyone else who answered, a gap of "
            f"{100 * x['gap']:+.1f} points (95% CI {100 * x['gap_ci_low']:+.1f} to "
            f"{100 * x['gap_ci_high']:+.1f}; Holm-adjusted {_p(x['p_adjusted'])}; "
            f"{x['n']:.0f} responses)."
        )
    suppressed = int(f["estimate"].isna().sum())
    if suppressed:
        notes.append(
            f"{suppressed} group(s) with fewer than {a.min_n} responses (or hidden so that one "
            "cannot be worked out) are not shown."
        )
    return notes


def current_period(now: dt.datetime | None = None) -> str:
    """The half-year that contains ``now`` (the staff page's default)."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now.year}-H{1 if now.month <= 6 else 2}"
