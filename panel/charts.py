"""Charts for panel staff pages, drawn with matplotlib as PNG.

A chart is an image for sighted readers; each page puts the same figures in a table beside it,
which is the accessible version (the image's alt text says so).
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

#: GOV.UK colours with at least 3:1 contrast against white (WCAG 1.4.11).
BLUE = "#1d70b8"
DARK = "#0b0c0c"


def shares_chart_png(dimension: dict[str, Any]) -> bytes:
    """Horizontal bars: panel share against population share for each group of a dimension."""
    groups = dimension["groups"]
    labels = [g["label"] for g in groups]
    y = list(range(len(groups)))
    height = 0.38
    fig, ax = plt.subplots(figsize=(4.5, max(2.4, 0.42 * len(groups) + 1.2)), dpi=100)
    try:
        ax.barh(
            [v - height / 2 for v in y],
            [g["panel_share"] * 100 for g in groups],
            height,
            color=BLUE,
            label="Panel",
        )
        ax.barh(
            [v + height / 2 for v in y],
            [g["population_share"] * 100 for g in groups],
            height,
            color="white",
            edgecolor=DARK,
            hatch="//",
            label="Population",
        )
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlabel("Share (%)")
        ax.set_title(dimension["title"])
        ax.legend(loc="lower right")
        ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(fig)
