"""A queued audit run through the real job queue: crawl, browser, checks, stored run, email.

SQLite only: the database paths are covered on both engines in test_a11y_services.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accessibility import services
from accessibility.schemas import SiteIn
from service.jobs import registry, run_until_empty
from service.settings import get_settings

pytestmark = [pytest.mark.browser, pytest.mark.db, pytest.mark.slow]


@pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
async def test_queued_run_is_audited_stored_and_emailed(
    db: Any, a11y_site: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITS_DIR", str(tmp_path))
    assert "accessibility.run_audit" in registry()
    site_id = await services.create_site(
        SiteIn(
            name="Fixture site",
            start_urls=[f"{a11y_site}/index.html"],
            include_patterns=[r"^/(index\.html|barriers/form-labels\.html)$"],
            allow_private=True,
            rate_limit=50,
            notify_email="web@council.example.gov.uk",
        )
    )
    outbox = get_settings().outbox_dir
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    run_id = await services.queue_run(site_id)
    assert await run_until_empty() == 1
    run = await services.get_run(run_id)
    assert run["status"] == "done", run["error"]
    assert run["engine"]["axe_core"] and run["engine"]["chromium"]
    assert run["summary"]["pages"] == 2 and run["summary"]["issues"] >= 1
    view = await services.report_view(run_id)
    labels = [i for i in view.issues if i.rule == "form-labels" and i.kind == "violation"]
    assert labels and all(i.change == "new" for i in view.issues)
    assert any(i.screenshot_src for i in labels)
    assert list((tmp_path / str(run_id)).glob("*.png")), "screenshots are stored as files"
    sent = set(outbox.glob("*.eml")) - before
    assert len(sent) == 1 and f"/staff/accessibility/runs/{run_id}" in next(iter(sent)).read_text()
