"""The web team's pages and the JSON API through the app: guards, forms, reports, downloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from accessibility import services
from accessibility.reports.statement import check_statement
from accessibility.schemas import SiteIn
from accessibility.tables import AuditRun
from tests.accessibility.platform.fakes import fake_result
from tests.conftest import csrf_token, post_form

pytestmark = pytest.mark.db
BASE = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def _audits_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITS_DIR", str(tmp_path / "audits"))


async def seeded_runs() -> tuple[int, int, int]:
    site_id = await services.create_site(SiteIn(name="Council website", start_urls=[f"{BASE}/"]))
    ids = []
    for pages in (
        {
            f"{BASE}/": [("image-alt", "#logo"), ("label", "#search")],
            f"{BASE}/a": [("label", "#search")],
        },
        {f"{BASE}/": [("label", "#search")], f"{BASE}/a": [("color-contrast", ".footer a")]},
    ):
        run = AuditRun(site=site_id, status="running")
        await run.save()
        await services.store_result(
            int(run.id), site_id, fake_result(pages, broken=[f"{BASE}/gone"])
        )
        ids.append(int(run.id))
    return site_id, ids[0], ids[1]


async def test_only_the_web_team_gets_in(client: Any, staff_login: Any) -> None:
    response = await client.get("/staff/accessibility", headers={"accept": "text/html"})
    assert response.status_code in (302, 303, 401)
    await staff_login(client, "research_officer")
    assert (await client.get("/staff/accessibility")).status_code == 403
    assert (await client.get("/api/accessibility/sites")).status_code == 403


async def test_add_site_form_names_bad_fields_then_saves(client: Any, staff_login: Any) -> None:
    await staff_login(client, "web_team")
    bad = await post_form(
        client,
        "/staff/accessibility/sites",
        {"name": "", "start_urls": "not a url", "max_pages": "lots"},
    )
    assert bad.status_code == 400
    assert "Enter a name for the site" in bad.text
    assert 'href="#max-pages"' in bad.text and "Enter a number" in bad.text
    good = await post_form(
        client,
        "/staff/accessibility/sites",
        {
            "name": "Libraries",
            "start_urls": "https://libraries.example.gov.uk/\n",
            "max_pages": "30",
            "schedule": "0 6 * * 1",
            "notify_email": "web@council.example.gov.uk",
        },
    )
    assert good.status_code == 303
    page = await client.get(good.headers["location"])
    assert page.status_code == 200 and "Libraries" in page.text
    # The schedule is shown in words, not as the cron expression it was typed as.
    assert "Every Monday at 06:00" in page.text and "0 6 * * 1" not in page.text
    queued = await post_form(client, good.headers["location"] + "/runs", {})
    assert queued.status_code == 303
    assert "queued" in (await client.get(good.headers["location"])).text


async def test_api_configures_sites_and_queues_runs_by_id_only(
    client: Any, staff_login: Any
) -> None:
    await staff_login(client, "web_team")
    headers = {"x-csrftoken": await csrf_token(client)}
    bad = await client.post(
        "/api/accessibility/sites",
        json={"name": "X", "start_urls": ["https://a.example/"], "concurrency": 99},
        headers=headers,
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "concurrency"
    unknown = await client.post(
        "/api/accessibility/sites",
        json={"name": "X", "start_urls": [], "url": "x"},
        headers=headers,
    )
    assert unknown.status_code == 400 and "url" in unknown.json()["errors"][0]["message"]
    created = await client.post(
        "/api/accessibility/sites",
        json={"name": "X", "start_urls": ["https://a.example/"]},
        headers=headers,
    )
    assert created.status_code == 201
    site_id = created.json()["id"]
    run = await client.post(f"/api/accessibility/sites/{site_id}/runs", headers=headers)
    assert run.status_code == 202
    status = await client.get(f"/api/accessibility/runs/{run.json()['run_id']}")
    assert status.json()["status"] == "queued"
    assert (
        await client.post("/api/accessibility/sites/9999/runs", headers=headers)
    ).status_code == 404


async def test_report_page_downloads_and_statement(client: Any, staff_login: Any) -> None:
    site_id, _first, second = await seeded_runs()
    await staff_login(client, "web_team")
    page = await client.get(f"/staff/accessibility/runs/{second}")
    assert page.status_code == 200
    text = page.text
    assert "Top problems by pages affected" in text and "What is new and what is fixed" in text
    assert "Images must have alternative text" in text  # fixed since the first run
    assert f"/staff/accessibility/runs/{second}/trend.png" in text
    assert f"{BASE}/gone" in text
    shot = text.split("/screenshots/")[1].split('"')[0]
    image = await client.get(f"/staff/accessibility/runs/{second}/screenshots/{shot}")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert (
        await client.get(f"/staff/accessibility/runs/{second}/screenshots/..%2Fsecret.png")
    ).status_code == 404
    chart = await client.get(f"/staff/accessibility/runs/{second}/trend.png")
    assert chart.headers["content-type"] == "image/png" and chart.content.startswith(b"\x89PNG")
    csv_text = (await client.get(f"/staff/accessibility/runs/{second}/report.csv")).text
    assert csv_text.splitlines()[0].startswith("page_url,page_status,rule")
    assert len(csv_text.strip().splitlines()) == 1 + 2
    document = json.loads(
        (await client.get(f"/staff/accessibility/runs/{second}/report.json")).text
    )
    assert {f["rule"] for p in document["pages"] for f in p["findings"]} == {
        "label",
        "color-contrast",
    }
    assert [f["rule"] for f in document["fixed"]] == ["image-alt"]
    statement = await client.get(f"/staff/accessibility/sites/{site_id}/statement")
    assert statement.status_code == 200
    checks = [
        line
        for line in statement.text.splitlines()
        if "Checks the Government Digital Service" in line
    ]
    assert checks and "18 of 18 passed" in checks[0]
    download = await client.get(f"/staff/accessibility/sites/{site_id}/statement/download")
    assert all(check_statement(download.text).values())
    assert "1.3.1" not in download.text or "success criterion 1.3.1" in download.text
    assert "WCAG 2.2 success criterion 4.1.2 (Name, Role, Value)" in download.text


async def test_marking_a_problem_from_the_report(client: Any, staff_login: Any) -> None:
    site_id, _first, second = await seeded_runs()
    user = await staff_login(client, "web_team")
    report = (await client.get(f"/staff/accessibility/runs/{second}")).text
    link = report.split(f'href="/staff/accessibility/runs/{second}/marks/')[1].split('"')[0]
    form = await client.get(f"/staff/accessibility/runs/{second}/marks/{link}")
    assert form.status_code == 200 and "How do you want to mark it?" in form.text
    action = f"/staff/accessibility/sites/{site_id}/marks?run={second}"
    missing = await post_form(
        client, action, {"fingerprint": link, "status": "accepted", "reason": ""}
    )
    assert missing.status_code == 400 and "Enter the reason for the mark" in missing.text
    saved = await post_form(
        client, action, {"fingerprint": link, "status": "accepted", "reason": "Third-party widget"}
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"#issue-{link}")
    marks = await services.marks_for(site_id)
    assert marks[link]["status"] == "accepted" and marks[link]["marked_by"] == user.email
    assert "Accepted" in (await client.get(f"/staff/accessibility/runs/{second}")).text
    unknown = await client.get(f"/staff/accessibility/runs/{second}/marks/{'0' * 20}")
    assert unknown.status_code == 404
