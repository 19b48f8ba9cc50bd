"""The demo panel: believable, deterministic and loaded once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from panel import demo, services
from panel.demographics import POPULATION_AGE, population_margins
from panel.tables import Consent, Member

pytestmark = pytest.mark.db


async def test_demo_panel_is_believable_and_idempotent(db: Any):
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


async def test_profiles_carry_no_contact_details(db: Any):
    await demo.load_demo(lambda _: None, "http://x")
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
