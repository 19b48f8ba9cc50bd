"""Issuing personal links never gives a panel member a second way to answer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from surveys.services import links, responses
from surveys.services.definitions_store import get_version
from surveys.services.errors import Conflict
from surveys.tables import SurveyLink
from tests.conftest import csrf_token
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS, new_member, store_bank

SLUG = "resident-satisfaction"


async def _issue(*members: int) -> list[links.IssuedLink]:
    return await links.create_links(SLUG, member_ids=list(members))


async def _answer_online(token: str) -> None:
    """The resident answers every question through their link and submits."""
    state = await links.resolve(token)
    assert state is not None
    await responses.save_answers(state, RESIDENT_SATISFACTION_ANSWERS, page_id="trust", lang="en")
    resumed = await links.resolve(token)
    assert resumed is not None
    assert (await responses.submit(resumed, (await get_version(SLUG)).survey)).ok


async def test_reissuing_retires_the_unused_link_and_the_new_one_works(db: Any) -> None:
    await store_bank(SLUG)
    member = await new_member("P-LOST0001")
    (lost,) = await _issue(member)
    (replacement,) = await _issue(member)
    old = await links.resolve(lost.token)
    new = await links.resolve(replacement.token)
    assert old is not None and old.expired and old.status == "open"
    assert new is not None and not new.expired
    assert await SurveyLink.count().where(SurveyLink.member == member) == 2


async def test_a_member_who_has_started_answering_is_refused_and_nothing_changes(db: Any) -> None:
    await store_bank(SLUG)
    member = await new_member("P-START001")
    (issued,) = await _issue(member)
    state = await links.resolve(issued.token)
    assert state is not None
    await responses.save_answers(
        state, {"area_satisfaction": "very_satisfied"}, page_id="local_area", lang="en"
    )
    with pytest.raises(Conflict) as refused:
        await _issue(member)
    [(path, message)] = refused.value.errors
    assert path == "member_references[0]" and "started answering" in message
    still = await links.resolve(issued.token)
    assert still is not None and not still.expired  # the link they are using still works
    assert await SurveyLink.count().where(SurveyLink.member == member) == 1


async def test_members_who_have_responded_online_or_through_staff_are_refused(db: Any) -> None:
    from service.accounts import create_user

    await store_bank(SLUG)
    online = await new_member("P-ONLINE01")
    on_paper = await new_member("P-PAPER001")
    fresh = await new_member("P-FRESH001")
    (issued,) = await _issue(online)
    await _answer_online(issued.token)
    staff = await create_user("staff@example.org", "Staff", "research_officer", "a-long-password-1")
    await responses.record_assisted(
        SLUG,
        RESIDENT_SATISFACTION_ANSWERS,
        mode="paper",
        entered_by=int(staff.id),
        member_reference="P-PAPER001",
    )
    links_before = await SurveyLink.count()
    with pytest.raises(Conflict) as refused:
        await _issue(fresh, online, on_paper, fresh)
    assert sorted(refused.value.errors) == [
        ("member_references[1]", "has already responded to this survey"),
        ("member_references[2]", "has already responded to this survey"),
        ("member_references[3]", "is listed more than once"),
    ]
    assert await SurveyLink.count() == links_before  # one transaction: no link for `fresh`


async def test_api_answers_409_naming_the_member(client: Any, staff_login: Any) -> None:
    await store_bank(SLUG)
    member = await new_member("P-APILNK01")
    (issued,) = await _issue(member)
    state = await links.resolve(issued.token)
    assert state is not None
    await responses.save_answers(state, RESIDENT_SATISFACTION_ANSWERS, page_id="trust", lang="en")
    await staff_login(client, "panel_manager")
    answer = await client.post(
        f"/api/surveys/{SLUG}/links",
        content=json.dumps({"member_references": ["P-APILNK01"]}).encode(),
        headers={"x-csrftoken": await csrf_token(client), "content-type": "application/json"},
    )
    assert answer.status_code == 409, answer.text
    [error] = answer.json()["errors"]
    assert error["path"] == "member_references[0]" and "started answering" in error["message"]


async def test_a_new_wave_is_a_new_version_and_members_are_asked_again(db: Any) -> None:
    """Each version of a tracker survey is a wave: answering version 1 does not stop a member
    being invited to, or entered by staff for, version 2 — once each."""
    from service.accounts import create_user
    from surveys.bank import load_bank
    from surveys.services.definitions_store import save_definition

    await store_bank(SLUG)
    online = await new_member("P-WAVE0001")
    await new_member("P-WAVE0002")
    (issued,) = await _issue(online)
    await _answer_online(issued.token)
    staff = await create_user("wave@example.org", "Staff", "research_officer", "a-long-password-1")
    await responses.record_assisted(
        SLUG, RESIDENT_SATISFACTION_ANSWERS, mode="paper", entered_by=int(staff.id),
        member_reference="P-WAVE0002",
    )  # fmt: skip
    with pytest.raises(Conflict):
        await _issue(online)
    autumn = load_bank(SLUG)
    autumn["title"] = {**autumn["title"], "en": "Residents' survey, autumn wave"}
    assert (await save_definition(autumn)).stored.version == 2
    (wave_two,) = await _issue(online)
    assert (await links.resolve(wave_two.token)) is not None
    await responses.record_assisted(
        SLUG, RESIDENT_SATISFACTION_ANSWERS, mode="phone", entered_by=int(staff.id),
        member_reference="P-WAVE0002",
    )  # fmt: skip
    with pytest.raises(Conflict):
        await responses.record_assisted(
            SLUG, RESIDENT_SATISFACTION_ANSWERS, mode="phone", entered_by=int(staff.id),
            member_reference="P-WAVE0002",
        )  # fmt: skip


async def test_simultaneous_issues_to_one_member_leave_one_working_link(db: Any) -> None:
    """Four requests for the same member at once: each retires the one before, so exactly one
    link still works (on PostgreSQL this needs the per-member lock)."""
    import asyncio

    await store_bank(SLUG)
    member = await new_member("P-RACE0001")
    issued = await asyncio.gather(*(_issue(member) for _ in range(4)))
    states = [await links.resolve(one.token) for (one,) in issued]
    assert all(state is not None for state in states)
    assert sum(not state.expired for state in states if state is not None) == 1


async def test_bulk_links_keep_the_single_use_rules_member_by_member(db: Any) -> None:
    """`issue_member_links` (fieldwork's batch sends): one new working link per member, their
    unused links retired, token hashes only; a member who answered or is answering is named
    with the reason and the others still get their links."""
    await store_bank(SLUG)
    fresh, lost, answered, started = [await new_member(f"P-BULK000{i}") for i in range(4)]
    (old,) = await _issue(lost)
    (done,) = await _issue(answered)
    await _answer_online(done.token)
    (busy,) = await _issue(started)
    state = await links.resolve(busy.token)
    assert state is not None
    await responses.save_answers(
        state, {"area_satisfaction": "very_satisfied"}, page_id="local_area", lang="en"
    )
    stored = await get_version(SLUG)
    async with SurveyLink._meta.db.transaction():
        made = await links.issue_member_links(
            stored.survey_id, stored.version, [fresh, lost, answered, started, fresh]
        )
    assert made[answered] == links.LinkRefusal(answered=True, reason=links.ANSWERED)
    refused = made[started]
    assert isinstance(refused, links.LinkRefusal) and not refused.answered
    assert "started answering" in refused.reason
    for member in (fresh, lost):
        issued = made[member]
        assert isinstance(issued, links.IssuedLink) and issued.member_id == member
        now = await links.resolve(issued.token)
        assert now is not None and not now.expired and now.member_id == member
        row = await SurveyLink.select(SurveyLink.token_hash).where(SurveyLink.id == issued.link_id)
        assert issued.token not in str(row)
    gone = await links.resolve(old.token)
    assert gone is not None and gone.expired  # never two working links for one member
    still = await links.resolve(busy.token)
    assert still is not None and not still.expired
    assert await SurveyLink.count().where(SurveyLink.member == fresh) == 1  # listed twice, one link
