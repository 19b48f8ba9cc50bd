"""Stratified samples on several margins at once: raking, controlled rounding, replay, errors."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from panel.contact_rules import ContactRules
from panel.margins import read_margins
from panel.sampling import DrawRequest, SampleError, draw_sample, get_draw, replay_draw
from panel.strata import AllocationError, allocate_strata, largest_remainder
from tests.panel.sampling_helpers import add_members

NO_FREQUENCY = ContactRules(not_invited_within_days=0, max_invitations_12_months=0)
WARD_SEX = {"ward": {"abbey": 3000, "castle": 1000}, "sex": {"female": 2000, "male": 2000}}


def _pool(cells: dict[tuple[str, str], int]) -> dict[int, dict[str, str]]:
    profiles: dict[int, dict[str, str]] = {}
    for (ward, sex), n in cells.items():
        for _ in range(n):
            profiles[len(profiles) + 1] = {"ward": ward, "sex": sex}
    return profiles


def test_two_margins_are_both_met_exactly_and_the_pool_association_kept():
    # abbey's eligible members are mostly women, castle's mostly men
    pool = _pool(
        {
            ("abbey", "female"): 150,
            ("abbey", "male"): 50,
            ("castle", "female"): 50,
            ("castle", "male"): 150,
        }
    )
    plan = allocate_strata(40, ["ward", "sex"], WARD_SEX, pool)
    cells = plan.cells
    assert sum(cells.values()) == 40
    assert cells["abbey|female"] + cells["abbey|male"] == 30
    assert cells["castle|female"] + cells["castle|male"] == 10
    assert cells["abbey|female"] + cells["castle|female"] == 20
    # raking keeps the pool's lean: more women than men drawn in abbey, fewer in castle
    assert cells["abbey|female"] > cells["abbey|male"]
    assert cells["castle|female"] < cells["castle|male"]
    assert plan.margin_targets == {
        "ward": {"abbey": 30, "castle": 10},
        "sex": {"female": 20, "male": 20},
    }


def test_three_demo_margins_round_to_exact_largest_remainder_targets():
    margins = read_margins()
    wards, ages = sorted(margins["ward"]), sorted(margins["age_band"])
    pool = {
        i: {
            "ward": wards[i % len(wards)],
            "age_band": ages[i // 12 % len(ages)],
            "sex": ("female", "male")[i // 84 % 2],
        }
        for i in range(1, 6001)
    }
    dims = ["ward", "age_band", "sex"]
    plan = allocate_strata(500, dims, margins, pool)
    for d_index, dimension in enumerate(dims):
        got: Counter[str] = Counter()
        for cell, n in plan.cells.items():
            got[cell.split("|")[d_index]] += n
        assert dict(got) == {
            g: n for g, n in largest_remainder(500, margins[dimension]).items() if n
        }, dimension


def test_a_stratum_that_cannot_be_filled_is_named_with_its_shortfall():
    pool = _pool(
        {
            ("abbey", "female"): 40,
            ("abbey", "male"): 40,
            ("castle", "female"): 40,
            ("castle", "male"): 1000,
        }
    )
    margins = {"ward": {"abbey": 60, "castle": 40}, "sex": {"female": 60, "male": 40}}
    with pytest.raises(AllocationError) as error:
        allocate_strata(100, ["ward", "sex"], margins, pool)
    assert error.value.problems == ["ward=abbey, sex=female: need 51, only 40 eligible"]
    # a margin group with too few members is named on its own
    with pytest.raises(AllocationError, match="sex=female: need 90, only 80 eligible"):
        allocate_strata(
            100,
            ["ward", "sex"],
            {"ward": margins["ward"], "sex": {"female": 9, "male": 1}},
            {k: v for k, v in pool.items() if k <= 120 or v["sex"] == "male"},
        )


@pytest.mark.db
async def test_a_two_dimension_draw_is_recorded_reproducible_and_replayed(db: Any):
    await add_members(150, ward="abbey", sex="female")
    await add_members(50, ward="abbey", sex="male")
    await add_members(50, ward="castle", sex="female")
    await add_members(150, ward="castle", sex="male")

    def request(seed: int) -> DrawRequest:
        return DrawRequest(
            size=40,
            rules=NO_FREQUENCY,
            method="stratified",
            stratify=["ward", "sex"],
            margins=WARD_SEX,
            seed=seed,
        )

    first = await draw_sample(request(11))
    assert Counter(d["ward"] for d in first.drawn) == {"abbey": 30, "castle": 10}
    assert Counter(d["sex"] for d in first.drawn) == {"female": 20, "male": 20}
    assert (await replay_draw(first.draw_id)).same
    again = await draw_sample(request(11))
    assert [d["reference"] for d in again.drawn] == [d["reference"] for d in first.drawn]
    other = await draw_sample(request(12))
    assert [d["reference"] for d in other.drawn] != [d["reference"] for d in first.drawn]
    shown = await get_draw(first.draw_id)
    rows = {(r["dimension"], r["group"]): (r["target"], r["drawn"]) for r in shown.against_strata()}
    assert rows == {
        ("ward", "abbey"): (30, 30),
        ("ward", "castle"): (10, 10),
        ("sex", "female"): (20, 20),
        ("sex", "male"): (20, 20),
    }
    with pytest.raises(SampleError, match="stratify: 'tenure' is not one of"):
        await draw_sample(
            DrawRequest(
                size=5,
                rules=NO_FREQUENCY,
                method="stratified",
                stratify=["ward", "tenure"],
                margins=WARD_SEX,
            )
        )


@pytest.mark.db
async def test_cli_stratifies_by_several_dimensions_and_names_a_shortfall(db: Any, tmp_path: Any):
    import asyncio
    import json

    from click.testing import CliRunner

    from panel.cli import panel_group

    await add_members(60, ward="abbey", sex=["female", "male"])
    await add_members(60, ward="castle", sex=["female", "male", "male"])
    margins = tmp_path / "margins.csv"
    margins.write_text(
        "dimension,group,population\nward,abbey,3000\nward,castle,1000\n"
        "sex,female,2000\nsex,male,2000\n"
    )
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"not_invited_within_days": 0, "max_invitations_12_months": 0}))
    args = [
        "sample",
        "--size",
        "40",
        "--stratify",
        "ward",
        "--stratify",
        "sex",
        "--margins",
        str(margins),
        "--rules",
        str(rules),
        "--seed",
        "9",
    ]
    runner = CliRunner()
    ran = await asyncio.to_thread(runner.invoke, panel_group, [*args, "--json"])
    assert ran.exit_code == 0, ran.output
    document = json.loads(ran.stdout)
    assert document["method"] == "stratified"
    assert Counter(d["ward"] for d in document["drawn"]) == {"abbey": 30, "castle": 10}
    assert Counter(d["sex"] for d in document["drawn"]) == {"female": 20, "male": 20}
    text = await asyncio.to_thread(runner.invoke, panel_group, args)
    assert "ward=abbey: 30 drawn (target 30)" in text.output
    assert "sex=female: 20 drawn (target 20)" in text.output
    args[2] = "100"
    failed = await asyncio.to_thread(runner.invoke, panel_group, args)
    assert failed.exit_code == 1 and "ward=abbey: need 75, only 60 eligible" in failed.output
