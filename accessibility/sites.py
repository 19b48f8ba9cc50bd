"""Configured sites: storing and reading their settings, and turning them into the crawl and
browser options of an audit.

``allow_private`` lets an audit reach private, loopback and link-local addresses, so it is an
administrator's setting (issue 9): a site's owner on the web team cannot turn it on by form or
API, and who turned it on, and when, is recorded on the site. A caller without an ``actor``
is trusted (the command line, the demo loader, tests: someone with shell access).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from accessibility.errors import NotFound, SiteError
from accessibility.schedules import next_run
from accessibility.schemas import SiteIn, validate_site
from accessibility.storage import now, read_json
from accessibility.tables import AuditRun, Site

if TYPE_CHECKING:  # the audit (Playwright) is imported only to run one, not to list sites
    from accessibility.audit import AuditOptions
    from accessibility.crawl import CrawlConfig

__all__ = [
    "PRIVATE_ADMIN_ONLY",
    "Actor",
    "audit_options_for",
    "crawl_config_for",
    "create_site",
    "get_site",
    "list_sites",
    "update_site",
]


PRIVATE_ADMIN_ONLY = "Only an administrator can allow private network addresses for a site"


@dataclass(frozen=True)
class Actor:
    """The staff user saving a site: whether they may allow private addresses, and their
    name for the record."""

    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _private_values(
    site: SiteIn, current: dict[str, Any] | None, actor: Actor | None
) -> dict[Any, Any]:
    """The allow-private columns to write; SiteError when ``actor`` may not change them.

    A non-administrator never changes the setting: asking to turn it on is refused; leaving
    the box unticked on a site an administrator allowed keeps the administrator's choice.
    """
    was_on = bool(current and current["allow_private"])
    if actor is not None and not actor.is_admin:
        if site.allow_private and not was_on:
            raise SiteError([("allow_private", PRIVATE_ADMIN_ONLY)])
        return {}
    if not site.allow_private:
        return {Site.allow_private: False, Site.allow_private_by: "", Site.allow_private_at: None}
    if was_on:
        return {}
    who = actor.email if actor is not None else "command line"
    return {Site.allow_private: True, Site.allow_private_by: who, Site.allow_private_at: now()}


def _site_values(site: SiteIn) -> dict[Any, Any]:
    return {
        Site.name: site.name.strip(),
        Site.start_urls: json.dumps(site.start_urls),
        Site.sitemaps: json.dumps(site.sitemaps),
        Site.include_patterns: json.dumps(site.include_patterns),
        Site.exclude_patterns: json.dumps(site.exclude_patterns),
        Site.max_pages: site.max_pages,
        Site.max_depth: site.max_depth,
        Site.rate_limit: site.rate_limit,
        Site.concurrency: site.concurrency,
        Site.page_time_limit_s: site.page_time_limit_s,
        Site.schedule: site.schedule.strip(),
        Site.notify_email: site.notify_email.strip(),
        Site.signin: json.dumps(msgspec.to_builtins(site.signin)),
        Site.next_run_at: next_run(site.schedule),
    }


async def create_site(site: SiteIn, actor: Actor | None = None) -> int:
    """Validate and store a site; raises SiteError naming each bad field."""
    errors = validate_site(site)
    if errors:
        raise SiteError(errors)
    columns = {**_site_values(site), **_private_values(site, None, actor)}
    values = {column._meta.name: value for column, value in columns.items()}
    row = Site(**values)
    await row.save()
    return int(row.id)


async def update_site(site_id: int, site: SiteIn, actor: Actor | None = None) -> None:
    errors = validate_site(site)
    if errors:
        raise SiteError(errors)
    current = await get_site(site_id)
    columns = {**_site_values(site), **_private_values(site, current, actor)}
    await Site.update(columns).where(Site.id == site_id)


async def get_site(site_id: int) -> dict[str, Any]:
    row = await Site.select().where(Site.id == site_id).first()
    if row is None:
        raise NotFound(f"no site with id {site_id}")
    for key in ("start_urls", "sitemaps", "include_patterns", "exclude_patterns", "signin"):
        row[key] = read_json(row[key])
    return row


async def list_sites() -> list[dict[str, Any]]:
    """Sites with their latest run (if any), for the overview page and the API."""
    sites = await Site.select().order_by(Site.name)
    out = []
    for row in sites:
        row["start_urls"] = read_json(row["start_urls"])
        last = (
            await AuditRun.select(
                AuditRun.id, AuditRun.status, AuditRun.finished_at, AuditRun.summary
            )
            .where(AuditRun.site == row["id"])
            .order_by(AuditRun.id, ascending=False)
            .first()
        )
        if last is not None:
            last["summary"] = read_json(last["summary"]) or {}
        row["last_run"] = last
        out.append(row)
    return out


def crawl_config_for(site: dict[str, Any]) -> CrawlConfig:
    from accessibility.crawl import CrawlConfig

    return CrawlConfig(
        start_urls=list(site["start_urls"]),
        sitemaps=list(site["sitemaps"] or []),
        include=list(site["include_patterns"] or []),
        exclude=list(site["exclude_patterns"] or []),
        max_pages=site["max_pages"],
        max_depth=site["max_depth"],
        rate_limit=site["rate_limit"],
        allow_private=site["allow_private"],
    )


def audit_options_for(site: dict[str, Any]) -> AuditOptions:
    from accessibility.audit import AuditOptions, SignIn

    signin = site.get("signin")
    return AuditOptions(
        concurrency=site["concurrency"],
        page_time_limit_s=site["page_time_limit_s"],
        allow_private=site["allow_private"],
        signin=SignIn(**signin) if signin else None,
    )
