"""The demo panel: believable, deterministic and loaded once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from panel import demo, services
from panel.demographics import POPULATION_AGE, population_margins
from panel.history import figures_at
from panel.margins import panel_margins
from panel.tables import Consent, Member
from surveys.demo import WAVES

pytestmark = pytest.mark.db


async def test_demo_panel_is_believable_and_idempotent(db: Any):
    """One load of the 2,000-member demo (and a second, which adds nothing) is checked for
    everything below, so the demo is built once per database, not once per property."""
    lines: list[str] = []
    await demo.load_demo(lines.append, "http://127.0.0.1:8000")
    await demo.load_demo(lines.append, "http://127.0.0.1:8000")
    assert await Member.count() == demo.DEMO_SIZE
    assert "0 demo members added" in lines[-3]
    assert lines[-2] == "Panel: consent recorded for 0 demo members."
    assert lines[-1].startswith("Panel: demo sample already drawn")
    assert f"consent recorded for {demo.DEMO_SIZE} demo members" in lines[1]
    # Every demo member may be contacted on their preferred channel, and only on that one.
    ids = [r["id"] for r in await Member.select(Member.id)]
    targets = await services.invitation_targets(ids)
    assert [t.refusal for t in targets if t.refusal] == []
    assert await Consent.count() == 3 * demo.DEMO_SIZE
    rows = await Member.select(
        Member.age_band, Member.ward, Member.disability, Member.email, Member.imd_quintile
    )
    ages = Counter(r["age_band"] for r in rows)
    assert set(ages) <= set(POPULATION_AGE)
    assert len({r["ward"] for r in rows}) == 12
    # Panels over-represent older people: weighting must have work to do.
    share_65_plus = (ages["65-74"] + ages["75+"]) / len(rows)
    population_65_plus = (POPULATION_AGE["65-74"] + POPULATION_AGE["75+"]) / sum(
        POPULATION_AGE.values()
    )
    assert share_65_plus > population_65_plus + 0.05

    # Disability is more common in more deprived wards.
    def disabled_share(quintiles: set[int]) -> float:
        group = [r for r in rows if r["imd_quintile"] in quintiles]
        return sum(r["disability"] != "not_disabled" for r in group) / len(group)

    assert disabled_share({1}) > disabled_share({5})
    # Some older members are offline and can only be reached by post.
    assert any(r["email"] is None and r["age_band"] == "75+" for r in rows)
    await profiles_carry_no_contact_details()
    await demo_members_joined_over_two_years_before_the_first_wave()


async def profiles_carry_no_contact_details() -> None:
    ids = (await services.active_member_ids())[:5]
    profiles = await services.profiles(ids)
    assert set(profiles) == set(ids)
    for profile in profiles.values():
        assert not {"email", "phone", "first_name", "last_name", "postcode"} & set(profile)
        assert profile["reference"].startswith("P-")


def test_population_margins_are_consistent():
    margins = population_margins()
    totals = {name: sum(m.values()) for name, m in margins.items()}
    assert len(set(totals.values())) == 1, totals


async def demo_members_joined_over_two_years_before_the_first_wave() -> None:
    """Join dates are spread (launch drive, trickle, top-up drive), so the panel's size and
    make-up have a history; consent is dated the day each member joined."""
    rows = await Member.select(
        Member.id, Member.joined_at, Member.consent_given_at, Member.age_band
    )
    joined = [r["joined_at"] for r in rows]
    # everyone had joined before the surveys demo sent them the spring 2026 wave
    assert min(joined) >= demo.FIRST_JOINED and max(joined) <= demo.LAST_JOINED < WAVES[1][1]
    months = Counter(j.strftime("%Y-%m") for j in joined)
    assert len(months) >= 20  # 23 months from April 2024 to February 2026
    assert max(months.values()) < 0.25 * len(rows)  # not one date, nor one month
    assert all(r["consent_given_at"] == r["joined_at"] for r in rows)
    given = {
        c["member"]: c["given_at"]
        for c in await Consent.select(Consent.member, Consent.given_at).where(
            Consent.purpose == "membership"
        )
    }
    assert all(given[r["id"]] == r["joined_at"] for r in rows)
    # the top-up drive recruited younger residents than the launch drive did
    younger = {"16-24", "25-34", "35-44"}

    def younger_share(first: dt.date, last: dt.date) -> float:
        group = [r for r in rows if first <= r["joined_at"].date() <= last]
        return sum(r["age_band"] in younger for r in group) / len(group)

    (launch_from, launch_to, *_), _, (top_up_from, top_up_to, *_) = demo.RECRUITMENT
    assert younger_share(top_up_from, top_up_to) > younger_share(launch_from, launch_to) + 0.2
    # panel size at the end of each half-year, as the progress report's trend derives it
    ends = [
        dt.datetime(y, m, 1, tzinfo=dt.UTC) for y, m in ((2025, 1), (2025, 7), (2026, 1), (2026, 7))
    ]
    sizes = [f["members"] for f in await figures_at(ends, panel_margins())]
    assert sizes == sorted(sizes) and len(set(sizes)) == 4, sizes
    assert sizes[-1] == demo.DEMO_SIZE
    assert sizes[0] < 0.75 * demo.DEMO_SIZE
