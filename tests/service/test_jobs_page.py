"""Administrators see the job queue with errors, and can retry a failed job (CSRF form)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accessibility.audit import SignIn
from service import jobs
from service.tables import Job
from tests.conftest import create_staff, post_form
from tests.e2e.test_own_pages_audit import SQLITE_ONLY, audit, violations

pytestmark = pytest.mark.db

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


async def test_admins_see_jobs_by_status_with_errors_and_retry_a_failed_one(
    client: Any, staff_login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def breaks() -> None:
        raise ValueError("mail server said no")

    async def works() -> None:
        return None

    monkeypatch.setattr(jobs, "registry", lambda: {"t.breaks": breaks, "t.works": works})
    failed = await jobs.enqueue("t.breaks", max_attempts=1)
    await jobs.enqueue("t.works")
    await jobs.run_until_empty()
    queued = await jobs.enqueue("t.works", delay_s=3600)

    await staff_login(client, "research_officer")
    assert (await client.get("/staff/jobs")).status_code == 403
    client.cookies.clear()
    await staff_login(client, "admin")
    page = await client.get("/staff/jobs")
    assert page.status_code == 200
    for heading in ("Queued (1)", "Running (0)", "Failed (1)", "Done (1)"):
        assert heading in page.text
    assert "ValueError: mail server said no" in page.text
    assert f'action="/staff/jobs/{failed}/retry"' in page.text
    assert 'href="/staff/jobs"' in page.text  # in the administrators' navigation

    no_csrf = await client.post(f"/staff/jobs/{failed}/retry")
    assert no_csrf.status_code == 403
    assert (await Job.select(Job.status).where(Job.id == failed).first())["status"] == "failed"
    done = await post_form(client, f"/staff/jobs/{failed}/retry", {})
    assert done.status_code == 303 and done.headers["location"] == "/staff/jobs?retried=true"
    assert (await Job.select(Job.status).where(Job.id == failed).first())["status"] == "queued"
    again = await post_form(client, f"/staff/jobs/{queued}/retry", {})
    assert again.status_code == 404, "only failed jobs are retried"


@pytest.mark.browser
@pytest.mark.slow
@SQLITE_ONLY
async def test_jobs_page_has_no_violations(
    db: Any, live_server: Any, browser: Any, page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = jobs._now()
    await Job.insert(
        Job(name="surveys.send_messages", status="queued", run_after=now),
        Job(name="accessibility.run_audit", status="running", attempts=1, lease_until=now),
        Job(
            name="surveys.send_messages",
            status="failed",
            attempts=3,
            finished_at=now,
            last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        ),
        Job(name="service.purge_sessions", status="done", attempts=1, finished_at=now),
    )
    user, password = await create_staff("admin")
    monkeypatch.setenv("RV_AUDIT_SECRET_EMAIL", user.email)
    monkeypatch.setenv("RV_AUDIT_SECRET_PASSWORD", password)
    signin = SignIn(
        url=f"{live_server.url}/staff/sign-in",
        fields={"#email": "$RV_AUDIT_SECRET_EMAIL", "#password": "${RV_AUDIT_SECRET_PASSWORD}"},
    )
    result = await audit([live_server.url + "/staff/jobs"], browser, signin)
    assert next(p.audit.title for p in result.pages).startswith("Background jobs")
    problems = violations(result)
    assert problems == [], "\n".join(problems)

    await page.goto(f"{live_server.url}/staff/sign-in")
    await page.fill("#email", user.email)
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.goto(live_server.url + "/staff/jobs")
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "jobs-page.png"), full_page=True)
    assert await page.locator("h1").inner_text() == "Background jobs"
