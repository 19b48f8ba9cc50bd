"""A resident answers through a personal link: pages, errors, resume, check, submit, reuse."""

from __future__ import annotations

from typing import Any

from surveys.services import links
from surveys.tables import Survey, SurveyLink, SurveyResponse
from tests.conftest import post_form
from tests.surveys.conftest import new_link, store_bank


async def test_full_journey_stores_one_complete_response(client: Any) -> None:
    await store_bank("resident-satisfaction")
    token = await new_link("resident-satisfaction")

    start = await client.get(f"/s/{token}")
    assert start.status_code == 200
    assert "Start now" in start.text and "What we keep" in start.text
    assert start.headers["cache-control"] == "no-store"

    page = await client.get(f"/s/{token}/page/local_area")
    assert page.status_code == 200
    assert 'name="_csrf_token"' in page.text
    assert "Page 1 of about 6" in page.text

    answers = {
        "local_area": {"area_satisfaction": "very_satisfied"},
        "council_runs_things": {"council_satisfaction": "fairly_dissatisfied"},
        "value_for_money": {"value_for_money": "tend_to_agree"},
        "acts_on_concerns": {"acts_on_concerns": "a_fair_amount"},
        "keeps_informed": {"keeps_informed": "dont_know"},
        "trust": {"trust": "not_very_much"},
    }
    answers["acts_on_concerns"] = {"acts_on_concerns": "fair_amount"}
    expected_next = [*list(answers)[1:], "check"]
    for (page_id, fields), nxt in zip(answers.items(), expected_next, strict=True):
        response = await post_form(client, f"/s/{token}/page/{page_id}", fields)
        assert response.status_code == 303, (page_id, response.text[:500])
        target = f"/s/{token}/check" if nxt == "check" else f"/s/{token}/page/{nxt}"
        assert response.headers["location"] == target

    stored = await SurveyResponse.select().first()
    assert stored is not None and stored["status"] == "partial"

    check = await client.get(f"/s/{token}/check")
    assert check.status_code == 200
    assert "Check your answers before sending them" in check.text
    assert "Very satisfied" in check.text and "Fairly dissatisfied" in check.text
    assert f"/s/{token}/page/trust?return=check" in check.text

    sent = await post_form(client, f"/s/{token}/check", {})
    assert sent.status_code == 303 and sent.headers["location"] == f"/s/{token}/done"
    done = await client.get(f"/s/{token}/done")
    assert done.status_code == 200 and "Answers sent" in done.text

    rows = await SurveyResponse.select().output(load_json=True)
    assert len(rows) == 1
    assert rows[0]["status"] == "complete" and rows[0]["submitted_at"] is not None
    assert rows[0]["answers"]["council_satisfaction"] == "fairly_dissatisfied"
    assert rows[0]["version"] == 1 and rows[0]["mode"] == "online"
    link = await SurveyLink.select().first()
    assert link is not None and link["status"] == "used"

    again = await client.get(f"/s/{token}")
    assert again.status_code == 410
    assert "already completed" in again.text
    repost = await post_form(client, f"/s/{token}/page/trust", {"trust": "great_deal"})
    assert repost.status_code == 410
    after = await SurveyResponse.select(SurveyResponse.answers).output(load_json=True).first()
    assert after is not None and after["answers"]["trust"] == "not_very_much"


async def test_invalid_page_keeps_other_answers_and_stores_nothing(client: Any) -> None:
    await store_bank("all-question-types")
    token = await new_link("all-question-types")
    bad = await post_form(
        client,
        f"/s/{token}/page/p_contact",
        {"q_contact_ok": "yes", "q_email": "not-an-email", "q_phone": "01632 960 001"},
    )
    assert bad.status_code == 400
    assert 'href="#q_email"' in bad.text
    assert 'value="not-an-email"' in bad.text  # what they typed is still there to correct
    assert 'value="01632 960 001"' in bad.text  # and the valid answer is kept
    assert await SurveyResponse.count() == 0


async def test_error_summary_and_nothing_stored(client: Any) -> None:
    await store_bank("resident-satisfaction")
    token = await new_link("resident-satisfaction")
    response = await post_form(client, f"/s/{token}/page/local_area", {"area_satisfaction": "nope"})
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert 'href="#area_satisfaction"' in response.text
    assert "<title>Error:" in response.text
    assert await SurveyResponse.count() == 0


async def test_resume_goes_to_the_next_unanswered_page(client: Any) -> None:
    await store_bank("resident-satisfaction")
    token = await new_link("resident-satisfaction")
    await post_form(client, f"/s/{token}/page/local_area", {"area_satisfaction": "very_satisfied"})
    resumed = await client.get(f"/s/{token}")
    assert resumed.status_code == 303
    assert resumed.headers["location"] == f"/s/{token}/page/council_runs_things"
    back = await client.get(f"/s/{token}/page/local_area")
    assert 'value="very_satisfied" checked' in back.text


async def test_unknown_malformed_and_expired_links_look_alike(client: Any) -> None:
    await store_bank("resident-satisfaction")
    real = links.new_link_token()
    unknown = await client.get(f"/s/{real}")
    malformed = await client.get("/s/not-a-token")
    assert unknown.status_code == malformed.status_code == 404
    assert "not recognised" in unknown.text and "0300 123 4567" in unknown.text
    assert unknown.text == malformed.text

    expired = await new_link("resident-satisfaction", expires_in_days=1)
    await SurveyLink.update({SurveyLink.expires_at: SurveyLink.created_at}).where(
        SurveyLink.kind == "personal"
    )
    gone = await client.get(f"/s/{expired}")
    assert gone.status_code == 410 and "expired" in gone.text


async def test_tokens_are_stored_only_hashed(client: Any) -> None:
    await store_bank("resident-satisfaction")
    token = await new_link("resident-satisfaction")
    rows = await SurveyLink.select()
    dump = repr(rows)
    assert token not in dump and token.lower() not in dump
    assert len(token) == 26
    # typed in lower case from a letter, still works
    assert (await client.get(f"/s/{token.lower()}")).status_code == 200


async def test_a_closed_survey_refuses_its_personal_links(client: Any) -> None:
    """Issue 9: a link must stop working once its survey is closed, with a page that says so."""
    await store_bank("resident-satisfaction")
    token = await new_link("resident-satisfaction")
    await post_form(client, f"/s/{token}/page/local_area", {"area_satisfaction": "very_satisfied"})
    await Survey.update({Survey.status: "closed"}).where(Survey.slug == "resident-satisfaction")
    start = await client.get(f"/s/{token}")
    assert start.status_code == 410 and "This survey has closed" in start.text
    assert "0300 123 4567" in start.text
    page = await post_form(client, f"/s/{token}/page/trust", {"trust": "great_deal"})
    assert page.status_code == 410 and "This survey has closed" in page.text
    sent = await post_form(client, f"/s/{token}/check", {})
    assert sent.status_code == 410
    rows = await SurveyResponse.select(SurveyResponse.status)
    assert [r["status"] for r in rows] == ["partial"]
