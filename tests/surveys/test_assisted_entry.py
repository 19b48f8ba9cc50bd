"""Staff-assisted entry for a panel member counts them once: it claims their open personal
link, completes their partial online response instead of adding a row, and is refused (409 on
`member_reference`) when they have already responded — also when racing an online submit."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import pytest

from surveys.services import definitions_store, links, responses
from surveys.services.errors import Conflict, SurveyError
from surveys.tables import SurveyLink, SurveyResponse
from tests.conftest import create_staff, csrf_token, post_form
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS, new_member, store_bank

SLUG = "resident-satisfaction"
ANSWERS = RESIDENT_SATISFACTION_ANSWERS
STAFF_ANSWERS = {**ANSWERS, "area_satisfaction": "fairly_dissatisfied", "trust": "great_deal"}


async def _staff() -> int:
    user, _ = await create_staff("panel_manager")
    return int(user.id)


async def _link(member_id: int) -> links.IssuedLink:
    (issued,) = await links.create_links(SLUG, member_ids=[member_id])
    return issued


async def _state(token: str) -> links.LinkState:
    state = await links.resolve(token)
    assert state is not None
    return state


async def _started_online(member_id: int, answers: dict[str, Any]) -> links.IssuedLink:
    """The member opened their link and saved answers online, without submitting."""
    issued = await _link(member_id)
    await responses.save_answers(await _state(issued.token), answers, page_id="trust", lang="cy")
    return issued


async def _link_row(link_id: int) -> dict[str, Any]:
    row = await SurveyLink.select().where(SurveyLink.id == link_id).first()
    assert row is not None
    return row


async def test_assisted_entry_claims_the_members_open_link(db: Any) -> None:
    await store_bank(SLUG)
    member = await new_member("P-CLAIM001")
    issued = await _link(member)
    staff = await _staff()
    made = await responses.record_assisted(
        SLUG, STAFF_ANSWERS, mode="phone", entered_by=staff, member_reference="p-claim001"
    )
    assert made["respondent_id"] == "P-CLAIM001" and made["status"] == "complete"
    link = await _link_row(issued.link_id)
    assert link["status"] == "used" and link["used_at"] is not None
    row = await SurveyResponse.select().first()
    assert row is not None
    assert row["link"] == issued.link_id and row["member"] == member
    assert row["public_id"] == made["response_id"] and row["mode"] == "phone"

    # The member cannot answer again online through that link.
    state = await _state(issued.token)
    assert state.status == "used" and state.response_status == "complete"
    with pytest.raises(responses.AlreadySubmitted):
        await responses.save_answers(state, ANSWERS, page_id="trust", lang="en")
    assert await SurveyResponse.count() == 1


async def test_assisted_entry_completes_the_members_partial_online_response(db: Any) -> None:
    await store_bank(SLUG)
    member = await new_member("P-PART0001")
    issued = await _started_online(member, {"area_satisfaction": "very_satisfied"})
    before = await SurveyResponse.select().first()
    assert before is not None and before["status"] == "partial"
    staff = await _staff()

    made = await responses.record_assisted(
        SLUG, STAFF_ANSWERS, mode="paper", entered_by=staff, member_reference="P-PART0001"
    )

    rows = await SurveyResponse.select()
    assert len(rows) == 1, "the partial response is completed, not duplicated"
    row = rows[0]
    assert row["id"] == before["id"] and row["public_id"] == made["response_id"]
    assert row["status"] == "complete" and row["mode"] == "paper"
    assert row["entered_by"] == staff and row["submitted_at"] is not None
    answers = row["answers"] if isinstance(row["answers"], dict) else json.loads(row["answers"])
    assert answers == STAFF_ANSWERS
    assert row["started_at"] == before["started_at"]  # the resident started it online
    assert row["link"] == issued.link_id and row["respondent_id"] == "P-PART0001"
    assert (await _link_row(issued.link_id))["status"] == "used"

    # The resident's page, reopened, now says they have finished; submitting is refused.
    state = await _state(issued.token)
    survey = (await definitions_store.get_version(SLUG)).survey
    with pytest.raises(responses.AlreadySubmitted):
        await responses.submit(state, survey)


async def test_a_member_who_has_responded_online_is_refused_and_nothing_changes(db: Any) -> None:
    await store_bank(SLUG)
    member = await new_member("P-DONE0001")
    issued = await _started_online(member, ANSWERS)
    survey = (await definitions_store.get_version(SLUG)).survey
    assert (await responses.submit(await _state(issued.token), survey)).ok
    # A second invitation, still open: create_links no longer issues one to a member who is
    # answering, but a database may hold links made before that rule, so insert it directly.
    first = await _link_row(issued.link_id)
    spare = SurveyLink(
        token_hash="spare-" + str(member),
        survey=first["survey"],
        version=first["version"],
        member=member,
    )
    await spare.save()
    staff = await _staff()

    with pytest.raises(Conflict) as caught:
        await responses.record_assisted(
            SLUG, STAFF_ANSWERS, mode="phone", entered_by=staff, member_reference="P-DONE0001"
        )
    assert caught.value.status_code == 409
    [(path, message)] = caught.value.errors
    assert path == "member_reference" and "already responded" in message
    assert await SurveyResponse.count() == 1
    row = await SurveyResponse.select(SurveyResponse.mode, SurveyResponse.answers).first()
    assert row is not None and row["mode"] == "online"
    # One transaction: the claim of the spare link was rolled back with the refusal.
    assert (await _link_row(int(spare.id)))["status"] == "open"


async def test_a_member_entered_by_staff_once_is_refused_the_second_time(db: Any) -> None:
    await store_bank(SLUG)
    await new_member("P-TWICE001")
    staff = await _staff()
    await responses.record_assisted(
        SLUG, ANSWERS, mode="paper", entered_by=staff, member_reference="P-TWICE001"
    )
    with pytest.raises(Conflict) as caught:
        await responses.record_assisted(
            SLUG, ANSWERS, mode="phone", entered_by=staff, member_reference="P-TWICE001"
        )
    assert caught.value.errors[0][0] == "member_reference"
    # A used link alone (its response gone, say after an erasure request) also counts.
    await SurveyResponse.delete(force=True)
    member = await new_member("P-USED0001")
    issued = await _link(member)
    await SurveyLink.update(
        {SurveyLink.status: "used", SurveyLink.used_at: dt.datetime.now(dt.UTC)}
    ).where(SurveyLink.id == issued.link_id)
    with pytest.raises(Conflict):
        await responses.record_assisted(
            SLUG, ANSWERS, mode="phone", entered_by=staff, member_reference="P-USED0001"
        )
    # Residents who are not on the panel cannot be matched, so each entry is stored.
    for _ in range(2):
        await responses.record_assisted(SLUG, ANSWERS, mode="paper", entered_by=staff)
    assert await SurveyResponse.count() == 2


async def test_bad_member_reference_is_named(db: Any) -> None:
    await store_bank(SLUG)
    staff = await _staff()
    with pytest.raises(SurveyError) as caught:
        await responses.record_assisted(
            SLUG, ANSWERS, mode="paper", entered_by=staff, member_reference="P-NOBODY00"
        )
    assert caught.value.status_code == 404
    assert caught.value.errors[0][0] == "member_reference"
    assert await SurveyResponse.count() == 0


async def test_online_submit_and_assisted_entry_at_once_give_one_response(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight members, each submitting online while staff enter their paper form at the same
    moment: each ends with exactly one complete response, one row, and no open link.

    For four of them the online submit starts the moment the assisted entry opens its
    transaction (so the two meet inside their transactions); for the other four both simply
    start together (the submit, with less to check first, tends to get there first)."""
    await store_bank(SLUG)
    survey = (await definitions_store.get_version(SLUG)).survey
    staff = await _staff()
    members = []
    for i in range(8):
        reference = f"P-RACE000{i}"
        member = await new_member(reference)
        issued = await _started_online(member, ANSWERS)
        members.append((reference, member, await _state(issued.token)))

    entering = {reference: asyncio.Event() for reference, _, _ in members}
    real = responses._record_for_member

    async def record_for_member(entry: Any, tried: list[int]) -> str:
        entering[entry.reference].set()
        return await real(entry, tried)

    monkeypatch.setattr(responses, "_record_for_member", record_for_member)

    async def online(state: links.LinkState, wait: asyncio.Event | None) -> str:
        if wait is not None:
            await wait.wait()
        try:
            result = await responses.submit(state, survey)
        except responses.AlreadySubmitted:
            return "refused"
        return "ok" if result.ok else "invalid"

    async def assisted(reference: str) -> str:
        try:
            await responses.record_assisted(
                SLUG, STAFF_ANSWERS, mode="paper", entered_by=staff, member_reference=reference
            )
        except Conflict as error:
            assert error.errors[0][0] == "member_reference"
            return "refused"
        return "ok"

    attempts = []
    for i, (reference, _, state) in enumerate(members):
        wait = entering[reference] if i % 2 == 0 else None
        attempts += [online(state, wait), assisted(reference)]
    outcomes = await asyncio.gather(*attempts)
    for i, (_, member, _) in enumerate(members):
        pair = outcomes[2 * i : 2 * i + 2]
        assert sorted(pair) == ["ok", "refused"], pair
        rows = await SurveyResponse.select().where(SurveyResponse.member == member)
        assert len(rows) == 1 and rows[0]["status"] == "complete"
        # The winner's answers are the ones stored, whole.
        stored = rows[0]["answers"]
        stored = stored if isinstance(stored, dict) else json.loads(stored)
        winner = "paper" if pair[1] == "ok" else "online"
        assert rows[0]["mode"] == winner
        assert stored == (STAFF_ANSWERS if winner == "paper" else ANSWERS)
    assert await SurveyResponse.count().where(SurveyResponse.status == "complete") == 8
    assert await SurveyLink.count().where(SurveyLink.status == "open") == 0


