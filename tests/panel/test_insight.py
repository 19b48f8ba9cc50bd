"""Representativeness against margins, and panel health from the contact history."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from panel import services
from panel.cli import panel_group
from panel.contact_rules import ContactRules
from panel.health import panel_health
from panel.margins import MarginsError, parse_margins
from panel.representativeness import representativeness
from panel.sampling import DrawRequest, draw_sample
from panel.tables import Consent
from tests.panel.sampling_helpers import add_members

pytestmark = pytest.mark.db

MARGINS = (
    "dimension,group,population\n"
    "age_band,16-24,500\nage_band,65-74,500\nsex,female,600\nsex,male,400\n"
)


async def test_representativeness_counts_shares_gaps_ratios_and_ranks_recruitment(
    db: Any, tmp_path: Path
):
    await add_members(20, age_band="16-24", sex="female")
    await add_members(60, age_band="65-74", sex="male")
    await add_members(20, age_band="", sex="female")  # no answer: counted apart
    await add_members(5, age_band="16-24", status="withdrawn")
    report = await representativeness(parse_margins(MARGINS))
    assert report["active"] == 100
    age = report["dimensions"][0]
    assert age["dimension"] == "age_band" and age["not_in_margins"] == 20
    young = age["groups"][0]
    assert (young["members"], young["panel_share"], young["population_share"]) == (20, 0.25, 0.5)
    assert young["gap_points"] == -25.0 and young["ratio"] == 0.5 and young["shortfall"] == 20
    sex = report["dimensions"][1]["groups"]
    assert sex[1]["group"] == "male" and sex[1]["ratio"] == 1.5
    ranked = [(g["dimension"], g["group"]) for g in report["recruit_next"]]
    assert ranked == [("age_band", "16-24"), ("sex", "female")]  # 0.50 before 0.67
    assert report["recruit_next"][0]["rank"] == 1

    path = tmp_path / "margins.csv"
    path.write_text(MARGINS)
    ran = await asyncio.to_thread(
        CliRunner().invoke, panel_group, ["representativeness", "--margins", str(path), "--json"]
    )
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout)["recruit_next"][0]["group"] == "16-24"
    text = await asyncio.to_thread(
        CliRunner().invoke, panel_group, ["representativeness", "--margins", str(path)]
    )
    assert "1. age_band=16-24" in text.output and "20 members short" in text.output


def test_margins_file_problems_name_row_and_column():
    with pytest.raises(MarginsError) as error:
        parse_margins("dimension,group,population\nshoe,9,1\nsex,female,lots\nsex,,3\n")
    assert error.value.problems[1] == "margins row 3, population: 'lots' is not a whole number"
    assert len(error.value.problems) == 3
    with pytest.raises(MarginsError, match="missing population"):
        parse_margins("dimension,group\n")


async def test_health_response_rates_frequency_stoppers_and_joiners(db: Any):
    now = dt.datetime.now(dt.UTC)
    members = await add_members(10, age_band=["16-24", "65-74"])
    never = await add_members(3)
    draw = await draw_sample(
        DrawRequest(size=10, rules=ContactRules(0, 0), seed=1, method="random")
    )
    drawn = await services.draw_members(draw.draw_id)
    assert len(drawn) == 10  # of 13 eligible
    invited = members  # fieldwork invites the first ten members by email
    for i, member in enumerate(invited):
        await services.record_contact(member, kind="invitation", channel="email", subject="w1")
        if i < 4:
            await services.record_contact(member, kind="response", channel="email", subject="w1")
    # the last member answered long ago, then ignored two invitations: stopped responding
    stopper = invited[9]
    await services.record_contact(
        stopper, kind="response", channel="email", subject="old", at=now - dt.timedelta(days=400)
    )
    await services.record_contact(
        stopper, kind="invitation", channel="sms", subject="w0", at=now - dt.timedelta(days=30)
    )
    await Consent.update({Consent.withdrawn_at: now}).where(
        Consent.member == never[0], Consent.purpose == "membership"
    )
    health = await panel_health()
    assert health["response_rate_12_months"] == {"invited": 10, "responded": 4, "rate": 0.4}
    [sample] = health["by_sample"]
    assert sample["draw_id"] == draw.draw_id and sample["drawn"] == 10
    in_sample = [m for m in drawn if m in invited]
    assert sample["invited"] == len(in_sample)
    channels = {c["channel"]: c for c in health["by_channel"]}
    assert channels["email"]["invited"] == 10 and channels["email"]["responded"] == 4
    assert channels["sms"] == {"channel": "sms", "invited": 1, "responded": 0, "rate": 0.0}
    ages = {g["group"]: g for g in health["by_stratum"]["age_band"]}
    assert ages["16-24"]["invited"] == 5 and ages["16-24"]["responded"] == 2
    assert health["invitations_per_member_12_months"] == {"0": 3, "1": 9, "2": 1, "3+": 0}
    assert health["never_invited"] == 3
    assert health["stopped_responding"] == 1
    this_month = health["joiners_and_leavers"][-1]
    assert this_month["joined"] == 13 and this_month["left"] == 1


async def test_pages_and_api(client: Any, staff_login: Any):
    await add_members(30, age_band=["16-24", "75+"], sex="female")
    await staff_login(client, "panel_manager")
    api = (await client.get("/api/panel/representativeness")).json()
    assert api["active"] == 30 and api["recruit_next"]
    page = await client.get("/staff/panel/representativeness")
    assert page.status_code == 200 and "Groups to recruit next" in page.text
    assert 'src="/staff/panel/representativeness/charts/age_band"' in page.text
    chart = await client.get("/staff/panel/representativeness/charts/age_band")
    assert chart.status_code == 200 and chart.content[:4] == b"\x89PNG"
    assert (await client.get("/staff/panel/representativeness/charts/shoe")).status_code == 404
    health = (await client.get("/api/panel/health")).json()
    assert health["never_invited"] == 30
    assert "Never invited" in (await client.get("/staff/panel/health")).text
    home = await client.get("/staff/panel")
    assert "Panel health at a glance" in home.text and "30 active members" in home.text
