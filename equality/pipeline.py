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
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
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


#: a cross-classified dimension or group, as the panel's margins CSV writes it
#: (``age_band×sex`` / ``16-24×female``; ``*`` is read as ``×`` too)
CROSS = "×"
_CROSS_INPUT = re.compile(r"\s*[×*]\s*")


def _column_for(frame: pd.DataFrame, dimension: str) -> str | None:
    return next((c for c in (f"panel_{dimension}", dimension) if c in frame.columns), None)


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | values.astype(str).str.strip().eq("")


def prepare_margins(
    frame: pd.DataFrame, margins: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict[Hashable, float]], dict[str, str]]:
    """The survey and margins made ready to rake, and what was left out of the raking.

    A crossed dimension (``age_band×sex``) becomes a column of its own, each row's codes
    joined by ``×`` (blank when any part is), named as the dimension; its groups are
    spelt the same way.  A dimension whose column has blanks for some respondents (a
    pseudonymous export leaves ``panel_ward`` blank where fewer than 10 share a ward) is
    left out of the raking — weights cannot be made for people with no category — and
    named, with how many, in the returned notes.  Returns (frame, margins, rake margins
    ``{column: {group: population}}``, ``{dimension: why it was not raked to}``).
    """
    frame = frame.copy()
    margins = margins.copy()
    dims = margins["dimension"].astype(str)
    crossed = dims.str.contains(_CROSS_INPUT)
    margins.loc[crossed, "dimension"] = [
        CROSS.join(_CROSS_INPUT.split(d.strip())) for d in dims[crossed]
    ]
    margins.loc[crossed, "group"] = [
        CROSS.join(_CROSS_INPUT.split(str(g).strip())) for g in margins.loc[crossed, "group"]
    ]
    out: dict[str, dict[Hashable, float]] = {}
    left_out: dict[str, str] = {}
    for dimension, rows in margins.groupby("dimension", sort=False):
        dim = str(dimension)
        parts = dim.split(CROSS)
        columns = [_column_for(frame, part) for part in parts]
        missing = [part for part, col in zip(parts, columns, strict=True) if col is None]
        if missing:
            raise MarginsError(
                f"margins dimension {dim!r} has no column in the survey (looked for "
                + "; ".join(f"'panel_{m}' and {m!r}" for m in missing)
                + ")"
            )
        cols = [c for c in columns if c is not None]
        if len(cols) == 1:
            column = cols[0]
        else:
            blank = np.zeros(len(frame), dtype=bool)
            for c in cols:
                blank |= _blank(frame[c]).to_numpy()
            joined = frame[cols[0]].astype(str).str.strip()
            for c in cols[1:]:
                joined = joined + CROSS + frame[c].astype(str).str.strip()
            column = dim
            frame[column] = joined.where(~blank)
        n_blank = int(_blank(frame[column]).sum())
        if n_blank:
            left_out[dim] = (
                f"{n_blank:,} respondent(s) have no {dim} in the data, so the weights "
                f"were not raked to it"
            )
            continue
        out[column] = {
            str(g): float(p) for g, p in zip(rows["group"], rows["population"], strict=True)
        }
    return frame, margins, out, left_out


def rake_margins(frame: pd.DataFrame, margins: pd.DataFrame) -> dict[str, dict[Hashable, float]]:
    """The margins CSV as `analysis.rake` margins, each dimension matched to a column.

    Crossed dimensions and columns with blanks: see `prepare_margins` (this returns
    only its rake margins).
    """
    return prepare_margins(frame, margins)[2]


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
    left_out: dict[str, str] = {}
    if margins is not None:
        frame, margins, to_rake, left_out = prepare_margins(frame, margins)
    design = Design(frame)
    if margins is not None and to_rake:
        try:
            design = rake(design, to_rake)
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
    if left_out:
        assessment.design_summary["not_raked_to"] = left_out
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
