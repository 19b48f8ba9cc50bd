"""Subject access holds everything; erasure removes personal data everywhere in one
transaction and keeps answers as anonymous responses; retention erases on schedule."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from panel import data_protection, services, signup
from panel.tables import Consent, ContactEvent, DataRequest, Member, MemberChange, MemberToken
from surveys.bank import load_bank
from surveys.services import definitions_store, links, responses
from surveys.tables import SurveyLink, SurveyResponse

pytestmark = pytest.mark.db


async def member_with_history() -> tuple[int, str]:
    result = await signup.apply(
        signup.Application(
            first_name="Rhian",
            last_name="Price",
            preferred_contact="email",
            consents={"membership", "contact:email", "link_answers"},
            email="rhian.price@example.org",
            phone="07700 900321",
            address_line1="9 Quay Street",
            town="Northbridge",
            postcode="NB3 2EF",
            date_of_birth=dt.date(1985, 6, 1),
            sex="female",
        )
    )
    assert result.confirm_token
    await signup.confirm_email(result.confirm_token)
    await services.record_contact(
        result.member_id,
        kind="invitation",
        channel="email",
        subject="Have your say",
        message_id="<m1@x>",
    )
    await services.self_service_link(result.member_id)
    await definitions_store.save_definition(load_bank("resident-satisfaction"))
    (issued,) = await links.create_links("resident-satisfaction", member_ids=[result.member_id])
    state = await links.resolve(issued.token)
    assert state is not None
    await responses.save_answers(state, {"overall": "very_satisfied"}, page_id="overall", lang="en")
    reference = (await Member.select(Member.reference).first())["reference"]
    return result.member_id, reference


async def test_subject_access_holds_everything_we_keep(db: Any) -> None:
    member_id, reference = await member_with_history()
    document = await data_protection.subject_access(member_id)
    json.dumps(document)  # one JSON file
    assert document["reference"] == reference
    assert document["member"]["email"] == "rhian.price@example.org"
    assert {c["purpose"] for c in document["consents"]} == {
        "membership",
        "contact:email",
        "link_answers",
    }
    assert document["contact_history"][0]["subject"] == "Have your say"
    assert [c["action"] for c in document["changes"]] == ["sign-up", "confirm"]
    assert {link["purpose"] for link in document["personal_links"]} == {
        "confirm_email",
        "self_service",
    }
    assert "token_hash" not in json.dumps(document)
    answers = document["surveys"]["survey_responses"]
    assert answers[0]["answers"] == {"overall": "very_satisfied"}


async def test_erasure_removes_personal_data_and_keeps_anonymous_answers(db: Any) -> None:
    member_id, reference = await member_with_history()
    await data_protection.request(member_id, "erasure")
    summary = await data_protection.erase(member_id, by="dpo@council.example.gov.uk")

    member = await Member.select().where(Member.id == member_id).first()
    assert member["status"] == "erased" and member["erased_at"] is not None
    assert member["reference"] != reference
    for field in (
        "first_name",
        "last_name",
        "address_line1",
        "town",
        "postcode",
        "sex",
        "name_key",
    ):
        assert member[field] == "", field
    for field in ("email", "phone", "date_of_birth", "email_normalised", "phone_normalised"):
        assert member[field] is None, field
    assert await Consent.count().where(Consent.member == member_id) == 0
    assert await MemberToken.count().where(MemberToken.member == member_id) == 0
    contact = await ContactEvent.select().where(ContactEvent.member == member_id).first()
    assert (
        contact["subject"] == "" and contact["message_id"] is None and contact["channel"] == "email"
    )
    assert [c["action"] for c in await MemberChange.select(MemberChange.action)] == ["erase"]
    assert (await DataRequest.select(DataRequest.status).first())["status"] == "done"

    response = await SurveyResponse.select().first()
    assert response["answers"] and response["member"] is None
    assert response["respondent_id"] != reference
    assert await SurveyLink.count().where(SurveyLink.member == member_id) == 0
    assert summary.removed["surveys.responses_unlinked"] == 1
    assert summary.removed["consents"] == 3
    # Nothing left that can find the person again.
    dump = json.dumps(await data_protection.subject_access(member_id))
    for secret in ("Rhian", "Price", "rhian.price", "NB3", "7700", reference):
        assert secret not in dump, secret
    with pytest.raises(data_protection.AlreadyErased):
        await data_protection.erase(member_id, by="dpo@council.example.gov.uk")


async def test_a_failing_step_leaves_nothing_half_erased(db: Any) -> None:
    member_id, reference = await member_with_history()

    async def broken(member_id: int) -> dict[str, int]:
        raise RuntimeError("disk full")

    data_protection.register("zz_broken", erase=broken)
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            await data_protection.erase(member_id, by="dpo@council.example.gov.uk")
    finally:
        data_protection.ERASURE_STEPS.pop("zz_broken")
    member = await Member.select().where(Member.id == member_id).first()
    assert member["status"] == "active" and member["reference"] == reference
    assert member["email"] == "rhian.price@example.org"
    assert await Consent.count().where(Consent.member == member_id) == 3
    response = await SurveyResponse.select().first()
    assert response["member"] == member_id


async def test_retention_erases_long_withdrawn_members_and_stale_applicants(db: Any) -> None:
    now = dt.datetime.now(dt.UTC)
    active, _ = await member_with_history()
    stale = await signup.apply(
        signup.Application(
            first_name="Old",
            last_name="Applicant",
            preferred_contact="post",
            consents={"membership", "contact:post"},
            address_line1="1 Lane",
            postcode="NB1 1AA",
        )
    )
    fresh = await signup.apply(
        signup.Application(
            first_name="New",
            last_name="Applicant",
            preferred_contact="post",
            consents={"membership", "contact:post"},
            address_line1="2 Lane",
            postcode="NB1 1AB",
        )
    )
    await Member.update({Member.joined_at: now - dt.timedelta(days=40)}).where(
        Member.id == stale.member_id
    )
    await Member.update(
        {Member.status: "withdrawn", Member.left_at: now - dt.timedelta(days=100)}
    ).where(Member.id == active)
    erased = await data_protection.apply_retention(withdrawn_days=90, applicant_days=30)
    assert erased == 2
    statuses = {r["id"]: r["status"] for r in await Member.select(Member.id, Member.status)}
    assert statuses == {active: "erased", stale.member_id: "erased", fresh.member_id: "applicant"}
    how = {
        r["how"]
        for r in await MemberChange.select(MemberChange.how).where(MemberChange.action == "erase")
    }
    assert how == {"retention"}


def test_the_retention_rule_is_a_scheduled_job() -> None:
    from service import domains, jobs

    assert "panel.retention" in jobs.registry()
    assert "panel.retention" in {p.name for p in domains.collect("jobs", "PERIODIC")}
