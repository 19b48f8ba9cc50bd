"""Panel's resident pages (unsubscribe, self-service) pass our full auditor with no violations."""

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
