"""Configured sites: storing and reading their settings, and turning them into the crawl and
browser options of an audit."""

from __future__ import annotations

import json
from typing import Any

import msgspec

from accessibility.audit import AuditOptions, SignIn
from accessibility.crawl import CrawlConfig
from accessibility.errors import NotFound, SiteError
from accessibility.schedules import next_run
from accessibility.schemas import SiteIn, validate_site
from accessibility.storage import read_json
from accessibility.tables import AuditRun, Site

__all__ = [
    "audit_options_for",
    "crawl_config_for",
    "create_site",
    "get_site",
    "list_sites",
    "update_site",
]


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
        Site.allow_private: site.allow_private,
        Site.schedule: site.schedule.strip(),
        Site.notify_email: site.notify_email.strip(),
        Site.signin: json.dumps(msgspec.to_builtins(site.signin)),
        Site.next_run_at: next_run(site.schedule),
    }


async def create_site(site: SiteIn) -> int:
    """Validate and store a site; raises SiteError naming each bad field."""
    errors = validate_site(site)
    if errors:
        raise SiteError(errors)
    values = {column._meta.name: value for column, value in _site_values(site).items()}
    row = Site(**values)
    await row.save()
    return int(row.id)


async def update_site(site_id: int, site: SiteIn) -> None:
    errors = validate_site(site)
    if errors:
        raise SiteError(errors)
    await get_site(site_id)
    await Site.update(_site_values(site)).where(Site.id == site_id)


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
    signin = site.get("signin")
    return AuditOptions(
        concurrency=site["concurrency"],
        page_time_limit_s=site["page_time_limit_s"],
        allow_private=site["allow_private"],
        signin=SignIn(**signin) if signin else None,
    )
