"""Count-then-insert rate limits hold under parallel requests (service.db.serialise_on).

Without the per-key turn-taking, every one of 30 parallel starts counts the same rows
(none) and is let through; with it, exactly the limit pass and the rest are refused.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytestmark = pytest.mark.db


async def test_parallel_open_link_starts_stop_at_the_hourly_limit(db: Any) -> None:
    from surveys.services import definitions_store, links
    from surveys.services.errors import RateLimited
    from surveys.tables import SurveyLink
    from tests.surveys.conftest import store_bank

    await store_bank("resident-satisfaction")
    await definitions_store.set_open_link("resident-satisfaction", True)

    async def start() -> str:
        try:
            await links.start_open("resident-satisfaction", "same-address")
        except RateLimited:
            return "refused"
        return "started"

    outcomes = await asyncio.gather(*(start() for _ in range(30)))
    assert outcomes.count("started") == links.OPEN_STARTS_PER_HOUR
    assert outcomes.count("refused") == 30 - links.OPEN_STARTS_PER_HOUR
    assert await SurveyLink.count() == links.OPEN_STARTS_PER_HOUR
    # Another address is not held up by the first one's limit.
    await links.start_open("resident-satisfaction", "another-address")


async def test_parallel_sign_up_attempts_stop_at_the_hourly_limit(db: Any) -> None:
    from panel import signup_limits
    from panel.tables import SignupAttempt

    outcomes = await asyncio.gather(*(signup_limits.allow("same-address", 3) for _ in range(25)))
    assert outcomes.count(True) == 3
    assert await SignupAttempt.count() == 3
    assert await signup_limits.allow("another-address", 3)
