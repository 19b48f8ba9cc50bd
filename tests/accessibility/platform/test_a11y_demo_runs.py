"""The demo's two queued runs of its sample council site, end to end through the job queue.

`resident-voice demo` queues two runs of the sample site at the same moment. A worker that
runs jobs side by side (`resident-voice worker` runs four at once) used to start both
together: both saw the first version of ``bins.html`` and neither was compared with the
other, so the second report had no new or fixed issues. The second run now waits for the
first (`queue_run(after=...)`). Here a worker with two slots runs the demo's jobs against the
real sample site (the service's own handler, served on 127.0.0.1 from this test's event loop
and database); the second report must show new and fixed issues, with screenshots, and the
site's draft accessibility statement must be built from it.

SQLite only (the queue and run paths are covered on both engines elsewhere); slow: two real
audits of the ten sample pages.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from litestar import Litestar

from accessibility import services
from accessibility.demo import DEMO_SITE, load_demo
from accessibility.demo_site import DEMO_COUNCIL_PATH, DEMO_COUNCIL_SITE, serve_demo_council
from accessibility.reports.statement import build_statement
from accessibility.tables import AuditRun, Site
from service import jobs
from service.security import add_security_headers

pytestmark = [pytest.mark.browser, pytest.mark.db, pytest.mark.slow]


@pytest.fixture
async def demo_council() -> AsyncIterator[str]:
    """The sample council site's handler on 127.0.0.1, in this event loop (so it reads the
    test's database, as the service does: ``bins.html`` changes once a run has finished),
    with the service's security headers: its Content-Security-Policy once kept the site's
    inline scripts and styles, and so most of its barriers, from ever running."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = Litestar(route_handlers=[serve_demo_council], before_send=[add_security_headers])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def _site_runs(name: str) -> list[dict[str, Any]]:
    site = await Site.select(Site.id).where(Site.name == name).first()
    return await AuditRun.select().where(AuditRun.site == site["id"]).order_by(AuditRun.id)


@pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
async def test_the_demos_second_run_has_new_and_fixed_issues_on_a_parallel_worker(
    db: Any, demo_council: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITS_DIR", str(tmp_path))
    lines: list[str] = []
    await load_demo(lines.append, demo_council)
    assert f"{demo_council}{DEMO_COUNCIL_PATH}/" in lines[0]
    # the demo's run of the service itself is not what this test is about: cancelled, it is
    # skipped by the worker
    (service_run,) = await _site_runs(DEMO_SITE)
    await AuditRun.update({AuditRun.status: "cancelled"}).where(AuditRun.id == service_run["id"])
    first, second = (r["id"] for r in await _site_runs(DEMO_COUNCIL_SITE))

    worker = jobs.Worker(poll_s=0.2, concurrency=2)  # two jobs side by side
    worker.start()
    started: dict[int, float] = {}
    try:
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            runs = {r["id"]: r for r in await _site_runs(DEMO_COUNCIL_SITE)}
            for run_id in (first, second):
                if runs[run_id]["status"] != "queued":
                    started.setdefault(run_id, time.monotonic())
            if all(runs[r]["status"] in ("done", "failed") for r in (first, second)):
                break
            await asyncio.sleep(0.5)
    finally:
        await worker.stop()
    runs = {r["id"]: r for r in await _site_runs(DEMO_COUNCIL_SITE)}
    assert [runs[first]["status"], runs[second]["status"]] == ["done", "done"], (
        runs[first]["error"],
        runs[second]["error"],
    )
    # the second started only once the first had finished, and was compared with it
    assert runs[second]["started_at"] >= runs[first]["finished_at"]
    assert runs[second]["compared_with"] == first

    one = await services.report_view(first)
    two = await services.report_view(second)
    assert one.summary["pages"] == two.summary["pages"] >= 9
    assert one.summary["issues"] >= 10 and any(i.screenshot_src for i in one.issues)
    bins = f"{demo_council}{DEMO_COUNCIL_PATH}/bins.html"
    new = [i for i in two.issues if i.change == "new"]
    assert two.summary["new"] == len([i for i in new if i.kind == "violation"]) >= 1
    assert new and all(i.pages == [bins] for i in new), [(i.rule, i.pages) for i in new]
    assert two.summary["fixed"] == len(two.fixed) >= 1
    assert all(bins in i.pages for i in two.fixed), [(i.rule, i.pages) for i in two.fixed]
    # the bin-day picker that navigates on change is new; last week's toast is fixed
    assert "context-change" in {i.rule for i in new}, [i.rule for i in new]
    assert {"timed-content", "fake-headings"} <= {i.rule for i in two.fixed}, [
        i.rule for i in two.fixed
    ]
    assert any(i.screenshot_src for i in new)
    # everything not on bins.html is still there, unchanged
    assert all(i.change == "still" for i in two.issues if bins not in i.pages)

    # the draft accessibility statement, from the latest run, lists this week's failures
    st = build_statement(two, website_url=bins, organisation="Northbridge Council",
                         email="web@northbridge.example.gov.uk", phone="01632 960 000")  # fmt: skip
    assert st.status != "fully" and st.pages_tested == two.summary["pages"]
    listed = [n.example_url for ns in st.by_criterion.values() for n in ns]
    assert bins in listed and "3.2.2" in st.by_criterion
