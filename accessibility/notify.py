"""The e-mail a site's contacts get when its audit finishes."""

from __future__ import annotations

from typing import Any

from accessibility.runs import get_run
from service.mail import Mail, send_mail
from service.settings import get_settings

__all__ = ["email_summary"]


async def email_summary(run_id: int, site: dict[str, Any]) -> None:
    """A short summary to the site's contacts with a link to the full report."""
    run = await get_run(run_id)
    s = run["summary"]
    link = f"{get_settings().public_url.rstrip('/')}/staff/accessibility/runs/{run_id}"
    text = (
        f"Accessibility audit of {site['name']} finished.\n\n"
        f"Pages checked: {s.get('pages', 0)}\n"
        f"Distinct problems: {s.get('issues', 0)} on {s.get('pages_with_violations', 0)} pages\n"
        f"New since last run: {s.get('new', 0)}\n"
        f"Fixed since last run: {s.get('fixed', 0)}\n"
        f"To check by hand: {s.get('review_issues', 0)}\n"
        f"Broken links: {s.get('broken_links', 0)}\n\n"
        f"Full report: {link}\n"
    )
    for address in [a.strip() for a in site["notify_email"].split(",") if a.strip()]:
        await send_mail(
            Mail(
                to=address,
                subject=f"Accessibility audit: {site['name']} – {s.get('issues', 0)} problems, "
                f"{s.get('new', 0)} new",
                text=text,
            )
        )