async def test_first_online_page_and_assisted_entry_at_once_give_one_row(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member saves their first page online the moment staff start entering their paper
    form: whichever order the database sees, there is one row, complete, with staff's answers
    (the page save either lands first and is completed, or is refused as already used)."""
    await store_bank(SLUG)
    staff = await _staff()
    members = []
    for i in range(6):
        reference = f"P-FIRST00{i}"
        member = await new_member(reference)
        issued = await _link(member)
        members.append((reference, member, await _state(issued.token)))
    entering = {reference: asyncio.Event() for reference, _, _ in members}
    real = responses._record_for_member

    async def record_for_member(entry: Any, tried: list[int]) -> str:
        entering[entry.reference].set()
        return await real(entry, tried)

    monkeypatch.setattr(responses, "_record_for_member", record_for_member)

    async def first_page(reference: str, state: links.LinkState) -> str:
        await entering[reference].wait()
        try:
            await responses.save_answers(state, ANSWERS, page_id="trust", lang="en")
        except responses.AlreadySubmitted:
            return "refused"
        return "saved"

    attempts = []
    for reference, _, state in members:
        attempts += [
            first_page(reference, state),
            responses.record_assisted(
                SLUG, STAFF_ANSWERS, mode="phone", entered_by=staff, member_reference=reference
            ),
        ]
    await asyncio.gather(*attempts)
    for _, member, _ in members:
        rows = await SurveyResponse.select().where(SurveyResponse.member == member)
        assert len(rows) == 1 and rows[0]["status"] == "complete" and rows[0]["mode"] == "phone"
        stored = rows[0]["answers"]
        assert (stored if isinstance(stored, dict) else json.loads(stored)) == STAFF_ANSWERS
    assert await SurveyLink.count().where(SurveyLink.status == "open") == 0


async def test_simultaneous_assisted_entries_for_one_member_give_one_response(db: Any) -> None:
    await store_bank(SLUG)
    await new_member("P-DUPE0001")
    staff = await _staff()

    async def attempt(mode: str) -> str:
        try:
            await responses.record_assisted(
                SLUG, ANSWERS, mode=mode, entered_by=staff, member_reference="P-DUPE0001"
            )
        except Conflict:
            return "refused"
        return "ok"

    outcomes = await asyncio.gather(*[attempt("paper") for _ in range(6)])
    assert sorted(outcomes) == ["ok"] + ["refused"] * 5
    assert await SurveyResponse.count() == 1


# ------------------------------------------------------------------ over HTTP
async def test_api_answers_409_with_the_path_and_message(client: Any, staff_login: Any) -> None:
    await store_bank(SLUG)
    member = await new_member("P-API00001")
    await _link(member)
    await staff_login(client, "research_officer")

    async def enter() -> Any:
        return await client.post(
            f"/api/surveys/{SLUG}/responses",
            content=json.dumps(
                {"mode": "phone", "answers": ANSWERS, "member_reference": "P-API00001"}
            ).encode(),
            headers={"x-csrftoken": await csrf_token(client), "content-type": "application/json"},
        )

    first = await enter()
    assert first.status_code == 201, first.text
    again = await enter()
    assert again.status_code == 409
    body = again.json()
    assert body["detail"] == "this panel member has already responded to this survey"
    [error] = body["errors"]
    assert error["path"] == "member_reference" and "already responded" in error["message"]
    assert await SurveyResponse.count() == 1


async def test_staff_page_shows_the_conflict_in_the_error_summary(
    client: Any, staff_login: Any
) -> None:
    await store_bank(SLUG)
    member = await new_member("P-PAGE0001")
    issued = await _started_online(member, ANSWERS)
    survey = (await definitions_store.get_version(SLUG)).survey
    assert (await responses.submit(await _state(issued.token), survey)).ok
    await staff_login(client, "panel_manager")

    page = await post_form(
        client,
        f"/staff/surveys/{SLUG}/enter",
        {**STAFF_ANSWERS, "mode": "paper", "member_reference": "p-page0001"},
    )
    assert page.status_code == 409
    html = page.text
    assert "govuk-error-summary" in html and 'href="#member_reference"' in html
    assert "P-PAGE0001 has already responded to this survey" in html
    assert 'id="member_reference-error"' in html  # the message beside the field, too
    assert "<title>Error:" in html
    assert await SurveyResponse.count() == 1
