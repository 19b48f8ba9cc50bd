"""Duplicates are found on the way in and merged, never created twice, also under a race."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from panel import duplicates, signup
from panel.tables import Consent, Member, MemberChange
from tests.conftest import csrf_token, post_form
from tests.panel.signup_helpers import ANSWERS

pytestmark = pytest.mark.db


def application(**changes: Any) -> signup.Application:
    values: dict[str, Any] = {
        "first_name": "Gareth",
        "last_name": "Ellis",
        "preferred_contact": "email",
        "consents": {"membership", "contact:email"},
        "email": "gareth.ellis@example.org",
        "postcode": "NB2 3CD",
    }
    values.update(changes)
    return signup.Application(**values)


def test_keys_fold_case_accents_spacing_and_phone_formats() -> None:
    assert duplicates.normalise_email("  Gareth.Ellis@EXAMPLE.org ") == "gareth.ellis@example.org"
    assert duplicates.normalise_phone("07700 900123") == "+447700900123"
    assert duplicates.normalise_phone("+44 (0)7700-900123") == "+447700900123"
    assert duplicates.normalise_phone("12") is None
    assert duplicates.name_key("Siân", "O'Neill", "nb1 4ab") == "sian|oneill|NB14AB"
    assert duplicates.name_key("Sian", "", "NB1 4AB") == ""


@pytest.mark.parametrize(
    ("second", "matched_on"),
    [
        ({"email": "GARETH.ELLIS@example.org "}, "email"),
        (
            {
                "email": None,
                "preferred_contact": "sms",
                "consents": {"membership", "contact:sms"},
                "phone": "+44 7700 900555",
            },
            "phone",
        ),
        (
            {"email": "other@example.org", "first_name": "gareth", "postcode": "nb23cd"},
            "name_postcode",
        ),
    ],
)
async def test_a_second_sign_up_is_merged_into_the_first(
    db: Any, second: dict[str, Any], matched_on: str
) -> None:
    first = await signup.apply(application(phone="07700 900555"))
    again = await signup.apply(application(**second, sex="male"))
    assert again.member_id == first.member_id
    assert (again.outcome, again.matched_on) == ("merged", matched_on)
    assert await Member.count() == 1
    member = await Member.select().first()
    # Blank fields are filled in; contact details already held are never overwritten.
    assert member["sex"] == "male"
    assert member["email"] == "gareth.ellis@example.org"
    assert again.email == "gareth.ellis@example.org"  # confirmation goes to the address we hold
    merge = (
        await MemberChange.select()
        .where(MemberChange.action == "merge")
        .output(load_json=True)
        .first()
    )
    assert matched_on in merge["detail"] and "sex" in merge["fields"]
    if matched_on == "phone":
        purposes = {r["purpose"] for r in await Consent.select(Consent.purpose)}
        assert "contact:sms" in purposes  # the new consent is on record too


async def test_the_database_refuses_a_second_member_with_the_same_email(db: Any) -> None:
    await signup.apply(application())
    with pytest.raises(Exception, match=r"(?i)unique"):
        await Member.insert(
            Member(
                reference="P-TESTDUP1",
                first_name="X",
                last_name="Y",
                email="gareth.ellis@example.org",
                email_normalised="gareth.ellis@example.org",
            )
        )


async def test_racing_sign_ups_with_one_email_make_one_member(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    collisions: list[bool] = []
    real = signup._is_unique_violation

    def spy(error: Exception) -> bool:
        collisions.append(real(error))
        return collisions[-1]

    monkeypatch.setattr(signup, "_is_unique_violation", spy)
    results = await asyncio.gather(
        *[
            signup.apply(application(first_name=f"Gareth{i}", email="Gareth.Ellis@example.org"))
            for i in range(100)
        ]
    )
    assert await Member.count() == 1
    assert len({r.member_id for r in results}) == 1
    assert sorted(r.outcome for r in results).count("created") == 1
    assert collisions and all(collisions), "the race reached the unique index"
    # each consent purpose once, however many sign-ups raced
    rows = await Consent.select(Consent.purpose)
    assert sorted(r["purpose"] for r in rows) == ["contact:email", "membership"]


async def test_parallel_http_sign_ups_with_one_email_make_one_member(client: Any) -> None:
    """Six browsers pressing "Join the panel" at once with the same answers."""
    location = "/panel/join/name"
    for step, data in ANSWERS:
        assert location == f"/panel/join/{step}"
        response = await post_form(client, location, data)
        assert response.status_code == 303, step
        location = response.headers["location"]
    token = await csrf_token(client)
    responses = await asyncio.gather(
        *[client.post("/panel/join/check", data={"_csrf_token": token}) for _ in range(6)]
    )
    assert [r.status_code for r in responses] == [303] * 6
    assert await Member.count() == 1
    assert await Consent.count() == 3  # membership, contact:email, link_answers: once each
