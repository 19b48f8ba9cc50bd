"""Accessible charts for survey results.

Every chart function returns a `Chart`: the matplotlib figure, the data table
it draws (so a screen-reader user or a report can have the numbers) and a
plain-English description for alt text.  Colours come from the Okabe–Ito
palette, which stays distinguishable with the common colour-vision
deficiencies; text is at least 11 pt; confidence intervals are drawn as
error bars or bands, never by colour alone; values are written on the bars.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import matplotlib.ticker
import pandas as pd
from cycler import cycler
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from analysis.drivers import DriversResult

#: Okabe & Ito (2008), colour-blind safe
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT_SIZE = 12

STYLE: Any = {
    "font.size": FONT_SIZE,
    "axes.titlesize": FONT_SIZE + 2,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": FONT_SIZE - 1,
    "ytick.labelsize": FONT_SIZE - 1,
    "legend.fontsize": FONT_SIZE - 1,
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass
class Chart:
    """A figure with the table it shows and a text description of it."""

    figure: Figure
    data: pd.DataFrame
    description: str
    title: str

    def save(self, path: str, **kwargs: Any) -> None:
        """Save the figure (PNG, SVG or PDF by suffix) at report resolution."""
        self.figure.savefig(path, dpi=kwargs.pop("dpi", 150), bbox_inches="tight", **kwargs)

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        return buf.getvalue()

    def __repr__(self) -> str:
        return f"<Chart {self.title!r}: {self.description}>"


def _pct(v: float) -> str:
    return f"{100 * v:.0f}%"


def bar(
    table: pd.DataFrame,
    *,
    label: str | None = None,
    title: str | None = None,
    percent: bool = True,
) -> Chart:
    """Horizontal bars with confidence intervals for an estimate table.

    ``table`` is the output of ``Design.proportion``/``mean`` (one row per
    group); ``label`` names the column holding the bar labels (default: the
    first column before ``estimate``).
    """
    for col in ("estimate", "ci_low", "ci_high"):
        if col not in table:
            raise ValueError(f"table needs an {col!r} column (use a Design estimate table)")
    label = label or (table.columns[0] if table.columns[0] != "estimate" else None)
    labels = table[label].astype(str).tolist() if label else ["All"] * len(table)
    title = title or str(table.attrs.get("variable", "Estimate"))
    fmt = _pct if percent else (lambda v: f"{v:.3g}")
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(8, 0.6 * len(table) + 1.6))
        ax = fig.subplots()
        y = range(len(table))[::-1]
        est = table["estimate"].to_numpy()
        err = [est - table["ci_low"].to_numpy(), table["ci_high"].to_numpy() - est]
        ax.barh(list(y), est, color=PALETTE[0], xerr=err, capsize=4, ecolor="#000000")
        ax.set_yticks(list(y), labels)
        for yi, v, hi in zip(y, est, table["ci_high"].to_numpy(), strict=True):
            ax.text(hi, yi, "  " + fmt(v), va="center")
        if percent:
            ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
            ax.set_xlim(0, min(1.0, float(table["ci_high"].max()) * 1.25 + 0.02))
        ax.set_title(title, loc="left")
        ax.set_xlabel("Estimate with 95% confidence interval")
        fig.tight_layout()
    data = pd.DataFrame(
        {"label": labels, "estimate": est, "ci_low": table["ci_low"], "ci_high": table["ci_high"]}
    )
    hi = data.iloc[int(data["estimate"].to_numpy().argmax())]
    lo = data.iloc[int(data["estimate"].to_numpy().argmin())]
    desc = (
        f"Bar chart: {title}. {len(data)} bars with 95% confidence intervals. Highest: "
        f"{hi['label']} {fmt(hi['estimate'])} ({fmt(hi['ci_low'])} to {fmt(hi['ci_high'])}); "
        f"lowest: {lo['label']} {fmt(lo['estimate'])} "
        f"({fmt(lo['ci_low'])} to {fmt(lo['ci_high'])})."
    )
    return Chart(fig, data, desc, title)


def trend_chart(table: pd.DataFrame, *, title: str | None = None) -> Chart:
    """Line chart of a `analysis.trend` table with a confidence band per wave."""
    title = title or f"{table.attrs.get('variable', '')}: {table.attrs.get('level_of', '')}"
    waves = table["wave"].astype(str).tolist()
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(8, 4))
        ax = fig.subplots()
        x = list(range(len(waves)))
        ax.fill_between(
            x,
            table["ci_low"],
            table["ci_high"],
            color=PALETTE[4],
            alpha=0.35,
            label="95% confidence interval",
        )
        ax.plot(x, table["estimate"], marker="o", color=PALETTE[0], linewidth=2, label="Estimate")
        for xi, v in zip(x, table["estimate"], strict=True):
            ax.annotate(_pct(v), (xi, v), textcoords="offset points", xytext=(0, 8), ha="center")
        ax.set_xticks(x, waves)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_title(title, loc="left")
        ax.legend(loc="lower left")
        fig.tight_layout()
    data = table[["wave", "estimate", "ci_low", "ci_high", "change", "p_value"]].copy()
    last = data.iloc[-1]
    sig = (
        "a statistically significant"
        if last["p_value"] < 0.05
        else "not a statistically significant"
    )
    desc = (
        f"Line chart: {title}, {len(data)} waves. From {_pct(data['estimate'].iloc[0])} in "
        f"{data['wave'].iloc[0]} to {_pct(last['estimate'])} in {last['wave']}; the latest change "
        f"of {100 * last['change']:+.1f} points is {sig} change (p = {last['p_value']:.3f})."
    )
    return Chart(fig, data, desc, title)


def drivers_chart(result: DriversResult, *, title: str | None = None) -> Chart:
    """Bar chart of each driver's share of explained variance."""
    table = result.table
    title = title or f"What drives {result.outcome} (R² = {result.r2:.2f}, n = {result.n})"
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(8, 0.55 * len(table) + 1.6))
        ax = fig.subplots()
        y = list(range(len(table)))[::-1]
        ax.barh(y, table["share"], color=PALETTE[2])
        ax.set_yticks(y, table["label"].astype(str).str.slice(0, 45))
        for yi, v in zip(y, table["share"], strict=True):
            ax.text(v, yi, f"  {v:.0f}%", va="center")
        ax.set_xlabel("Share of explained variance (%)")
        ax.set_xlim(0, float(table["share"].max()) * 1.2)
        ax.set_title(title, loc="left")
        fig.tight_layout()
    data = table[["predictor", "label", "share", "importance", "correlation", "rank"]].copy()
    top = data.iloc[0]
    desc = (
        f"Bar chart: key drivers of {result.outcome}. The predictors together explain "
        f"{100 * result.r2:.0f}% of the variation. Most important: {top['label']} "
        f"({top['share']:.0f}% of the explained variation); least: {data.iloc[-1]['label']} "
        f"({data.iloc[-1]['share']:.0f}%)."
    )
    return Chart(fig, data, desc, title)


