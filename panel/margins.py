"""Population margins: how many residents are in each group, from a CSV the council supplies.

Columns `dimension,group,population`; `dimension` is a member profile column (`age_band`, `sex`,
`ward`, `ethnicity`, `disability`, `imd_quintile`) and `group` a code members hold. The demo
ships synthetic census-like margins (`panel/data/margins.csv`); a council replaces them with
census figures for its area. Stratified samples and the representativeness report read them.

A dimension may be cross-classified: `age_band×sex` (or `age_band*sex`; the parts are profile
columns, any number of them, each once) with groups `16-24×female` (or `16-24*female`), one
code per part in the same order. Census tables often come this way, and such a margin says
more than its two one-way margins: how many young women there are, not just young people and
women. A member's code on it is their codes joined by `×` (`member_code`), blank when any part
is blank. Both spellings are read; `×` is what the program keeps and shows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from panel.services import PROFILE_COLUMNS

DEMO_MARGINS = Path(__file__).parent / "data" / "margins.csv"
MARGIN_COLUMNS = ("dimension", "group", "population")
HEADER = ",".join(MARGIN_COLUMNS)
DIMENSIONS = ", ".join(PROFILE_COLUMNS)

#: how the parts of a cross-classified dimension or group are joined
CROSS = "×"
_CROSS_INPUT = re.compile(r"\s*[×*]\s*")

#: dimension -> group code -> residents
Margins = dict[str, dict[str, int]]


def components(dimension: str) -> tuple[str, ...]:
    """The profile columns a dimension is made of (`age_band×sex` -> age_band, sex)."""
    return tuple(dimension.split(CROSS))


def member_code(profile: Mapping[str, Any], dimension: str) -> str:
    """A member's code on `dimension`: their codes joined by `×`, blank if any part is blank."""
    codes = ["" if profile.get(c) is None else str(profile[c]) for c in components(dimension)]
    return "" if not all(codes) else CROSS.join(codes)


def profile_columns(dimensions: Iterable[str]) -> list[str]:
    """The member profile columns that `dimensions` need, each once, in order."""
    return list(dict.fromkeys(c for d in dimensions for c in components(d)))


def is_dimension(name: str) -> bool:
    """A profile column, or a cross-classification of distinct profile columns."""
    parts = _CROSS_INPUT.split(name.strip())
    return all(p in PROFILE_COLUMNS for p in parts) and len(set(parts)) == len(parts)


def canonical(name: str) -> str:
    """`age_band * sex` as `age_band×sex` (groups alike: `16-24*female` -> `16-24×female`)."""
    return CROSS.join(_CROSS_INPUT.split(name.strip()))


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
        dimension, group = canonical(row["dimension"]), canonical(row["group"])
        population = row["population"]
        if not is_dimension(dimension):
            problems.append(
                f"{name} row {number}, dimension: {row['dimension']!r} is not one of "
                f"{DIMENSIONS}, nor a cross-classification of them such as age_band×sex"
            )
            continue
        if not group:
            problems.append(f"{name} row {number}, group: blank")
            continue
        parts, codes = components(dimension), group.split(CROSS)
        if len(parts) > 1 and (len(codes) != len(parts) or not all(codes)):
            problems.append(
                f"{name} row {number}, group: {row['group']!r} must be one code for each of "
                f"{', '.join(parts)}, joined by × (e.g. {CROSS.join(f'<{p}>' for p in parts)})"
            )
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
