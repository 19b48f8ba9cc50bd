"""The demo sites are created once, with queued runs; re-running adds nothing. The sample
council website is served publicly and changes one page once it has been audited."""

from __future__ import annotations

import re
from typing import Any

import pytest

from accessibility.demo import DEMO_SITE, load_demo
from accessibility.demo_site import _BINS_THIS_WEEK, ASSETS, DEMO_COUNCIL_SITE, PAGES
from accessibility.tables import AuditRun, Site

pytestmark = pytest.mark.db


async def test_demo_is_idempotent(db: Any) -> None:
    lines: list[str] = []
    await load_demo(lines.append, "http://127.0.0.1:8000")
    await load_demo(lines.append, "http://127.0.0.1:8000")
    assert await Site.count().where(Site.name == DEMO_SITE) == 1
    assert await Site.count().where(Site.name == DEMO_COUNCIL_SITE) == 1
    assert await AuditRun.count() == 3  # two of the sample site, one of the service
    assert "Every Monday at 06:00".lower() in lines[0].lower()
    assert "http://127.0.0.1:8000/demo-council/" in lines[0] and "queued" in lines[0]
    assert "queued" in lines[1]
    assert "exists" in lines[2] and "exists" in lines[3]


async def test_sample_site_is_public_and_changes_after_its_first_audit(client: Any) -> None:
    home = await client.get("/demo-council/")
    assert home.status_code == 200 and "Northbridge Council" in home.text
    assert home.headers["content-type"].startswith("text/html")
    assert len(PAGES) >= 8
    for path in PAGES:
        assert (await client.get(f"/demo-council/{path}")).status_code == 200, path
    assert (await client.get("/demo-council/nothing.html")).status_code == 404
    # the service's CSP allows only its own files: no inline script or style, or the
    # barriers they make would never exist for the auditor
    assert "script-src 'self'" in home.headers["content-security-policy"]
    linked: set[str] = set()
    for page in [*PAGES.values(), _BINS_THIS_WEEK]:
        assert "<script>" not in page and "<style" not in page and " style=" not in page
        linked |= set(re.findall(r'(?:src|href)="([a-z-]+\.(?:js|css))"', page))
    assert linked == set(ASSETS)
    for name, (_text, media_type) in ASSETS.items():
        asset = await client.get(f"/demo-council/{name}")
        assert asset.status_code == 200, name
        assert asset.headers["content-type"] == f"{media_type}; charset=utf-8", name
    await load_demo(lambda _: None, "http://127.0.0.1:8000")
    before = (await client.get("/demo-council/bins.html")).text
    assert 'class="toast"' in before and 'id="bin-area"' not in before
    site = await Site.select(Site.id).where(Site.name == DEMO_COUNCIL_SITE).first()
    await AuditRun.update({AuditRun.status: "done"}).where(
        AuditRun.id
        == (await AuditRun.select(AuditRun.id).where(AuditRun.site == site["id"]).first())["id"]
    )
    after = (await client.get("/demo-council/bins.html")).text
    assert 'class="toast"' not in after and 'id="bin-area"' in after
