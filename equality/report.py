"""The EqIA evidence report: HTML (and PDF through Chromium) from an `Assessment`.

The report is built to slot into a council's Equalities Impact Assessment:
a summary of findings per characteristic, a chart per characteristic with the
table it draws (intervals shown, hidden groups written as "fewer than 10
responses" and never drawn as zero), method and data notes, evidence gaps, and
the usual EqIA sections (impact per characteristic, the evidence, space for
mitigations and actions).  Only the disclosure-controlled numbers of the
assessment reach it.

Charts are inline SVG drawn here (no script, no external requests), so the
HTML is one self-contained, printable file; each has a title and description
for assistive technology and its data table follows it.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from equality.digital import DigitalExclusion
    from equality.disparity import Assessment

TEMPLATES = Path(__file__).parent / "templates"
ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

IMPACT = {
    "likely adverse impact": "Negative",
    "likely positive impact": "Positive",
    "no evidence of a difference": "Neutral",
    "not enough responses to say": "Unknown",
}


def pct(v: Any, digits: int = 0) -> str:
    """A proportion as a percentage ("–" when hidden or missing)."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{100 * float(v):.{digits}f}%"


def points(v: Any) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{100 * float(v):+.1f}"


def num(v: Any, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{float(v):,.{digits}f}"


def pvalue(v: Any) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return "<0.001" if v < 0.001 else f"{v:.3f}"


def shown_n(row: pd.Series, min_n: int) -> str:
    if row.get("suppressed"):
        return f"fewer than {min_n}" if str(row["suppressed"]).startswith("fewer") else "hidden"
    return num(row["n"])


@dataclass
class Section:
    """One characteristic's part of the report."""

    label: str
    slug: str
    rows: list[dict[str, Any]]
    svg: str
    impact: str
    evidence: str


def chart_svg(
    label: str, slug: str, rows: pd.DataFrame, overall: float, min_n: int, confidence: str = "95%"
) -> str:
    """Dot-and-whisker chart of each group's estimate and CI, hidden groups as text."""
    left, width, row_h, top = 300, 360, 30, 34
    height = top + row_h * len(rows) + 36
    x = lambda p: left + width * float(p)  # noqa: E731 - a local scale
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {left + width + 60} {height}" '
        f'role="img" aria-labelledby="{slug}-title {slug}-desc" class="eq-chart" '
        f'width="100%">',
        f'<title id="{slug}-title">{escape(label)}: estimate for each group with its '
        f"{confidence} confidence interval</title>",
    ]
    desc = []
    for _, r in rows.iterrows():
        if r["suppressed"]:
            desc.append(f"{r['group']}: not shown, {shown_n(r, min_n)} responses")
        else:
            desc.append(
                f"{r['group']}: {pct(r['estimate'])} ({pct(r['ci_low'])} to {pct(r['ci_high'])})"
            )
    parts.append(f'<desc id="{slug}-desc">{escape("; ".join(desc))}</desc>')
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top - 8}" '
            f'y2="{height - 30}" stroke="#b1b4b6" stroke-width="1"/>'
            f'<text x="{x(tick):.1f}" y="{height - 12}" text-anchor="middle" '
            f'font-size="13" fill="#0b0c0c">{int(tick * 100)}%</text>'
        )
    if math.isfinite(overall):
        parts.append(
            f'<line x1="{x(overall):.1f}" x2="{x(overall):.1f}" y1="{top - 14}" '
            f'y2="{height - 30}" stroke="#0b0c0c" stroke-dasharray="5 4" stroke-width="2"/>'
            f'<text x="{x(overall):.1f}" y="{top - 18}" text-anchor="middle" font-size="13" '
            f'fill="#0b0c0c">everyone {pct(overall)}</text>'
        )
    for i, (_, r) in enumerate(rows.iterrows()):
        y = top + row_h * i + row_h / 2
        parts.append(
            f'<text x="{left - 10}" y="{y + 5:.1f}" text-anchor="end" font-size="13" '
            f'fill="#0b0c0c">{escape(_short(str(r["group"])))}</text>'
        )
        if r["suppressed"]:
            parts.append(
                f'<text x="{left + 6}" y="{y + 5:.1f}" font-size="13" font-style="italic" '
                f'fill="#0b0c0c">{escape(_hidden_text(r, min_n))}</text>'
            )
            continue
        colour = {"likely adverse impact": "#D55E00", "likely positive impact": "#009E73"}.get(
            str(r["finding"]), "#0072B2"
        )
        shape = (
            f'<rect x="{x(r["estimate"]) - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" '
            f'fill="{colour}"/>'
            if r["finding"] == "likely adverse impact"
            else f'<circle cx="{x(r["estimate"]):.1f}" cy="{y:.1f}" r="6" fill="{colour}"/>'
        )
        parts.append(
            f'<line x1="{x(r["ci_low"]):.1f}" x2="{x(r["ci_high"]):.1f}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="{colour}" stroke-width="3"/>{shape}'
            f'<text x="{x(r["ci_high"]) + 8:.1f}" y="{y + 5:.1f}" font-size="13" '
            # a white halo keeps the figure legible where the "everyone" line crosses it
            f'fill="#0b0c0c" stroke="#ffffff" stroke-width="4" paint-order="stroke">'
            f"{pct(r['estimate'])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _confidence(alpha: float) -> str:
    """The confidence level as the report writes it ("95%", "99.5%")."""
    return f"{100 * (1 - alpha):.10g}%"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _hidden_text(r: pd.Series, min_n: int) -> str:
    if str(r["suppressed"]).startswith("fewer"):
        return f"fewer than {min_n} responses: not shown"
    return "not shown, to protect a smaller group"


def _evidence(rows: pd.DataFrame, outcome: str, higher_is_better: bool) -> tuple[str, str]:
    findings = set(rows["finding"])
    adverse = rows.loc[rows["finding"] == "likely adverse impact", "group"].tolist()
    positive = rows.loc[rows["finding"] == "likely positive impact", "group"].tolist()
    if adverse:
        impact = "Negative"
        worse = "lower" if higher_is_better else "higher"
        text = (
            f"{', '.join(adverse)}: a {worse} share ({outcome}) than everyone else, beyond what "
            "chance would explain after allowing for the number of comparisons."
        )
    elif positive:
        impact = "Positive"
        better = "higher" if higher_is_better else "lower"
        text = f"{', '.join(positive)}: a {better} share ({outcome}) than everyone else."
    elif findings == {"not enough responses to say"}:
        impact = "Unknown"
        text = "Too few responses in every group to say."
    else:
        impact = "Neutral"
        text = "No evidence of a difference between any group and everyone else."
    unknown = rows.loc[rows["finding"] == "not enough responses to say", "group"].tolist()
    if unknown and impact != "Unknown":
        text += f" Not enough responses to say for: {', '.join(unknown)}."
    return impact, text


def sections(assessment: Assessment, *, higher_is_better: bool | None = None) -> list[Section]:
    """The per-characteristic parts (used by the HTML report and the staff page)."""
    hib = assessment.higher_is_better if higher_is_better is None else higher_is_better
    overall = float(assessment.design_summary.get("weighted_estimate", float("nan")))
    out = []
    for i, (label, rows) in enumerate(assessment.findings.groupby("characteristic", sort=False)):
        slug = f"ch{i}"
        impact, evidence = _evidence(rows, assessment.outcome_label, hib)
        table = []
        for _, r in rows.iterrows():
            hidden = bool(r["suppressed"])
            table.append(
                {
                    "group": r["group"],
                    "hidden": hidden,
                    "hidden_text": _hidden_text(r, assessment.min_n) if hidden else "",
                    "estimate": pct(r["estimate"]),
                    "ci": f"{pct(r['ci_low'])} to {pct(r['ci_high'])}",
                    "rest": pct(r["rest_estimate"]),
                    "gap": points(r["gap"]),
                    "gap_ci": f"{points(r['gap_ci_low'])} to {points(r['gap_ci_high'])}",
                    "ratio": num(r["ratio"], 2),
                    "ratio_ci": f"{num(r['ratio_ci_low'], 2)} to {num(r['ratio_ci_high'], 2)}",
                    "p": pvalue(r["p_adjusted"]),
                    "n": shown_n(r, assessment.min_n),
                    "n_eff": num(r["n_eff"]),
                    "finding": r["finding"],
                }
            )
        svg = chart_svg(
            str(label), slug, rows, overall, assessment.min_n, _confidence(assessment.alpha)
        )
        out.append(Section(str(label), slug, table, svg, impact, evidence))
    return out


def context(
    assessment: Assessment,
    *,
    title: str | None = None,
    digital: DigitalExclusion | None = None,
    representation: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Everything the template needs, as plain strings (also for the staff page)."""
    s = assessment.design_summary
    adjust = {"holm": "Holm", "bh": "Benjamini–Hochberg (false discovery rate)", None: "none"}[
        assessment.adjust
    ]
    digital_ctx = None
    if digital is not None:
        digital_ctx = {
            "overall": [
                {
                    "measure": r["measure"],
                    "estimate": pct(r["estimate"], 1),
                    "ci": f"{pct(r['ci_low'], 1)} to {pct(r['ci_high'], 1)}",
                    "residents": num(round(r["residents"], -1)),
                    "residents_ci": f"{num(round(r['residents_ci_low'], -1))} to "
                    f"{num(round(r['residents_ci_high'], -1))}",
                }
                for _, r in digital.overall.iterrows()
            ],
            "measures": [
                {"measure": name, "sections": sections(a, higher_is_better=False)}
                for name, a in digital.assessments.items()
            ],
            "skipped": digital.skipped,
            "weighting": digital.weighting,
        }
    rep_ctx = None
    if representation is not None:
        rep_ctx = [
            {
                "characteristic": r["characteristic"],
                "group": r["group"],
                "n": f"fewer than {assessment.min_n}"
                if str(r["suppressed"]).startswith("fewer")
                else ("hidden" if r["suppressed"] else num(r["n"])),
                "sample": pct(r["sample_share"], 1),
                "population": pct(r["population_share"], 1),
                "gap": f"{r['gap_points']:+.1f}" if np.isfinite(r["gap_points"]) else "–",
                "ratio": num(r["ratio"], 2),
                "weighted": pct(r["weighted_share"], 1),
                "n_eff": num(r["n_eff"]),
                "note": r["weighting_note"],
            }
            for _, r in representation.iterrows()
        ]
    parts = sections(assessment)
    shown = {sec.label for sec in parts}
    return {
        "title": title or f"Equalities evidence: {assessment.outcome_label}",
        "a": assessment,
        "summary": s,
        "adjust": adjust,
        "sections": parts,
        "combinations": assessment.combinations,
        # a characteristic with a section (even one where every group is too small) is
        # summarised there; these are the ones with no section at all
        "gaps": [g for g in assessment.gaps if g["characteristic"] not in shown],
        "evidence_gaps": assessment.gaps,
        "digital": digital_ctx,
        "representation": rep_ctx,
        "overall": pct(s.get("weighted_estimate"), 1),
        "generated": dt.datetime.now(dt.UTC).strftime("%d %B %Y"),
        "confidence": _confidence(assessment.alpha),
        "num": num,
    }


def render_html(assessment: Assessment, **kwargs: Any) -> str:
    """The report as one self-contained HTML document."""
    return ENV.get_template("equality/report.html").render(**context(assessment, **kwargs))


def _chromium() -> str:
    path = (
        os.environ.get("CHROMIUM_PATH")
        or next(
            (p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.path.exists(p)),
            None,
        )
        or shutil.which("chromium")
    )
    if not path:
        raise RuntimeError("PDF needs Chromium: install it or set CHROMIUM_PATH")
    return path


def write_report(
    assessment: Assessment, path: str | os.PathLike[str], *, format: str = "html", **kwargs: Any
) -> Path:
    """Write the report; ``format="pdf"`` prints the HTML with Chromium (tagged PDF)."""
    out = Path(path)
    if format not in ("html", "pdf"):
        raise ValueError(f"format must be 'html' or 'pdf', not {format!r}")
    html = render_html(assessment, **kwargs)
    if format == "html":
        out.write_text(html, encoding="utf-8")
        return out
    print_pdf(html, out)
    return out


def print_pdf(html: str, out: str | os.PathLike[str]) -> Path:
    """Print an HTML document to a tagged A4 PDF (with an outline) with Chromium.

    Shared by the EqIA report and the strategy progress report, so both print alike.
    """
    from playwright.sync_api import sync_playwright

    out = Path(out)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "report.html"
        src.write_text(html, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
            try:
                page = browser.new_page()
                page.goto(src.as_uri())
                page.pdf(
                    path=str(out),
                    format="A4",
                    tagged=True,
                    outline=True,
                    print_background=True,
                    margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"},
                )
            finally:
                browser.close()
    return out
