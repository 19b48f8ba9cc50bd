"""100 residents' browsers submitting the same single-use link at once store one response.

Against the real server process (`live_server`, uvicorn on 127.0.0.1), over 100 real
connections opened before any submit is sent, on SQLite and on PostgreSQL. The link is
claimed with a conditional UPDATE in the submit transaction (surveys.services.responses), so
exactly one submission wins; every other one is sent to the confirmation page ("Thank you,
your answers have been sent") as a second press of the button would be, never a 5xx.
The submit transaction's own refusals (a used link, a response that has gone) are checked at
the service level below: in each, nothing changes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from typing import Any

import httpx
import pytest

from surveys.services import links, responses
from surveys.services.errors import SurveyError
from surveys.tables import SurveyLink, SurveyResponse
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS, store_bank

pytestmark = [pytest.mark.db, pytest.mark.slow]

SUBMITTERS = 100


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _ready_link() -> tuple[str, int]:
    """A link whose every page is answered, so only the submit is left."""
    stored = await store_bank("resident-satisfaction")
    issued = (await links.create_links("resident-satisfaction", count=1))[0]
    state = await links.resolve(issued.token)
    assert state is not None
    await responses.save_answers(state, RESIDENT_SATISFACTION_ANSWERS, page_id="trust", lang="en")
    return issued.token, int(stored.stored.survey_id)


async def test_100_simultaneous_submits_of_one_link_store_one_response(
    db: Any, live_server: Any
) -> None:
    token, _ = await _ready_link()
    limits = httpx.Limits(max_connections=SUBMITTERS, max_keepalive_connections=SUBMITTERS)
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60, limits=limits) as client:
        page = await client.get(f"/s/{token}/check")
        assert page.status_code == 200
        form = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert form is not None
        # Open all 100 connections first (each GETs the page), then release the submits
        # together, so they really race rather than queue behind one another's handshakes.
        start = asyncio.Event()

        async def submit() -> httpx.Response:
            await client.get("/health")
            await start.wait()
            return await client.post(f"/s/{token}/check", data={"_csrf_token": form.group(1)})

        tasks = [asyncio.create_task(submit()) for _ in range(SUBMITTERS)]
        await asyncio.sleep(0.5)
        start.set()
        answers = await asyncio.gather(*tasks)
        statuses = sorted({r.status_code for r in answers})
        assert statuses == [303], statuses  # no 5xx, no error page: each sees confirmation
        assert {r.headers["location"] for r in answers} == {f"/s/{token}/done"}
        done = await client.get(f"/s/{token}/done")
        assert done.status_code == 200 and "sent" in done.text.lower()
        # The link is spent: another page save is refused with the "already used" page.
        again = await client.post(
            f"/s/{token}/page/trust",
            data={"_csrf_token": form.group(1), "trust": "a_great_deal"},
        )
        assert again.status_code == 410

    assert await SurveyResponse.count() == 1
    assert await SurveyResponse.count().where(SurveyResponse.status == "complete") == 1
    assert await SurveyLink.count().where(SurveyLink.status == "used") == 1
    row = await SurveyResponse.select(SurveyResponse.answers).first()
    assert row is not None
    stored = row["answers"]
    assert (json.loads(stored) if isinstance(stored, str) else stored) == (
        RESIDENT_SATISFACTION_ANSWERS
    )


async def test_submit_writes_nothing_when_the_response_has_gone(db: Any) -> None:
    """Link and response change together or not at all (one statement on PostgreSQL)."""
    token, _ = await _ready_link()
    state = await links.resolve(token)
    assert state is not None and state.response_id is not None
    await SurveyResponse.delete().where(SurveyResponse.id == state.response_id)
    with pytest.raises(SurveyError, match="no longer exists"):
        await responses.claim_and_complete(
            state.link_id, state.response_id, json.dumps(RESIDENT_SATISFACTION_ANSWERS), _now()
        )
    link = await SurveyLink.select(SurveyLink.status).first()
    assert link is not None and link["status"] == "open"


async def test_a_second_submit_of_a_link_is_refused_and_changes_nothing(db: Any) -> None:
    token, _ = await _ready_link()
    state = await links.resolve(token)
    assert state is not None and state.response_id is not None
    text = json.dumps(RESIDENT_SATISFACTION_ANSWERS)
    first = _now()
    await responses.claim_and_complete(state.link_id, state.response_id, text, first)
    with pytest.raises(responses.AlreadySubmitted):
        await responses.claim_and_complete(state.link_id, state.response_id, "{}", _now())
    row = await SurveyResponse.select(SurveyResponse.answers, SurveyResponse.status).first()
    assert row is not None and row["status"] == "complete"
    stored = row["answers"]
    assert (json.loads(stored) if isinstance(stored, str) else stored) == (
        RESIDENT_SATISFACTION_ANSWERS
    )
