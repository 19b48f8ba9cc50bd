"""An administrator can cancel a run, and a run left "running" by a crash is failed once its
lease runs out (issue 9)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from accessibility import leases, services
from accessibility.schemas import SiteIn
from accessibility.tables import AuditPage, AuditRun
from tests.accessibility.platform.conftest import html
from tests.conftest import csrf_token, post_form

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


async def _site(start: str = "https://council.example/", **extra: Any) -> int:
    return await services.create_site(SiteIn(name="Council", start_urls=[start], **extra))


async def _status(run_id: int) -> str:
    return str((await services.get_run(run_id))["status"])


@pytest.mark.browser
@pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
async def test_cancelling_a_running_audit_stops_it(
    db: Any, browser: Any, make_site: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITS_DIR", str(tmp_path))
    monkeypatch.setattr(leases, "HEARTBEAT_S", 0.2)
    links = "".join(f'<a href="/p{i}">Page {i}</a>' for i in range(30))
    site = make_site({"/": html(links), **{f"/p{i}": html(links) for i in range(30)}})
    site_id = await _site(f"{site.url}/", allow_private=True, rate_limit=0.5)
    run_id = await services.queue_run(site_id, background=False)
    running = asyncio.create_task(services.execute_run(run_id, browser=browser))
    for _ in range(100):
        if await _status(run_id) == "running":
            break
        await asyncio.sleep(0.05)
    run = await services.get_run(run_id)
    assert run["status"] == "running" and run["lease_until"] is not None
    await services.cancel_run(run_id, "admin@council.example.gov.uk")
    await asyncio.wait_for(running, timeout=10)
    run = await services.get_run(run_id)
    assert run["status"] == "cancelled"
    assert run["cancelled_by"] == "admin@council.example.gov.uk"
    assert await AuditPage.count().where(AuditPage.run == run_id) == 0, "nothing stored"
    requests = len(site.paths())
    await asyncio.sleep(2.5)
    assert len(site.paths()) == requests < 10, "the crawl stopped with the run"
    with pytest.raises(services.RunNotActive):
        await services.cancel_run(run_id, "admin@council.example.gov.uk")


async def test_a_run_left_running_is_failed_when_its_lease_expires(db: Any) -> None:
    site_id = await _site()
    rows = {
        "expired": dict(lease_until=NOW - dt.timedelta(seconds=1)),
        "live": dict(lease_until=NOW + dt.timedelta(seconds=60)),
        "old_no_lease": dict(started_at=NOW - dt.timedelta(hours=1)),
        "new_no_lease": dict(started_at=NOW - dt.timedelta(seconds=5)),
    }
    ids = {}
    for name, columns in rows.items():
        run = AuditRun(site=site_id, status="running", **columns)
        await run.save()
        ids[name] = int(run.id)
    done = AuditRun(site=site_id, status="done", lease_until=NOW - dt.timedelta(hours=1))
    await done.save()
    assert await services.fail_expired_runs(NOW) == sorted([ids["expired"], ids["old_no_lease"]])
    assert {name: await _status(i) for name, i in ids.items()} == {
        "expired": "failed",
        "live": "running",
        "old_no_lease": "failed",
        "new_no_lease": "running",
    }
    assert "lease expired" in (await services.get_run(ids["expired"]))["error"]
    assert await _status(int(done.id)) == "done"


async def test_a_cancelled_queued_run_is_never_started(db: Any) -> None:
    run_id = await services.queue_run(await _site(), background=False)
    await services.cancel_run(run_id, "admin@council.example.gov.uk")
    await services.execute_run(run_id)  # the job queue still holds it
    assert await _status(run_id) == "cancelled"


async def test_the_api_lets_only_administrators_cancel(client: Any, staff_login: Any) -> None:
    run_id = await services.queue_run(await _site(), background=False)
    await staff_login(client, "web_team")
    headers = {"x-csrftoken": await csrf_token(client)}
    url = f"/api/accessibility/runs/{run_id}/cancel"
    assert (await client.post(url, headers=headers)).status_code == 403
    assert await _status(run_id) == "queued"
    admin = await staff_login(client, "admin")
    headers = {"x-csrftoken": await csrf_token(client)}
    cancelled = await client.post(url, headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert (await services.get_run(run_id))["cancelled_by"] == admin.email
    again = await client.post(url, headers=headers)
    assert again.status_code == 409 and again.json()["errors"][0]["path"] == "run_id"
    missing = await client.post("/api/accessibility/runs/999999/cancel", headers=headers)
    assert missing.status_code == 404
    assert (await client.post(url)).status_code == 403, "no CSRF header, no cancel"


async def test_the_site_page_has_a_cancel_button_for_administrators(
    client: Any, staff_login: Any
) -> None:
    site_id = await _site()
    run_id = await services.queue_run(site_id, background=False)
    page = f"/staff/accessibility/sites/{site_id}"
    action = f"/staff/accessibility/runs/{run_id}/cancel"
    await staff_login(client, "web_team")
    assert f"Cancel run {run_id}" not in (await client.get(page)).text
    refused = await post_form(client, action, {})
    assert refused.status_code == 403 and await _status(run_id) == "queued"
    admin = await staff_login(client, "admin")
    shown = await client.get(page)
    assert f'action="{action}"' in shown.text and f"Cancel run {run_id}" in shown.text
    done = await post_form(client, action, {}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == page
    assert await _status(run_id) == "cancelled"
    after = (await client.get(page)).text
    assert f"cancelled by {admin.email}" in after and f"Cancel run {run_id}" not in after
    missing = await client.post(action, data={}, follow_redirects=False)
    assert missing.status_code == 403, "no CSRF token, no cancel"
