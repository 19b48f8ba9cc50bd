"""Ward and deprivation quintile from postcode, through a lookup the council supplies as CSV.

The file has the header `postcode,ward,imd_quintile` (ward: the ward code members hold;
imd_quintile: 1 = most deprived fifth nationally, to 5). Councils build it from the ONS
postcode directory and the English Indices of Deprivation; the demo ships a synthetic one for
the fictional borough (`panel/data/postcode_lookup.csv`). A postcode not in the lookup is
reported and its member's ward and quintile are left blank: we never guess from a
neighbouring postcode, because a wrong ward silently biases every ward figure.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from panel.tables import Member

DEMO_LOOKUP = Path(__file__).parent / "data" / "postcode_lookup.csv"
LOOKUP_COLUMNS = ("postcode", "ward", "imd_quintile")
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")


class PostcodeLookupError(ValueError):
    """A lookup file that cannot be used; every problem names its row and column."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def normalise_postcode(postcode: str) -> str | None:
    """`nb1 1aa` -> `NB1 1AA`; None when it is not shaped like a UK postcode."""
    compact = re.sub(r"\s+", "", postcode or "").upper()
    if not _POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


@dataclass(frozen=True)
class Place:
    ward: str
    imd_quintile: int


@dataclass
class PostcodeLookup:
    places: dict[str, Place]

    def find(self, postcode: str) -> Place | None:
        """The place for a postcode, or None if the postcode is unknown (never a guess)."""
        key = normalise_postcode(postcode)
        return self.places.get(key) if key else None


def parse_lookup(text: str, name: str = "lookup") -> PostcodeLookup:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in LOOKUP_COLUMNS if c not in header]
    if missing:
        raise PostcodeLookupError(
            [f"{name}: the header must be {','.join(LOOKUP_COLUMNS)}; missing {', '.join(missing)}"]
        )
    problems: list[str] = []
    places: dict[str, Place] = {}
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        postcode = normalise_postcode(row["postcode"])
        if postcode is None:
            problems.append(f"{name} row {number}, postcode: {row['postcode']!r} is not a postcode")
            continue
        if not row["ward"]:
            problems.append(f"{name} row {number}, ward: blank")
            continue
        if row["imd_quintile"] not in {"1", "2", "3", "4", "5"}:
            problems.append(
                f"{name} row {number}, imd_quintile: {row['imd_quintile']!r} is not 1 to 5"
            )
            continue
        if postcode in places:
            problems.append(f"{name} row {number}, postcode: {postcode} appears twice")
            continue
        places[postcode] = Place(row["ward"], int(row["imd_quintile"]))
    if problems:
        raise PostcodeLookupError(problems)
    return PostcodeLookup(places)


def read_lookup(path: Path | None = None) -> PostcodeLookup:
    """The lookup at `path`, else setting `PANEL_POSTCODE_LOOKUP_FILE`, else the demo's."""
    if path is None:
        from service.settings import get_settings

        path = get_settings().panel_postcode_lookup_file or DEMO_LOOKUP
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise PostcodeLookupError([f"{path.name}: cannot read: {error}"]) from None
    return parse_lookup(text, path.name)


@dataclass
class LookupReport:
    checked: int = 0
    updated: int = 0
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (reference, postcode)


async def apply_lookup(lookup: PostcodeLookup) -> LookupReport:
    """Set every member's ward and quintile from their postcode, in one transaction.

    Members whose postcode is unknown get a blank ward and no quintile, and are reported by
    reference so staff can check the address; erased members are left alone.
    """
    report = LookupReport()
    rows = await Member.select(
        Member.id, Member.reference, Member.postcode, Member.ward, Member.imd_quintile
    ).where(Member.status != "erased")
    changes: dict[tuple[str, int | None], list[int]] = {}
    for row in rows:
        report.checked += 1
        place = lookup.find(row["postcode"])
        if place is None:
            report.unknown.append((row["reference"], row["postcode"]))
            target: tuple[str, int | None] = ("", None)
        else:
            target = (place.ward, place.imd_quintile)
        if (row["ward"], row["imd_quintile"]) != target:
            changes.setdefault(target, []).append(row["id"])
    async with Member._meta.db.transaction():
        for (ward, quintile), ids in changes.items():
            for start in range(0, len(ids), 500):
                await Member.update({Member.ward: ward, Member.imd_quintile: quintile}).where(
                    Member.id.is_in(ids[start : start + 500])
                )
            report.updated += len(ids)
    return report
