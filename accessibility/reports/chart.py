"""The trend chart: problems and pages affected across a site's runs, drawn with matplotlib.

The chart is an image for sighted readers; the report always puts the same figures in a
table beside it, which is the accessible version (and the chart's alt text says so).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

__all__ = ["trend_chart_png"]

#: GOV.UK colours with at least 3:1 contrast against white (WCAG 1.4.11).
BLUE = "#1d70b8"
RED = "#d4351c"


def trend_chart_png(points: Sequence[dict[str, Any]]) -> bytes:
    """PNG of ``issues`` and ``pages_with_violations`` for each run (oldest first)."""
    labels = [str(p["label"]) for p in points]
    x = list(range(len(points)))
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    try:
        ax.plot(
            x,
            [p["issues"] for p in points],
            color=RED,
            marker="o",
            linewidth=2.5,
            label="Distinct problems",
        )
        ax.plot(
            x,
            [p["pages_with_violations"] for p in points],
            color=BLUE,
            marker="s",
            linewidth=2.5,
            linestyle="--",
            label="Pages with problems",
        )
        # "Run 3 (22 Nov 13:13)" on two lines, so neighbouring labels never collide
        ax.set_xticks(x, [label.replace(" (", "\n(") for label in labels])
        if len(points) > 6:
            ax.tick_params(axis="x", labelrotation=30)
        ax.set_ylabel("Count")
        top = max(
            [1, *(p["issues"] for p in points), *(p["pages_with_violations"] for p in points)]
        )
        ax.set_ylim(bottom=0, top=top * 1.15)
        ax.margins(x=0.05)
        ax.grid(axis="y", color="#b1b4b6", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)
        ax.set_title("Accessibility problems found in each run", loc="left", fontsize=12)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(fig)