def benchmark_chart(
    table: pd.DataFrame, *, title: str = "Our results beside the LGA national polling"
) -> Chart:
    """Paired bars: our estimate (with CI) and the LGA national figure per indicator."""
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(8, 0.8 * len(table) + 1.6))
        ax = fig.subplots()
        y = list(range(len(table)))[::-1]
        est = table["estimate"].to_numpy()
        err = [est - table["ci_low"].to_numpy(), table["ci_high"].to_numpy() - est]
        ax.barh(
            [v + 0.2 for v in y],
            est,
            height=0.4,
            color=PALETTE[0],
            xerr=err,
            capsize=3,
            label="Our survey (95% CI)",
        )
        ax.barh(
            [v - 0.2 for v in y],
            table["lga_percent"] / 100,
            height=0.4,
            color=PALETTE[1],
            hatch="//",
            label="LGA national polling",
        )
        ax.set_yticks(y, table["indicator"])
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_xlim(0, 1)
        ax.legend(loc="lower right")
        ax.set_title(title, loc="left")
        fig.tight_layout()
    data = table[["indicator", "estimate", "ci_low", "ci_high", "lga_percent", "lga_round"]].copy()
    above = int((table["estimate"] * 100 > table["lga_percent"]).sum())
    desc = f"Bar chart: {len(table)} indicators; ours is above the LGA national figure on {above}."
    return Chart(fig, data, desc, title)
