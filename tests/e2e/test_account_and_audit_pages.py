"""The account page (API tokens), the audit log and the survey export form pass our auditor."""

from __future__ import annotations

from typing import Any

import pytest

from service import api_tokens, audit
from service.tables import StaffUser
from tests.conftest import create_staff
from tests.e2e.test_own_pages_audit import SQLITE_ONLY, violations
from tests.e2e.test_own_pages_audit import audit as run_audit
from tests.surveys.conftest import store_bank

pytestmark = [pytest.mark.browser, pytest.mark.db, pytest.mark.slow]


@SQLITE_ONLY
async def test_account_audit_and_export_pages_have_no_violations(
    db: Any, live_server: Any, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accessibility.audit import SignIn

    await store_bank("resident-satisfaction")
    user, password = await create_staff("admin")
    owner = await StaffUser.objects().where(StaffUser.id == user.id).first()
    assert owner is not None
    await api_tokens.create(owner, "Satisfaction notebook")
    revoked = await api_tokens.create(owner, "Old laptop")
    await api_tokens.revoke(owner, revoked.id)
    await audit.record(
        owner, "export", "survey resident-satisfaction", detail="csv, 12 rows", reason="SAR 114"
    )
    monkeypatch.setenv("RV_AUDIT_SECRET_EMAIL", user.email)
    monkeypatch.setenv("RV_AUDIT_SECRET_PASSWORD", password)
    signin = SignIn(
        url=f"{live_server.url}/staff/sign-in",
        fields={"#email": "$RV_AUDIT_SECRET_EMAIL", "#password": "${RV_AUDIT_SECRET_PASSWORD}"},
    )
    result = await run_audit(
        [
            f"{live_server.url}/staff/account",
            f"{live_server.url}/staff/audit",
            f"{live_server.url}/staff/surveys/resident-satisfaction",
        ],
        browser,
        signin,
    )
    titles = [p.audit.title for p in result.pages]
    assert not any("Sign in" in t for t in titles), titles
    problems = violations(result)
    assert problems == [], "\n".join(problems)
