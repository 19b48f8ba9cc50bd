"""A password reset or a disabled account ends that account's sessions everywhere.

Before: sessions carried only the user id, so a reset left every signed-in browser (the
stolen one included) signed in until the session expired.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from service.accounts import set_active, set_password
from tests.conftest import create_staff, sign_in

pytestmark = pytest.mark.db


@pytest.fixture
async def two_browsers(app: Any, db: Any) -> AsyncIterator[tuple[Any, Any]]:
    async with (
        AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as first,
        AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as second,
    ):
        first.follow_redirects = second.follow_redirects = False
        yield first, second


async def _signed_in(client: Any) -> bool:
    response = await client.get("/staff")
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


async def _both_signed_in(two_browsers: tuple[Any, Any]) -> tuple[Any, str]:
    user, password = await create_staff("research_officer")
    for client in two_browsers:
        assert (await sign_in(client, user.email, password)).status_code == 303
        assert await _signed_in(client)
    return user, password


async def test_a_password_reset_signs_out_every_session(two_browsers: tuple[Any, Any]) -> None:
    user, _ = await _both_signed_in(two_browsers)
    await set_password(user.email, "a-brand-new-password-1")
    assert [await _signed_in(c) for c in two_browsers] == [False, False]
    # The new password works and makes a session again.
    first = two_browsers[0]
    assert (await sign_in(first, user.email, "a-brand-new-password-1")).status_code == 303
    assert await _signed_in(first)


async def test_disabling_signs_out_everywhere_and_re_enabling_does_not_revive(
    two_browsers: tuple[Any, Any],
) -> None:
    user, password = await _both_signed_in(two_browsers)
    await set_active(user.email, False)
    assert [await _signed_in(c) for c in two_browsers] == [False, False]
    await set_active(user.email, True)
    assert [await _signed_in(c) for c in two_browsers] == [False, False]
    assert (await sign_in(two_browsers[1], user.email, password)).status_code == 303
    assert await _signed_in(two_browsers[1])


async def test_a_disabled_account_cannot_sign_in(two_browsers: tuple[Any, Any]) -> None:
    user, password = await create_staff("admin")
    await set_active(user.email, False)
    assert (await sign_in(two_browsers[0], user.email, password)).status_code == 400
