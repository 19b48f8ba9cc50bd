"""Demo panel: about 2,000 synthetic members of the fictional Northbridge borough.

Deterministic (seeded), so re-running creates nothing new: members are keyed by a reference
derived from the seed. Demographics follow the ward profiles in panel.demographics, and the
panel over-represents older, less deprived residents — as real panels do — so weighting has
real work to do.

Members joined over two years, not on one day, so panel size, joiners per month and the
representativeness gap have a history (`panel.history`, the progress report's trends): a
launch drive in spring 2024 (about half the panel), a trickle of sign-ups after it, and a
top-up drive from October 2025 that recruited younger residents more than older ones. Every
member joined before the spring 2026 survey wave (2 March 2026, `surveys.demo.WAVES`), which
the surveys demo sends to all of them; each member's consent is dated the day they joined.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from panel.demo_sampling import load_demo_sample
from panel.demographics import AGE_BANDS, WARDS, Ward
from panel.duplicates import keys
from panel.services import CONSENT_WORDING_VERSION
from panel.services import age_band as compute_age_band
from panel.tables import Consent, Member

DEMO_SIZE = 2000
SEED = 20261122

FIRST = [
    "Amira",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Femi",
    "Grace",
    "Harun",
    "Isla",
    "Jack",
    "Kiran",
    "Leah",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
    "Una",
    "Vikram",
    "Wendy",
    "Yusuf",
    "Zara",
    "Aled",
    "Bethan",
    "Cerys",
    "Dylan",
    "Efa",
]
LAST = [
    "Ahmed",
    "Brown",
    "Campbell",
    "Davies",
    "Evans",
    "Farah",
    "Green",
    "Hughes",
    "Islam",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "Okafor",
    "Patel",
    "Roberts",
    "Singh",
    "Taylor",
    "Williams",
    "Wright",
    "Young",
]
STREETS = [
    "High Street",
    "Mill Lane",
    "Church Road",
    "Station Road",
    "Park Avenue",
    "Victoria Street",
    "Queens Road",
    "Meadow Way",
    "Orchard Close",
    "Riverside",
]
# Panel age mix: older bands over-represented relative to the population.
PANEL_AGE_WEIGHTS = [0.07, 0.11, 0.13, 0.16, 0.19, 0.19, 0.15]

#: Recruitment: (first day, last day, weight for members under 45, weight for 45 and over).
#: The launch drive brought in most of the older members; the top-up drive aimed at younger
#: residents. Join times fall uniformly within a drive, in office hours.
RECRUITMENT = [
    (dt.date(2024, 4, 1), dt.date(2024, 6, 30), 0.40, 0.55),  # launch drive
    (dt.date(2024, 7, 1), dt.date(2025, 9, 30), 0.25, 0.35),  # sign-ups in between
    (dt.date(2025, 10, 1), dt.date(2026, 2, 27), 0.35, 0.10),  # top-up drive, younger people
]
FIRST_JOINED = dt.datetime(2024, 4, 1, 9, tzinfo=dt.UTC)
LAST_JOINED = dt.datetime(2026, 2, 27, 17, tzinfo=dt.UTC)  # before the spring 2026 wave


def joined_at(index: int, age_band: str) -> dt.datetime:
    """When demo member ``index`` joined: drawn from its own seeded stream (so the members'
    other details do not depend on it), weighted by `RECRUITMENT`."""
    rng = random.Random(f"{SEED}:joined:{index}")
    younger = age_band in ("16-24", "25-34", "35-44")
    first, last, _, _ = rng.choices(
        RECRUITMENT, weights=[r[2] if younger else r[3] for r in RECRUITMENT]
    )[0]
    day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
    return dt.datetime.combine(day, dt.time(9), dt.UTC) + dt.timedelta(
        minutes=rng.randint(0, 8 * 60)
    )


def _member(rng: random.Random, index: int) -> dict[str, Any]:
    ward: Ward = rng.choices(
        WARDS, weights=[w.population * (0.6 + 0.15 * w.imd_quintile) for w in WARDS]
    )[0]
    weights = [p * (ward.older if i >= 5 else 1.0) for i, p in enumerate(PANEL_AGE_WEIGHTS)]
    band = rng.choices(AGE_BANDS, weights=weights)[0]
    low = {"16-24": 16, "25-34": 25, "35-44": 35, "45-54": 45, "55-64": 55, "65-74": 65, "75+": 75}[
        band
    ]
    age = low + rng.randint(0, 9 if band != "75+" else 17)
    today = dt.date(2026, 11, 1)
    dob = today - dt.timedelta(days=int(age * 365.25) + rng.randint(0, 364))
    minority = rng.random() < ward.minority_share
    ethnicity = (
        rng.choices(["asian", "black", "mixed", "other"], weights=[45, 25, 20, 10])[0]
        if minority
        else "white"
    )
    p_disabled = (
        0.12
        + 0.10 * (5 - ward.imd_quintile) / 4
        + (0.18 if low >= 65 else 0)
        + (0.15 if low >= 75 else 0)
    )
    disability = (
        rng.choice(["limited_a_lot", "limited_a_little"])
        if rng.random() < p_disabled
        else "not_disabled"
    )
    first, last = rng.choice(FIRST), rng.choice(LAST)
    offline = low >= 75 and rng.random() < 0.45
    age_band = compute_age_band(dob, today)
    joined = joined_at(index, age_band)
    row = {
        "reference": f"P-DEMO{index:04d}",
        "first_name": first,
        "last_name": last,
        "email": None if offline else f"{first}.{last}.{index}@example.org".lower(),
        "phone": f"07700 9{index:05d}",
        "address_line1": f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
        "town": "Northbridge",
        "postcode": f"NB{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
        "preferred_contact": "post" if offline else rng.choices(["email", "sms"], [85, 15])[0],
        "date_of_birth": dob,
        "age_band": age_band,
        "sex": rng.choices(["female", "male"], weights=[54, 46])[0],
        "ethnicity": ethnicity,
        "disability": disability,
        "ward": ward.code,
        "imd_quintile": ward.imd_quintile,
        "consent_version": CONSENT_WORDING_VERSION,
        "consent_given_at": joined,  # consent is given on joining
        "joined_at": joined,
        "source": "demo",
    }
    # the old consent time, drawn last as it was (after `sex`): still drawn so that the next
    # member's details, and the committed postcode lookup, stay as they were
    rng.randint(0, 24 * 280)
    return row


async def load_demo(out: Callable[[str], None], base_url: str) -> None:
    existing = {
        r["reference"] for r in await Member.select(Member.reference).where(Member.source == "demo")
    }
    rng = random.Random(SEED)
    rows = [_member(rng, i) for i in range(1, DEMO_SIZE + 1)]
    new = [Member(**row, **keys(row)) for row in rows if row["reference"] not in existing]
    async with Member._meta.db.transaction():
        for start in range(0, len(new), 500):
            await Member.insert(*new[start : start + 500])
        consents = await _add_consents()
    out(f"Panel: {len(new)} demo members added ({len(existing) + len(new)} in all).")
    out(f"Panel: consent recorded for {consents} demo members.")
    await load_demo_sample(out)


async def _add_consents() -> int:
    """Membership, contact on the preferred channel and linking answers, for each demo member
    who has no consent on record yet (so re-running adds nothing)."""
    with_consent = {r["member"] for r in await Consent.select(Consent.member).distinct()}
    members = await Member.select(
        Member.id, Member.preferred_contact, Member.consent_given_at
    ).where(Member.source == "demo")
    rows = [
        Consent(
            member=m["id"],
            purpose=purpose,
            wording_version=CONSENT_WORDING_VERSION,
            given_at=m["consent_given_at"],
            method="paper" if m["preferred_contact"] == "post" else "online",
        )
        for m in members
        if m["id"] not in with_consent
        for purpose in ("membership", f"contact:{m['preferred_contact']}", "link_answers")
    ]
    for start in range(0, len(rows), 500):
        await Consent.insert(*rows[start : start + 500])
    return len(rows) // 3
