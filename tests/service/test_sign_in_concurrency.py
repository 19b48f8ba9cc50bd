"""Sign-in under parallel load: Argon2 off the event loop, and a lock-out that holds.

Before: `verify_password` ran on the event loop (every other request waited ~the whole hash),
and the lock-out counted failures, verified, then recorded, so 50 guesses sent together all
saw "0 failures so far" and all were verified.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from service.accounts import SignInRefused, authenticate
from service.security import verify_password
from service.tables import SignInAttempt
from tests.conftest import create_staff

pytestmark = pytest.mark.db


async def _guess(email: str, password: str, settings: Any, address: str = "192.0.2.7") -> str:
    try:
        await authenticate(email, password, address, settings)
    except SignInRefused as refused:
        return refused.reason
    return "signed-in"


async def test_fifty_parallel_wrong_guesses_never_exceed_the_account_limit(
    db: Any, settings: Any
) -> None:
    user, password = await create_staff("admin")
    outcomes = await asyncio.gather(
        *(_guess(user.email, f"wrong-{i}", settings) for i in range(50))
    )
    limit = settings.signin_max_failures_account
    assert outcomes.count("credentials") == limit, outcomes
    assert outcomes.count("locked") == 50 - limit
    assert await SignInAttempt.count() == limit
    # And the account stays locked for the right password too.
    assert await _guess(user.email, password, settings) == "locked"


async def test_parallel_guesses_from_one_address_never_exceed_the_address_limit(
    db: Any, settings: Any
) -> None:
    outcomes = await asyncio.gather(
        *(_guess(f"person{i}@council.example.gov.uk", "wrong", settings) for i in range(50))
    )
    limit = settings.signin_max_failures_address
    assert outcomes.count("credentials") == limit, outcomes
    assert outcomes.count("address") == 50 - limit


async def test_a_good_sign_in_is_recorded_as_a_success(db: Any, settings: Any) -> None:
    user, password = await create_staff("admin")
    assert await _guess(user.email, password, settings) == "signed-in"
    rows = await SignInAttempt.select(SignInAttempt.succeeded)
    assert [r["succeeded"] for r in rows] == [True]


async def test_password_verification_does_not_block_the_event_loop(db: Any, settings: Any) -> None:
    user, _ = await create_staff("admin")
    started = time.perf_counter()
    verify_password(None, "x")
    hash_time = time.perf_counter() - started

    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.002)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    for _ in range(3):
        await _guess(user.email, "wrong-password", settings)
    stop.set()
    await task
    # On the loop, one verification stalls the ticker for the whole hash time.
    assert max(gaps) < hash_time * 0.6, (max(gaps), hash_time)
