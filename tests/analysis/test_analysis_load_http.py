"""analysis.load(survey, url=..., token=...) against the real service over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pandas as pd
import pytest

import analysis
from analysis.errors import AnalysisError
from service import api_tokens
from service.accounts import create_user
from service.tables import ApiToken, StaffUser
from surveys.services import responses
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS, new_member, store_bank

SQLITE_ONLY = pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
SLUG = "resident-satisfaction"
pytestmark = [pytest.mark.db, pytest.mark.slow]


async def _seed() -> None:
    await store_bank(SLUG)
    staff = await create_user("pm@council.example.gov.uk", "PM", "panel_manager", "x" * 16)
    await new_member("P-HTTP0001")
    for mode, council, member in (
        ("paper", "fairly_satisfied", "P-HTTP0001"),
        ("phone", "very_dissatisfied", None),
    ):
        await responses.record_assisted(
            SLUG,
            {**RESIDENT_SATISFACTION_ANSWERS, "council_satisfaction": council},
            mode=mode,
            entered_by=int(staff.id),
            member_reference=member,
        )


async def _token(role: str) -> str:
    user = await create_user(f"{role}@council.example.gov.uk", role, role, "y" * 16)
    return (await api_tokens.create(user, "notebook")).token


@SQLITE_ONLY
async def test_load_over_http_builds_the_same_frame_as_the_database_path(
    db: Any, live_server: Any
) -> None:
    await _seed()
    token = await _token("research_officer")
    over_http = await analysis.aload(SLUG, url=live_server.url, token=token)
    direct = await analysis.aload(SLUG)
    assert len(over_http) == 2
    # Respondents are keyed pseudonyms over HTTP, never the panel reference.
    assert "P-HTTP0001" in set(direct["respondent_id"])
    assert all(str(r).startswith("R-") for r in over_http["respondent_id"])
    # The same frame, coarsened as every pseudonymous export is (export_policy): response ids
    # keyed, dates not times, no ward with fewer than 10 respondents.
    assert all(str(r).startswith("S-") for r in over_http["response_id"])
    for col in ("started_at", "submitted_at"):
        pd.testing.assert_series_equal(over_http[col], direct[col].dt.floor("D"))
    assert over_http["panel_ward"].isna().all()
    coarse = ["respondent_id", "response_id", "started_at", "submitted_at", "panel_ward"]
    pd.testing.assert_frame_equal(over_http.drop(columns=coarse), direct.drop(columns=coarse))
    # the synchronous form, from inside this running loop (as in Jupyter)
    again = await asyncio.to_thread(analysis.load, SLUG, url=live_server.url, token=token)
    pd.testing.assert_frame_equal(again, over_http)
    used = await ApiToken.select(ApiToken.last_used_at).first()
    assert used is not None and used["last_used_at"] is not None


@SQLITE_ONLY
async def test_refused_tokens_say_why(db: Any, live_server: Any) -> None:
    await _seed()
    web = await _token("web_team")
    with pytest.raises(AnalysisError, match="HTTP 403"):
        await analysis.aload(SLUG, url=live_server.url, token=web)
    officer = await _token("research_officer")
    await ApiToken.update({ApiToken.revoked_at: dt.datetime.now(dt.UTC)}).where(
        ApiToken.owner
        == (await StaffUser.select(StaffUser.id).where(StaffUser.role == "research_officer"))[0][
            "id"
        ]
    )
    with pytest.raises(AnalysisError, match="HTTP 401"):
        await analysis.aload(SLUG, url=live_server.url, token=officer)
    with pytest.raises(AnalysisError, match="HTTP 401"):
        await analysis.aload(SLUG, url=live_server.url, token="rv_not-a-token")
    with pytest.raises(AnalysisError, match="HTTP 404"):
        await analysis.aload("no-such-survey", url=live_server.url, token=await _token("admin"))


def test_a_token_never_travels_over_plain_http_to_another_host() -> None:
    with pytest.raises(AnalysisError, match="https"):
        analysis.load(SLUG, url="http://rv.example.gov.uk", token="rv_x")
    with pytest.raises(AnalysisError, match="url"):
        analysis.load(SLUG, token="rv_x")
