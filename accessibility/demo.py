"""Demo accessibility data: the service audits itself.

One site — this Resident Voice service, at the demo's base URL — with a weekly schedule and
one queued run, which the in-process worker picks up once the service is running. It is a
real audit of real pages, not invented findings; the site is allowed to be on a private
address because it is our own. Re-running finds the site by name and adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from accessibility import services
from accessibility.schemas import SiteIn
from accessibility.tables import Site

DEMO_SITE = "Resident Voice (this service)"


async def load_demo(out: Callable[[str], None], base_url: str) -> None:
    existing = await Site.select(Site.id).where(Site.name == DEMO_SITE).first()
    if existing is not None:
        link = f"{base_url}/staff/accessibility/sites/{existing['id']}"
        out(f"Accessibility: demo site exists ({link}).")
        return
    site_id = await services.create_site(
        SiteIn(
            name=DEMO_SITE,
            start_urls=[f"{base_url}/"],
            max_pages=20,
            max_depth=2,
            rate_limit=5,
            allow_private=True,
            schedule="0 6 * * 1",
            notify_email="web@northbridge.example.gov.uk",
        )
    )
    run_id = await services.queue_run(site_id, trigger="manual")
    out(
        f"Accessibility: site '{DEMO_SITE}' audits {base_url}/ every Monday at 06:00; run "
        f"{run_id} is queued (report at {base_url}/staff/accessibility/runs/{run_id} once done)."
    )
