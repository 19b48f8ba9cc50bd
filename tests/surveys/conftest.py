"""Fixtures for the surveys delivery tests: stored bank surveys and fresh links."""

from __future__ import annotations

import re
from typing import Any

import pytest

from surveys.bank import load_bank
from surveys.services import definitions_store, links

#: A complete, valid set of answers to the bank's resident-satisfaction survey.
RESIDENT_SATISFACTION_ANSWERS = {
    "area_satisfaction": "very_satisfied",
    "council_satisfaction": "fairly_satisfied",
    "value_for_money": "tend_to_agree",
    "acts_on_concerns": "fair_amount",
    "keeps_informed": "dont_know",
    "trust": "not_very_much",
}


async def store_bank(name: str) -> definitions_store.SaveResult:
    return await definitions_store.save_definition(load_bank(name))


async def new_member(
    reference: str, *, consent: tuple[str, ...] | None = None, **extra: Any
) -> int:
    """An active panel member (with contact details) for link and response tests; returns the id.

    Consent to membership and to email contact is recorded in the current wording first, as
    sign-up records it: links are refused to members without consent for their channel.
    Pass `consent=()` for a member with none on record.
    """
    from panel.tables import Member

    member = Member(
        reference=reference,
        first_name="Ada",
        last_name="Lovelace",
        email=f"{reference.lower()}@example.org",
        age_band="35-44",
        sex="female",
        ward="abbey",
        ethnicity="white",
        disability="not_disabled",
        imd_quintile=3,
        **extra,
    )
    await member.save()
    await record_consent(int(member.id), consent)
    return int(member.id)


async def record_consent(member_id: int, purposes: tuple[str, ...] | None = None) -> None:
    """Record `purposes` (default membership and email contact) for a member, given now."""
    import datetime as dt

    from panel.services import CONSENT_WORDING_VERSION
    from panel.tables import Consent

    for purpose in ("membership", "contact:email") if purposes is None else purposes:
        await Consent(
            member=member_id,
            purpose=purpose,
            wording_version=CONSENT_WORDING_VERSION,
            given_at=dt.datetime.now(dt.UTC),
            method="online",
        ).save()


async def new_link(slug: str, **kwargs: Any) -> str:
    (issued,) = await links.create_links(slug, count=1, **kwargs)
    return issued.token


def form_token(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the form"
    return match.group(1)


@pytest.fixture
def bank() -> Any:
    return store_bank
