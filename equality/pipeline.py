"""From a survey's tidy frame to a finished EqIA report, in one call.

The CLI command (``resident-voice equality report``) and the staff page are
thin wrappers around `build`: it makes the design, rakes it to the council's
margins when given (``dimension,group,population``), assesses the outcome,
adds the digital-exclusion lens when the survey asked the digital-inclusion
questions and the representativeness table when there are margins, and
writes the report.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import Design, rake
from analysis.errors import AnalysisError
from equality.digital import DigitalExclusion, digital_exclusion
from equality.disparity import Assessment, EqualityError, Outcome, assess
from equality.report import write_report
from equality.representativeness import MarginsError, representativeness


@dataclass
class Evidence:
    assessment: Assessment
    digital: DigitalExclusion | None
    representation: pd.DataFrame | None


def parse_outcome(text: str) -> tuple[str, list[str]]:
    """``QUESTION=LEVEL[,LEVEL...]`` → ``(question, [levels])``; a bare name is a 0/1 column."""
    if "=" not in text:
        raise EqualityError(f"--outcome {text!r} must look like QUESTION=LEVEL[,LEVEL...]")
    question, _, levels = text.partition("=")
    parts = [p.strip() for p in levels.split(",") if p.strip()]
    if not question.strip() or not parts:
        raise EqualityError(f"--outcome {text!r} must look like QUESTION=LEVEL[,LEVEL...]")
    return question.strip(), parts


def rake_margins(frame: pd.DataFrame, margins: pd.DataFrame) -> dict[str, dict[Hashable, float]]:
    """The margins CSV as `analysis.rake` margins, each dimension matched to a column."""
    out: dict[str, dict[Hashable, float]] = {}
    for dimension, rows in margins.groupby("dimension", sort=False):
        dim = str(dimension)
        column = next((c for c in (f"panel_{dim}", dim) if c in frame.columns), None)
        if column is None:
            raise MarginsError(
                f"margins dimension {dim!r} has no column in the survey (looked for "
                f"'panel_{dim}' and {dim!r})"
            )
        out[column] = {
            str(g): float(p) for g, p in zip(rows["group"], rows["population"], strict=True)
        }
    return out


def build(
    frame: pd.DataFrame,
    outcome: Outcome,
    *,
    characteristics: Sequence[str] | None = None,
    margins: pd.DataFrame | None = None,
    min_n: int = 10,
    alpha: float = 0.05,
    adjust: str | None = "holm",
    round_to: int | None = None,
) -> Evidence:
    """Assess ``outcome`` (and the digital lens, and representativeness) for a survey frame."""
    design = Design(frame)
    if margins is not None:
        try:
            design = rake(design, rake_margins(frame, margins))
        except AnalysisError as exc:
            raise EqualityError(f"weighting to the margins failed: {exc}") from exc
    assessment = assess(
        design,
        outcome,
        characteristics,
        min_n=min_n,
        alpha=alpha,
        adjust=adjust,
        round_to=round_to,
    )
    digital = None
    if "home_internet" in frame.columns:
        digital = digital_exclusion(
            design, characteristics, min_n=min_n, alpha=alpha, adjust=adjust, round_to=round_to
        )
    representation = None
    if margins is not None:
        representation = representativeness(
            frame, margins, weights=design.weights, min_n=min_n, round_to=round_to
        )
    return Evidence(assessment, digital, representation)


def report(evidence: Evidence, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Write ``evidence`` as HTML or PDF, chosen by the file's suffix."""
    out = Path(path)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("html", "pdf"):
        raise EqualityError(f"--output {out.name!r} must end in .html or .pdf")
    return write_report(
        evidence.assessment,
        out,
        format=fmt,
        title=title,
        digital=evidence.digital,
        representation=evidence.representation,
    )
