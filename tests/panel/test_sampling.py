"""Sample draws: contact rules, the three methods, the record and its replay, failures."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sortition_algorithms import find_random_sample
from sortition_algorithms.people import People
from sortition_algorithms.utils import set_random_provider

from panel import services
from panel.cli import panel_group
from panel.contact_rules import ContactRules, RulesError, read_rules_file
from panel.margins import read_margins
from panel.sampling import (
    DrawRequest,
    Quota,
    SampleError,
    allocate,
    draw_sample,
    parse_quotas,
    replay_draw,
)
from panel.sortition import IndexedPeople, quota_features, quota_select
from panel.tables import Draw, DrawMember, Member
from tests.panel.sampling_helpers import add_members

pytestmark = pytest.mark.db

NO_FREQUENCY = ContactRules(not_invited_within_days=0, max_invitations_12_months=0)


async def test_contact_rules_keep_out_the_recently_asked_the_often_asked_and_unconsented(db: Any):
    ok = await add_members(5)
    recent = await add_members(2)
    often = await add_members(2)
    no_consent = await add_members(2, consent=False)
    paused = await add_members(1, status="paused", paused_until=dt.date.today() + dt.timedelta(9))
    withdrawn = await add_members(1, status="withdrawn")
    now = dt.datetime.now(dt.UTC)
    for member in recent:
        await services.record_contact(
            member, kind="invitation", channel="email", subject="s", at=now - dt.timedelta(10)
        )
    for member in often:
        for days in (100, 200, 300):
            await services.record_contact(
                member, kind="invitation", channel="email", subject="s", at=now - dt.timedelta(days)
            )
    rules = ContactRules(not_invited_within_days=30, max_invitations_12_months=3)
    result = await draw_sample(DrawRequest(size=5, rules=rules, seed=7))
    assert result.eligible == 5
    assert sorted(await services.draw_members(result.draw_id)) == sorted(ok)
    assert result.excluded == {
        "not active": len(withdrawn),
        "paused": len(paused),
        "no consent for their channel": len(no_consent),
        "invited in the last 30 days": len(recent),
        "3 invitations in 12 months": len(often),
    }
    # the same panel with the frequency rules relaxed for one draw: 9 eligible
    relaxed = await draw_sample(DrawRequest(size=9, rules=NO_FREQUENCY, seed=7))
    assert relaxed.eligible == 9


async def test_one_per_household_keeps_one_member_of_each_address(db: Any):
    await add_members(3, address="4 Mill Lane")
    await add_members(2, address="4  mill lane,")  # the same address, written differently
    singles = await add_members(4)
    rules = ContactRules(0, 0, one_per_household=True)
    result = await draw_sample(DrawRequest(size=5, rules=rules, seed=3))
    assert result.eligible == 5
    assert result.excluded["another member of the household"] == 4
    drawn = set(await services.draw_members(result.draw_id))
    assert set(singles) <= drawn
    with pytest.raises(SampleError, match="larger than the 5 eligible"):
        await draw_sample(DrawRequest(size=6, rules=rules, seed=3))


async def test_random_draw_is_recorded_and_replays_to_the_same_people(db: Any):
    await add_members(50, age_band=["16-24", "25-34"])
    first = await draw_sample(DrawRequest(size=10, rules=NO_FREQUENCY, seed=99, created_by="ann"))
    again = await draw_sample(DrawRequest(size=10, rules=NO_FREQUENCY, seed=99))
    other = await draw_sample(DrawRequest(size=10, rules=NO_FREQUENCY, seed=100))
    ids = await services.draw_members(first.draw_id)
    assert ids == await services.draw_members(again.draw_id)
    assert ids != await services.draw_members(other.draw_id)
    summary = await services.draw_summary(first.draw_id)
    assert (summary["method"], summary["seed"], summary["size"]) == ("random", "99", 10)
    row = await Draw.select().where(Draw.id == first.draw_id).output(load_json=True).first()
    assert row["created_by"] == "ann" and len(row["eligible"]) == 50
    assert row["rules"] == NO_FREQUENCY.as_dict()
    replay = await replay_draw(first.draw_id)
    assert replay.same and replay.again == ids
    # replay uses what was recorded, not today's panel: withdrawing a drawn member changes nothing
    await Member.update({Member.status: "withdrawn"}).where(Member.id == ids[0])
    assert (await replay_draw(first.draw_id)).same


async def test_quota_draw_meets_every_quota_and_replays(db: Any):
    await add_members(
        300,
        age_band=["16-24", "25-34", "35-44", "45-54", "55-64", "65-74"],
        sex=["female", "male", "female", "male", "male"],
        ward=["abbey", "brookside", "castle"],
    )
    quotas = parse_quotas(
        "dimension,group,min,max\n"
        "age_band,16-24,12,14\nage_band,65-74,5,8\n"
        "sex,female,28,32\nsex,male,28,32\n"
        "ward,abbey,15,25\n"
    )
    result = await draw_sample(
        DrawRequest(size=60, rules=NO_FREQUENCY, method="quota", quotas=quotas, seed=11)
    )
    assert len(result.drawn) == 60
    for quota in result.against_quotas():
        assert quota["min"] <= quota["drawn"] <= quota["max"], quota
    assert set(result.drawn[0]) == {"reference", "age_band", "sex", "ward"}
    assert (await replay_draw(result.draw_id)).same
    again = await draw_sample(
        DrawRequest(size=60, rules=NO_FREQUENCY, method="quota", quotas=quotas, seed=11)
    )
    assert [d["reference"] for d in again.drawn] == [d["reference"] for d in result.drawn]


async def test_quotas_that_cannot_be_met_name_the_quota_and_shortfall_and_record_nothing(db: Any):
    await add_members(41, age_band="16-24", sex="female")
    await add_members(159, age_band="45-54", sex="male")
    quotas = [
        Quota("age_band", "16-24", 60, 80),
        Quota("sex", "female", 0, 10),
        Quota("sex", "male", 0, 50),
    ]
    with pytest.raises(SampleError) as error:
        await draw_sample(
            DrawRequest(size=100, rules=NO_FREQUENCY, method="quota", quotas=quotas, seed=1)
        )
    assert "age_band=16-24: need at least 60, only 41 eligible" in error.value.problems
    assert (
        "sex: at most 60 eligible members fit the maximums, fewer than the sample size of 100"
        in error.value.problems
    )
    with pytest.raises(SampleError, match="a sample of 201 is larger than the 200 eligible"):
        await draw_sample(DrawRequest(size=201, rules=NO_FREQUENCY, seed=1))
    assert await Draw.count() == 0 and await DrawMember.count() == 0


async def test_stratified_draw_allocates_in_proportion_to_the_margins(db: Any):
    await add_members(100, ward="abbey")
    await add_members(100, ward="castle")
    margins = {"ward": {"abbey": 3000, "castle": 1000}}
    result = await draw_sample(
        DrawRequest(
            size=40,
            rules=NO_FREQUENCY,
            method="stratified",
            stratify="ward",
            margins=margins,
            seed=5,
        )
    )
    assert Counter(d["ward"] for d in result.drawn) == {"abbey": 30, "castle": 10}
    assert (await replay_draw(result.draw_id)).same
    with pytest.raises(SampleError, match="ward=abbey: need 150, only 100 eligible"):
        await draw_sample(
            DrawRequest(
                size=200, rules=NO_FREQUENCY, method="stratified", stratify="ward", margins=margins
            )
        )


def test_allocation_is_largest_remainder_and_adds_up():
    assert allocate(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    demo = read_margins()
    assert sum(allocate(1000, demo["ward"]).values()) == 1000


def test_indexed_pool_picks_exactly_who_the_library_would():
    """The index is only a speed-up: the same seed gives the same committee as `People`."""
    profiles = {
        i: {"age_band": ["16-24", "25-34", "35-44"][i % 3], "sex": ["female", "male"][i % 5 % 2]}
        for i in range(1, 400)
    }
    quotas = [Quota("age_band", "16-24", 20, 25), Quota("sex", "female", 25, 35)]
    features = quota_features(quotas, profiles, 60)
    plain = People([])
    indexed = IndexedPeople(["age_band", "sex"])
    for i, profile in profiles.items():
        plain.add(str(i), dict(profile), features, i)
        indexed.add_profile(str(i), dict(profile))
    picks = []
    for people in (plain, indexed):
        set_random_provider(2024)
        committees, _ = find_random_sample(features, people, 60, [], selection_algorithm="legacy")
        picks.append(committees[0])
    set_random_provider(None)
    assert picks[0] == picks[1] and len(picks[0]) == 60


def test_quota_and_rules_files_report_the_row_and_key(tmp_path: Path):
    with pytest.raises(SampleError) as error:
        parse_quotas("dimension,group,min,max\nshoe_size,9,1,2\nsex,female,5,2\nsex,male,x,3\n")
    assert error.value.problems == [
        "quotas row 2, dimension: 'shoe_size' is not one of age_band, sex, ward, ethnicity, "
        "disability, imd_quintile",
        "quotas row 3: min 5 is more than max 2",
        "quotas row 4, min: 'x' is not a whole number",
    ]
    rules = tmp_path / "rules.toml"
    rules.write_text("not_invited_within_days = 30\none_per_household = true\n")
    read = read_rules_file(rules, ContactRules())
    assert read == ContactRules(30, 4, True)
    rules.write_text("max_invites = 2\n")
    with pytest.raises(RulesError, match="unknown rule 'max_invites'"):
        read_rules_file(rules, ContactRules())


async def test_cli_json_document_summary_replay_and_failure(db: Any, tmp_path: Path):
    await add_members(80, age_band=["16-24", "25-34"], sex=["female", "male", "male"])
    quota = tmp_path / "quota.csv"
    quota.write_text("dimension,group,min,max\nage_band,16-24,10,10\nsex,female,5,8\n")
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"not_invited_within_days": 0, "max_invitations_12_months": 0}))
    runner = CliRunner()
    args = ["sample", "--size", "20", "--quota", str(quota), "--rules", str(rules), "--seed", "42"]
    ran = await asyncio.to_thread(runner.invoke, panel_group, [*args, "--json"])
    assert ran.exit_code == 0, ran.output
    document = json.loads(ran.stdout)
    assert set(document) == {"draw_id", "seed", "method", "eligible", "drawn"}
    assert (document["seed"], document["method"], document["eligible"]) == (42, "quota", 80)
    assert len(document["drawn"]) == 20
    assert set(document["drawn"][0]) == {"reference", "age_band", "sex"}
    assert sum(d["age_band"] == "16-24" for d in document["drawn"]) == 10
    assert all(d["reference"].startswith("P-") for d in document["drawn"])

    text = await asyncio.to_thread(runner.invoke, panel_group, args)
    assert text.exit_code == 0, text.output
    assert "age_band=16-24: 10 drawn (min 10, max 10)" in text.output

    replay = await asyncio.to_thread(
        runner.invoke, panel_group, ["replay", str(document["draw_id"])]
    )
    assert replay.exit_code == 0 and "the same 20 members" in replay.output

    quota.write_text("dimension,group,min,max\nage_band,16-24,60,70\n")
    before = await Draw.count()
    failed = await asyncio.to_thread(runner.invoke, panel_group, [*args, "--json"])
    assert failed.exit_code == 1
    assert "age_band=16-24: need at least 60, only 40 eligible" in failed.output
    assert await Draw.count() == before


async def test_replay_in_another_process_with_other_string_hashing_gives_the_same_people(
    db: Any,
):
    """Ties in quota selection must not depend on per-process hashing (PYTHONHASHSEED)."""
    import os
    import subprocess
    import sys

    await add_members(
        200,
        age_band=["16-24", "25-34", "35-44", "45-54", ""],
        ethnicity=["white", "asian", "black", "mixed", "other", "white", "white"],
        ward=["abbey", "brookside", "castle", "dene"],
    )
    quotas = [Quota("age_band", "16-24", 10, 12), Quota("ethnicity", "white", 20, 30)]
    result = await draw_sample(
        DrawRequest(size=50, rules=NO_FREQUENCY, method="quota", quotas=quotas, seed=8)
    )
    for hash_seed in ("1", "2"):
        ran = await asyncio.to_thread(
            subprocess.run,
            [
                str(Path(sys.executable).with_name("resident-voice")),
                "panel",
                "replay",
                str(result.draw_id),
            ],
            env={**os.environ, "DATABASE_URL": db.url, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert "the same 50 members" in ran.stdout


def test_a_quota_draw_leaves_the_global_random_state_alone():
    import random

    profiles = {i: {"sex": ["female", "male"][i % 2]} for i in range(1, 50)}
    random.seed(123)
    expected = [random.random() for _ in range(3)]
    random.seed(123)
    quota_select([Quota("sex", "female", 5, 5)], profiles, 10, seed=9)
    assert [random.random() for _ in range(3)] == expected


def test_the_quota_library_prints_nothing_on_stdout() -> None:
    """sortition-algorithms logs progress ("Trial number: 1") to stdout by default, which put
    a line before `panel sample --json`'s document. Checked in a fresh process, because the
    library binds its handler to the stdout it found at import."""
    import subprocess
    import sys

    code = (
        "import logging, panel.sampling\n"
        "logging.getLogger('sortition_algorithms_user').warning('Trial number: 1')\n"
        "logging.getLogger('sortition_algorithms').warning('Trial number: 1')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout == ""
