"""Stored runs on both databases: sites, queued and scheduled runs, comparison with the last
run (new, fixed, still, back again), marks that carry over, reports, email. No browser: the
audit results are built by tests/accessibility/platform/fakes.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from accessibility import services
from accessibility.reports.csv_report import to_csv
from accessibility.schemas import MarkIn, SiteIn
from accessibility.tables import AuditRun, Site
from service.tables import Job
from tests.accessibility.platform.fakes import fake_result

pytestmark = pytest.mark.db

BASE = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def _audits_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AUDITS_DIR", str(tmp_path / "audits"))
    return tmp_path / "audits"


async def new_site(**kwargs: Any) -> int:
    fields: dict[str, Any] = {"name": "Council website", "start_urls": [f"{BASE}/"], **kwargs}
    return await services.create_site(SiteIn(**fields))


async def stored_run(site_id: int, pages: dict[str, list[tuple[str, ...]]], **kwargs: Any) -> int:
    run = AuditRun(site=site_id, status="running")
    await run.save()
    await services.store_result(int(run.id), site_id, fake_result(pages, **kwargs))
    return int(run.id)


async def test_site_settings_are_validated_field_by_field(db: Any) -> None:
    with pytest.raises(services.SiteError) as caught:
        await services.create_site(
            SiteIn(
                name="",
                start_urls=["ftp://x"],
                max_pages=0,
                schedule="every monday",
                include_patterns=["(oops"],
            )
        )
    fields = {f for f, _ in caught.value.errors}
    assert fields == {
        "name",
        "start_urls",
        "max_pages",
        "schedule",
        "notify_email",
        "include_patterns",
    }
    assert await Site.count() == 0
    site_id = await new_site(schedule="0 6 * * 1", notify_email="web@council.example.gov.uk")
    site = await services.get_site(site_id)
    assert site["start_urls"] == [f"{BASE}/"]
    assert site["next_run_at"] is not None and site["next_run_at"].weekday() == 0
    assert site["next_run_at"].hour == 6


async def test_queue_run_makes_a_job_for_a_configured_site_only(db: Any) -> None:
    site_id = await new_site()
    run_id = await services.queue_run(site_id)
    job = await Job.select().first()
    assert job["name"] == "accessibility.run_audit"
    payload = job["payload"]
    assert (payload if isinstance(payload, dict) else __import__("json").loads(payload)) == {
        "run_id": run_id
    }
    with pytest.raises(services.NotFound):
        await services.queue_run(site_id + 100)
    await services.queue_run(site_id, background=False)  # the CLI runs it itself
    assert await Job.count() == 1 and await AuditRun.count() == 2


async def test_runs_are_compared_with_the_last_one(db: Any) -> None:
    site_id = await new_site()
    first = await stored_run(
        site_id,
        {
            f"{BASE}/": [("image-alt", "#logo"), ("label", "#search")],
            f"{BASE}/a": [
                ("label", "#search"),
                ("color-contrast", ".footer a"),
                ("link-text", "#more", "review"),
            ],
        },
    )
    summary = (await services.get_run(first))["summary"]
    assert summary["issues"] == 3 and summary["review_issues"] == 1
    assert summary["new"] == 3, "new counts sure violations, like issues"
    view = await services.report_view(first)
    assert view.compared_with is None
    assert {i.rule: (len(i.pages), i.change) for i in view.violations} == {
        "label": (2, "new"),
        "image-alt": (1, "new"),
        "color-contrast": (1, "new"),
    }
    assert [i.kind for i in view.issues if i.rule == "link-text"] == ["review"]
    assert view.issues[0].rule == "label", "top problems are ordered by pages affected"

    second = await stored_run(
        site_id,
        {f"{BASE}/": [("label", "#search")], f"{BASE}/a": [("link-text", "main a")]},
    )
    view = await services.report_view(second)
    assert view.compared_with == f"Run {first}"
    assert {i.rule: i.change for i in view.issues} == {"label": "still", "link-text": "new"}
    assert sorted(i.rule for i in view.fixed) == ["color-contrast", "image-alt"]
    run = await services.get_run(second)
    assert run["summary"]["new"] == 1 and run["summary"]["fixed"] == 2

    third = await stored_run(site_id, {f"{BASE}/": [("image-alt", "#logo")], f"{BASE}/a": []})
    changes = {i.rule: i.change for i in (await services.report_view(third)).issues}
    assert changes == {"image-alt": "regressed"}
    assert len((await services.report_view(third)).trend) == 3


async def test_a_page_that_timed_out_does_not_count_as_fixed(db: Any) -> None:
    site_id = await new_site()
    await stored_run(site_id, {f"{BASE}/slow": [("image-alt", "#hero")]})
    second = await stored_run(site_id, {f"{BASE}/slow": []}, status={f"{BASE}/slow": "timeout"})
    assert (await services.report_view(second)).fixed == []


async def test_marks_carry_over_to_later_runs(db: Any, _audits_dir: Path) -> None:
    site_id = await new_site()
    first = await stored_run(site_id, {f"{BASE}/": [("color-contrast", ".brand"), ("label", "#q")]})
    contrast = next(
        i for i in (await services.report_view(first)).issues if i.rule == "color-contrast"
    )
    with pytest.raises(services.SiteError, match="reason"):
        await services.mark_issue(site_id, MarkIn(contrast.fingerprint, "accepted", ""), "web@x")
    with pytest.raises(services.SiteError, match="status"):
        await services.mark_issue(site_id, MarkIn(contrast.fingerprint, "ignored", "why"), "web@x")
    with pytest.raises(services.SiteError, match="no such problem"):
        await services.mark_issue(site_id, MarkIn("0" * 20, "accepted", "why"), "web@x")
    await services.mark_issue(
        site_id,
        MarkIn(contrast.fingerprint, "false_positive", "Brand colour checked by hand"),
        "wen@council",
    )
    second = await stored_run(
        site_id, {f"{BASE}/": [("color-contrast", ".brand"), ("label", "#q")]}
    )
    view = await services.report_view(second)
    marked = next(i for i in view.issues if i.rule == "color-contrast")
    assert marked.mark is not None and marked.mark["status"] == "false_positive"
    assert marked.mark["marked_by"] == "wen@council" and "by hand" in marked.mark["reason"]
    assert not marked.counts
    csv_text = to_csv(view)
    assert "False positive" in csv_text and "Still present" in csv_text
    document = await services.run_json(second)
    marks = {f["rule"]: f["mark"] for p in document["pages"] for f in p["findings"]}
    assert marks == {"color-contrast": "false_positive", "label": None}
    await services.mark_issue(site_id, MarkIn(contrast.fingerprint, "clear", ""), "wen@council")
    assert (await services.marks_for(site_id)) == {}
    # screenshots are files named by content, one per distinct image
    assert [p.name for p in (_audits_dir / str(second)).iterdir()]


async def test_schedules_queue_due_runs_once(db: Any) -> None:
    site_id = await new_site(schedule="*/5 * * * *", notify_email="web@council.example.gov.uk")
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    await Site.update({Site.next_run_at: past}).where(Site.id == site_id)
    queued = await services.enqueue_due_runs()
    assert len(queued) == 1
    assert await services.enqueue_due_runs() == [], "the schedule moved on"
    site = await services.get_site(site_id)
    assert site["next_run_at"] > dt.datetime.now(dt.UTC)
    run = await services.get_run(queued[0])
    assert run["trigger"] == "schedule" and run["status"] == "queued"


async def test_a_run_that_cannot_start_is_recorded_as_failed(db: Any) -> None:
    site_id = await new_site()  # 127.0.0.1 without allow_private: the SSRF guard refuses it
    run_id = await services.queue_run(site_id)
    with pytest.raises(ValueError, match="private, loopback or link-local"):
        await services.execute_run(run_id)
    run = await services.get_run(run_id)
    assert run["status"] == "failed" and "UnsafeURL" in run["error"]


async def test_summary_email_links_to_the_report(db: Any) -> None:
    from service.settings import get_settings

    site_id = await new_site(
        notify_email="web@council.example.gov.uk, editor@council.example.gov.uk"
    )
    run_id = await stored_run(site_id, {f"{BASE}/": [("label", "#q")]})
    outbox = get_settings().outbox_dir
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    await services.email_summary(run_id, await services.get_site(site_id))
    sent = sorted(set(outbox.glob("*.eml")) - before)
    assert len(sent) == 2
    text = sent[0].read_text()
    assert f"/staff/accessibility/runs/{run_id}" in text and "Distinct problems: 1" in text
