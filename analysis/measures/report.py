"""The progress report: one self-contained, printable HTML page (PDF by printing it).

A one-page summary table first (measure, latest value with its interval, target, status,
trend arrow with words), the measures with no target and the ones we could not report, then
a section per measure with a small chart and the data table it draws, and a method note.
Charts are inline SVG with a title and description, and the table beside each is the same
numbers, so nothing depends on seeing the chart or its colours.
"""

from __future__ import annotations

import datetime as dt
import math
from html import escape
from pathlib import Path
from typing import Any

import jinja2

from analysis.measures.model import Measure
from analysis.measures.results import MeasureResult
from analysis.measures.status import NO_DATA, NO_TARGET, Value

ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
AUDIENCES = ("cabinet", "management")


def fmt(measure: Measure, x: float | None) -> str:
    """A figure on the measure's scale, as a reader writes it."""
    if x is None or not math.isfinite(x):
        return "–"
    if measure.unit == "percent":
        return f"{x:.1f}%"
    if measure.unit == "count":
        return f"{x:,.0f}"
    if measure.unit == "points":
        return f"{x:.1f} points"
    return f"{x:.2f}"


def fmt_value(measure: Measure, v: Value | None) -> str:
    if v is None or v.estimate is None:
        return "no figure"
    text = fmt(measure, v.estimate)
    if not v.exact:
        text += f" ({fmt(measure, v.ci_low)} to {fmt(measure, v.ci_high)})"
    return text


def fmt_change(measure: Measure, result: MeasureResult) -> str:
    delta = result.change
    if delta is None:
        return "No figure for the previous period to compare with."
    unit = " points" if measure.unit == "percent" else ""
    text = f"Change since the previous period: {delta.change:+.1f}{unit}"
    if delta.ci_low is not None and delta.ci_high is not None:
        text += f" (95% CI {delta.ci_low:+.1f} to {delta.ci_high:+.1f}{unit}"
        text += f", p = {delta.p_value:.3f})" if delta.p_value is not None else ")"
        text += ": significant." if delta.significant else ": not significant."
    else:
        text += " (an exact count, not an estimate)."
    return text


def chart_svg(result: MeasureResult, slug: str) -> str:
    """Points with interval bars, one per period; the target as a dashed line."""
    measure = result.measure
    points = [v for v in result.history if v.estimate is not None]
    if not points:
        return ""
    width, height, left, bottom, top = 560, 200, 70, 30, 15
    highs = [v.ci_high if v.ci_high is not None else v.estimate for v in points]
    lows = [v.ci_low if v.ci_low is not None else v.estimate for v in points]
    values: list[float] = [x for x in highs + lows if x is not None]
    if result.target is not None:
        values.append(result.target.value)
    lo = 0.0 if measure.unit != "mean" else min(values)
    hi = max(values) * 1.1 or 1.0
    if measure.unit == "percent":
        hi = min(100.0, max(hi, 10.0))

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - (v - lo) / (hi - lo or 1))

    step = (width - left - 20) / max(len(result.history), 1)
    x_of = {v.period: left + step * (i + 0.5) for i, v in enumerate(result.history)}
    parts = [
        f'<svg role="img" aria-labelledby="{slug}-t {slug}-d" viewBox="0 0 {width} {height}" '
        f'width="100%" class="mr-chart" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{slug}-t">{escape(measure.name)} by period</title>',
        f'<desc id="{slug}-d">'
        + escape("; ".join(f"{v.period}: {fmt_value(measure, v)}" for v in points))
        + (f"; target {fmt(measure, result.target.value)}" if result.target else "")
        + " (the table below gives the same figures)</desc>",
        f'<line x1="{left}" y1="{y(lo):.1f}" x2="{width - 10}" y2="{y(lo):.1f}" stroke="#0b0c0c"/>',
    ]
    for tick in (lo, hi):
        parts.append(
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="12">'
            f"{escape(fmt(measure, tick))}</text>"
        )
    if result.target is not None:
        ty = y(result.target.value)
        parts.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{width - 10}" y2="{ty:.1f}" '
            'stroke="#505a5f" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{width - 12}" y="{ty - 4:.1f}" text-anchor="end" '
            f'font-size="12">target {escape(fmt(measure, result.target.value))}'
            "</text>"
        )
    for v in result.history:
        parts.append(
            f'<text x="{x_of[v.period]:.1f}" y="{height - 8}" text-anchor="middle" '
            f'font-size="12">{escape(v.period)}</text>'
        )
    for v in points:
        assert v.estimate is not None
        x = x_of[v.period]
        if not v.exact and v.ci_low is not None and v.ci_high is not None:
            parts.append(
                f'<line x1="{x:.1f}" y1="{y(v.ci_low):.1f}" x2="{x:.1f}" '
                f'y2="{y(v.ci_high):.1f}" stroke="#1d70b8" '
                'stroke-width="2"/>'
            )
        parts.append(f'<circle cx="{x:.1f}" cy="{y(v.estimate):.1f}" r="5" fill="#1d70b8"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def context(
    results: list[MeasureResult],
    *,
    period: str,
    audience: str = "cabinet",
    title: str | None = None,
    built_at: dt.datetime | None = None,
) -> dict[str, Any]:
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    rows: list[dict[str, Any]] = []
    for i, r in enumerate(results):
        slug = f"m{i}-{r.measure.id or 'measure'}"
        latest = r.latest
        from_earlier = latest is not None and latest.period != r.period
        rows.append(
            {
                "r": r,
                "slug": slug,
                "value": fmt_value(r.measure, latest),
                "value_period": latest.period if from_earlier and latest else "",
                "target": (
                    f"{fmt(r.measure, r.target.value)}"
                    + (f" (tolerance {r.target.tolerance:g})" if r.target.tolerance else "")
                    if r.target
                    else "no target set"
                ),
                "status_class": r.status.replace(" ", "-"),
                "chart": chart_svg(r, slug),
                "table": [
                    {
                        "v": v,
                        "value": fmt(r.measure, v.estimate),
                        "ci": ""
                        if v.exact or v.estimate is None
                        else f"{fmt(r.measure, v.ci_low)} to {fmt(r.measure, v.ci_high)}",
                    }
                    for v in r.history
                ],
                "change": fmt_change(r.measure, r),
                "equality": r.equality,
                "benchmark": fmt(r.measure, r.measure.benchmark.value)
                if r.measure.benchmark
                else "",
            }
        )
    return {
        "title": title or f"Citizen Experience Strategy: progress report {period}",
        "period": period,
        "audience": audience,
        "built_at": (built_at or dt.datetime.now(dt.UTC)).strftime("%-d %B %Y, %H:%M UTC"),
        "rows": rows,
        "no_target": [
            row for row in rows if row["r"].target is None and not row["r"].measure.problems
        ],
        "not_reported": [row for row in rows if row["r"].status == NO_DATA],
        "NO_TARGET": NO_TARGET,
    }


def render_html(results: list[MeasureResult], **kwargs: Any) -> str:
    """The report as one self-contained HTML document."""
    return ENV.get_template("measures/progress_report.html").render(**context(results, **kwargs))
