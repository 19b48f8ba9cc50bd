"""Population margins: how many residents are in each group, from a CSV the council supplies.

Columns `dimension,group,population`; `dimension` is a member profile column (`age_band`, `sex`,
`ward`, `ethnicity`, `disability`, `imd_quintile`) and `group` a code members hold. The demo
ships synthetic census-like margins (`panel/data/margins.csv`); a council replaces them with
census figures for its area. Stratified samples and the representativeness report read them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from panel.services import PROFILE_COLUMNS

DEMO_MARGINS = Path(__file__).parent / "data" / "margins.csv"
MARGIN_COLUMNS = ("dimension", "group", "population")
HEADER = ",".join(MARGIN_COLUMNS)
DIMENSIONS = ", ".join(PROFILE_COLUMNS)

#: dimension -> group code -> residents
Margins = dict[str, dict[str, int]]


class MarginsError(ValueError):
    """A margins file that cannot be used; every problem names its row and column."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_margins(text: str, name: str = "margins") -> Margins:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in MARGIN_COLUMNS if c not in header]
    if missing:
        raise MarginsError([f"{name}: the header must have {HEADER}; missing {', '.join(missing)}"])
    problems: list[str] = []
    margins: Margins = {}
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        dimension, group, population = row["dimension"], row["group"], row["population"]
        if dimension not in PROFILE_COLUMNS:
            problems.append(
                f"{name} row {number}, dimension: {dimension!r} is not one of {DIMENSIONS}"
            )
            continue
        if not group:
            problems.append(f"{name} row {number}, group: blank")
            continue
        try:
            people = int(population.replace(",", ""))
        except ValueError:
            people = -1
        if people < 0:
            problems.append(
                f"{name} row {number}, population: {population!r} is not a whole number"
            )
            continue
        if group in margins.get(dimension, {}):
            problems.append(f"{name} row {number}: {dimension}={group} appears twice")
            continue
        margins.setdefault(dimension, {})[group] = people
    if problems:
        raise MarginsError(problems)
    if not margins:
        raise MarginsError([f"{name}: no rows"])
    return margins


def read_margins(path: Path | None = None) -> Margins:
    """Margins from `path`, or the demo's synthetic ones."""
    path = path or DEMO_MARGINS
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise MarginsError([f"{path.name}: cannot read: {error}"]) from None
    return parse_margins(text, path.name)


def panel_margins() -> Margins:
    """The margins this panel is compared with (setting `PANEL_MARGINS_FILE`, else the demo's)."""
    from service.settings import get_settings

    return read_margins(get_settings().panel_margins_file)
