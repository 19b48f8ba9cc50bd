"""`/panel/join` final submit is limited per client address (as `request_address` sees it,
behind a trusted proxy); another address is unaffected, and a refused submit stores nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from panel.tables import Member, SignupAttempt
from tests.panel.signup_helpers import walk_signup, with_answers

pytestmark = pytest.mark.db
PROXY = "10.0.0.7"


@pytest.fixture
async def visitors(db: Any, settings: Any) -> AsyncIterator[Any]:
    """`visitor("203.0.113.1")` → a client on an app with a limit of 2 sign-ups an hour,
    arriving through a trusted proxy that forwards for that address."""
    from service.app import create_app

    app = create_app(
        settings.model_copy(
            update={"forwarded_allow_ips": "10.0.0.0/24", "panel_signups_per_hour": 2}
        ),
        run_worker=False,
    )
    clients: list[httpx.AsyncClient] = []

    def make(address: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(PROXY, 40000)),
            base_url="http://127.0.0.1:8000",
            headers={"x-forwarded-for": address},
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


def _answers(n: int) -> Any:
    # A different person each time (name and email), so duplicates are not merged.
    return with_answers(
        name={"first_name": f"Resident{'abcd'[n]}", "last_name": "Jones"},
        email={"email": f"resident{n}@example.org"},
    )


async def test_one_address_is_limited_and_another_is_not(visitors: Any) -> None:
    first = visitors("203.0.113.1")
    for n in range(2):
        done = await walk_signup(first, _answers(n))
        assert done.status_code == 303, done.text[:500]
    assert await Member.count() == 2

    refused = await walk_signup(first, _answers(2))
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "3600"
    assert "Too many sign-ups from here" in refused.text
    assert await Member.count() == 2  # nothing stored for the refused submit

    other = visitors("203.0.113.2")
    allowed = await walk_signup(other, _answers(3))
    assert allowed.status_code == 303
    assert await Member.count() == 3
    # Only keyed hashes of addresses are kept, never the address.
    hashes = {r["address_hash"] for r in await SignupAttempt.select(SignupAttempt.address_hash)}
    assert len(hashes) == 2 and not any("203.0.113" in h for h in hashes)
