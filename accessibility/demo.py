"""Demo accessibility data: a sample council website with real barriers, and the service itself.

Two sites, each with a weekly schedule ("Every Monday at 06:00") and queued runs that the
in-process worker picks up once the service is running. Both are real audits of real pages,
not invented findings; they may be on a private address because they are our own.

- The sample council website (``accessibility/demo_site.py``, served by the service at
  ``/demo-council/``): ten pages with a dozen barriers our checks catch, so a new web-team
  user's first report has findings, screenshots and a draft statement. Two runs are queued,
  the second to start once the first has finished (`runs.queue_run(after=...)`): it sees
  this week's version of one page, so its report has new and fixed issues.
- This Resident Voice service, at the demo's base URL.

Re-running finds the sites by name and adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from accessibility import services
from accessibility.demo_site import DEMO_COUNCIL_PATH, DEMO_COUNCIL_SITE
from accessibility.schemas import SiteIn
from accessibility.tables import Site

DEMO_SITE = "Resident Voice (this service)"


async def _existing(name: str) -> int | None:
    row = await Site.select(Site.id).where(Site.name == name).first()
    return None if row is None else int(row["id"])


async def load_demo(out: Callable[[str], None], base_url: str) -> None:
    sample_id = await _existing(DEMO_COUNCIL_SITE)
    if sample_id is not None:
        out(
            f"Accessibility: sample council site exists "
            f"({base_url}/staff/accessibility/sites/{sample_id})."
        )
    else:
        start = f"{base_url}{DEMO_COUNCIL_PATH}/"
        sample_id = await services.create_site(
            SiteIn(
                name=DEMO_COUNCIL_SITE,
                start_urls=[start],
                max_pages=15,
                max_depth=2,
                rate_limit=5,
                allow_private=True,
                schedule="0 6 * * 1",
                notify_email="web@northbridge.example.gov.uk",
            )
        )
        first = await services.queue_run(sample_id, trigger="manual")
        # the second waits for the first, even on a worker that runs jobs side by side:
        # it must see this week's bins.html and be compared with the first run
        second = await services.queue_run(sample_id, trigger="manual", after=first)
        out(
            f"Accessibility: sample council site {start} (a dozen real barriers) is audited "
            f"every Monday at 06:00; runs {first} and {second} are queued (the second sees "
            "one page changed: new and fixed issues). Reports at "
            f"{base_url}/staff/accessibility/runs/{second} once done."
        )
    existing = await _existing(DEMO_SITE)
    if existing is not None:
        link = f"{base_url}/staff/accessibility/sites/{existing}"
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
