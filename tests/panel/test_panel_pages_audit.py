"""Panel's resident pages (unsubscribe, sign-up, self-service) pass our full auditor with no
violations."""

from __future__ import annotations

from typing import Any

import pytest

from panel import services
from tests.e2e.test_own_pages_audit import SQLITE_ONLY, audit, violations
from tests.panel.test_contract import new_member

pytestmark = [pytest.mark.browser, pytest.mark.db, pytest.mark.slow]


@SQLITE_ONLY
async def test_unsubscribe_and_self_service_pages_have_no_violations(
    db: Any, live_server: Any, browser: Any
) -> None:
    member = await new_member()
    urls = [
        live_server.url + await services.issue_unsubscribe_link(member, "email"),
        live_server.url + await services.self_service_link(member),
        f"{live_server.url}/panel/unsubscribe/not-a-token",
    ]
    result = await audit(urls, browser)
    assert sorted(p.audit.http_status for p in result.pages) == [200, 200, 404]
    problems = violations(result)
    assert problems == [], "\n".join(problems)


@SQLITE_ONLY
async def test_sign_up_and_self_service_pages_have_no_violations(
    db: Any, live_server: Any, browser: Any
) -> None:
    """The pages a URL reaches alone (later sign-up steps need the answers before them; the
    browser journey in tests/e2e/test_panel_resident_pages.py audits those with axe)."""
    member = await new_member()
    me = live_server.url + await services.self_service_link(member)
    urls = [
        f"{live_server.url}/panel/join",
        f"{live_server.url}/panel/join?lang=cy",
        f"{live_server.url}/panel/join/name",
        f"{live_server.url}/panel/confirm/some-token",
        me,
        f"{me}/details",
        f"{me}/preferences",
        f"{me}/pause",
        f"{me}/leave",
        f"{me}/data",
        f"{me}/erasure",
        f"{live_server.url}/panel/me/not-a-token",
    ]
    result = await audit(urls, browser)
    assert sorted(p.audit.http_status for p in result.pages) == [200] * 11 + [404]
    problems = violations(result)
    assert problems == [], "\n".join(problems)
