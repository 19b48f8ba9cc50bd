"""Ward and deprivation quintile from postcode: a council's CSV, unknown postcodes reported."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from panel import demo
from panel.cli import panel_group
from panel.lookups import (
    PostcodeLookupError,
    apply_lookup,
    normalise_postcode,
    parse_lookup,
    read_lookup,
)
from panel.tables import Member
from tests.panel.sampling_helpers import add_members

LOOKUP = "postcode,ward,imd_quintile\nNB1 1AA,abbey,1\nnb22bb,kingsmead,5\n"


def test_postcodes_are_normalised_and_bad_rows_named():
    assert normalise_postcode(" nb2  2bb ") == "NB2 2BB"
    assert normalise_postcode("SW1A1AA") == "SW1A 1AA"
    assert normalise_postcode("NOPE") is None
    lookup = parse_lookup(LOOKUP)
    assert lookup.find("nb1 1aa") is not None and lookup.find("NB2 2BB").ward == "kingsmead"
    assert lookup.find("NB1 1AB") is None  # a neighbour is not a guess
    with pytest.raises(PostcodeLookupError) as error:
        parse_lookup("postcode,ward,imd_quintile\nXX,abbey,1\nNB1 1AA,abbey,6\nNB1 1AA,,2\n")
    assert error.value.problems == [
        "lookup row 2, postcode: 'XX' is not a postcode",
        "lookup row 3, imd_quintile: '6' is not 1 to 5",
        "lookup row 4, ward: blank",
    ]


def test_demo_lookup_covers_every_demo_member():
    lookup = read_lookup()
    import random

    rng = random.Random(demo.SEED)
    members = [demo._member(rng, i) for i in range(1, 50)]
    assert all(lookup.find(m["postcode"]) for m in members)


@pytest.mark.db
async def test_apply_sets_ward_and_blanks_unknown_postcodes(db: Any, tmp_path: Path):
    [known] = await add_members(1, ward="castle", imd_quintile=2)
    [unknown] = await add_members(1, ward="castle", imd_quintile=2)
    await Member.update({Member.postcode: "ZZ9 9ZZ"}).where(Member.id == unknown)
    report = await apply_lookup(parse_lookup(LOOKUP))
    assert report.checked == 2 and report.updated == 2
    [(reference, postcode)] = report.unknown
    assert postcode == "ZZ9 9ZZ"
    rows = {
        r["id"]: r
        for r in await Member.select(Member.id, Member.reference, Member.ward, Member.imd_quintile)
    }
    assert (rows[known]["ward"], rows[known]["imd_quintile"]) == ("abbey", 1)
    assert (rows[unknown]["ward"], rows[unknown]["imd_quintile"]) == ("", None)
    assert rows[unknown]["reference"] == reference

    path = tmp_path / "lookup.csv"
    path.write_text(LOOKUP)
    ran = await asyncio.to_thread(
        CliRunner().invoke, panel_group, ["postcodes", "--lookup", str(path)]
    )
    assert ran.exit_code == 1
    assert f"{reference}: postcode ZZ9 9ZZ is not in the lookup" in ran.output
    assert "0 updated, 1 with a postcode not in the lookup" in ran.output
