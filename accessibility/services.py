"""The accessibility domain's logic: sites, queued and scheduled runs, storing results,
comparing runs, marks, and the data behind reports. No HTTP here.

A stored run is written in one transaction (run summary, issues, pages) once the audit has
finished, so a report never shows half a run. Screenshots are PNG files in
``<AUDITS_DIR>/<run_id>/<fingerprint>.png`` (``AUDITS_DIR`` defaults to ``./var/audits``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec
from croniter import croniter
from playwright.async_api import Browser

from accessibility.audit import AuditOptions, AuditResult, SignIn, run_audit
from accessibility.crawl import CrawlConfig
from accessibility.reports.chart import trend_chart_png
from accessibility.reports.view import (
    MARK_LABELS,
    FindingView,
    IssueView,
    PageView,
    ReportView,
)
from accessibility.schemas import MarkIn, SiteIn, validate_site
from accessibility.tables import AuditIssue, AuditPage, AuditRun, FindingMark, Site
from accessibility.tracking import MARK_STATUSES, classify, fixed
from service.jobs import enqueue
from service.mail import Mail, send_mail
from service.settings import VAR_DIR, get_settings

__all__ = [
    "NotFound",
    "SiteError",
    "audits_dir",
    "create_site",
    "enqueue_due_runs",
    "execute_run",
    "get_site",
    "list_sites",
    "mark_issue",
    "queue_run",
    "report_view",
    "run_json",
    "store_result",
]

log = logging.getLogger(__name__)

JOB_NAME = "accessibility.run_audit"
TREND_RUNS = 12


class NotFound(LookupError):
    """No such site or run."""


class SiteError(ValueError):
    """Bad site settings or mark; ``errors`` are (field, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _json(value: Any) -> Any:
    """Piccolo returns JSON columns as text on both engines; read it."""
    if isinstance(value, str):
        return json.loads(value) if value else None
    return value


def audits_dir() -> Path:
    return Path(os.environ.get("AUDITS_DIR") or VAR_DIR / "audits")


# -- sites ------------------------------------------------------------------------------------


def next_run(schedule: str, after: dt.datetime | None = None) -> dt.datetime | None:
    """When a cron schedule next fires (UTC), or None for no schedule."""
    if not schedule.strip():
        return None
    base = after or _now()
    nxt = croniter(schedule.strip(), base).get_next(dt.datetime)
    return nxt if nxt.tzinfo else nxt.replace(tzinfo=dt.UTC)


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
        row[key] = _json(row[key])
    return row


async def list_sites() -> list[dict[str, Any]]:
    """Sites with their latest run (if any), for the overview page and the API."""
    sites = await Site.select().order_by(Site.name)
    out = []
    for row in sites:
        row["start_urls"] = _json(row["start_urls"])
        last = (
            await AuditRun.select(
                AuditRun.id, AuditRun.status, AuditRun.finished_at, AuditRun.summary
            )
            .where(AuditRun.site == row["id"])
            .order_by(AuditRun.id, ascending=False)
            .first()
        )
        if last is not None:
            last["summary"] = _json(last["summary"]) or {}
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


# -- runs -------------------------------------------------------------------------------------


async def queue_run(site_id: int, trigger: str = "manual", *, background: bool = True) -> int:
    """Queue an audit of a configured site as a background job; returns the run id.

    ``background=False`` only records the queued run, for a caller that runs it itself
    (the CLI's ``accessibility run``), so the worker never runs it a second time.

    Only configured sites can be audited this way: the API and the staff pages take a site
    id, never a URL, so they cannot be used to make this server fetch arbitrary addresses.
    """
    await get_site(site_id)
    async with AuditRun._meta.db.transaction():
        run = AuditRun(site=site_id, status="queued", trigger=trigger)
        await run.save()
        if background:
            await enqueue(JOB_NAME, {"run_id": int(run.id)}, max_attempts=1)
    return int(run.id)


async def execute_run(run_id: int, *, browser: Browser | None = None) -> None:
    """Run a queued audit, store it, email the summary. Failures are recorded on the run."""
    run = await AuditRun.select().where(AuditRun.id == run_id).first()
    if run is None:
        raise NotFound(f"no run with id {run_id}")
    site = await get_site(run["site"])
    await AuditRun.update({AuditRun.status: "running", AuditRun.started_at: _now()}).where(
        AuditRun.id == run_id
    )
    try:
        result = await run_audit(crawl_config_for(site), audit_options_for(site), browser=browser)
    except Exception as error:
        await AuditRun.update(
            {
                AuditRun.status: "failed",
                AuditRun.finished_at: _now(),
                AuditRun.error: f"{type(error).__name__}: {error}"[:2000],
            }
        ).where(AuditRun.id == run_id)
        raise
    await store_result(run_id, site["id"], result)
    if site["notify_email"]:
        await email_summary(run_id, site)


async def _previous_runs(site_id: int, before_run: int) -> list[int]:
    rows = (
        await AuditRun.select(AuditRun.id)
        .where(
            (AuditRun.site == site_id) & (AuditRun.status == "done") & (AuditRun.id < before_run)
        )
        .order_by(AuditRun.id, ascending=False)
    )
    return [r["id"] for r in rows]


async def _issue_pages(run_id: int) -> dict[str, list[str]]:
    rows = await AuditIssue.select(AuditIssue.fingerprint, AuditIssue.pages).where(
        AuditIssue.run == run_id
    )
    return {r["fingerprint"]: _json(r["pages"]) or [] for r in rows}


async def _violation_fingerprints(run_id: int) -> set[str]:
    rows = await AuditIssue.select(AuditIssue.fingerprint).where(
        (AuditIssue.run == run_id) & (AuditIssue.kind == "violation")
    )
    return {r["fingerprint"] for r in rows}


async def _seen_in(run_ids: Iterable[int]) -> set[str]:
    ids = list(run_ids)
    if not ids:
        return set()
    rows = await AuditIssue.select(AuditIssue.fingerprint).where(AuditIssue.run.is_in(ids))
    return {r["fingerprint"] for r in rows}


async def store_result(run_id: int, site_id: int, result: AuditResult) -> None:
    """Write a finished audit in one transaction, compared with the site's previous run."""
    previous_runs = await _previous_runs(site_id, run_id)
    previous = await _issue_pages(previous_runs[0]) if previous_runs else None
    earlier = await _seen_in(previous_runs[1:])
    changes = classify([i.fingerprint for i in result.issues], set(previous or {}), earlier)
    if previous is None:
        changes = dict.fromkeys(changes, "new")
    folder = audits_dir() / str(run_id)

    def save_png(png: bytes) -> str:
        """Store a screenshot once, named by its content (identical crops share a file)."""
        name = hashlib.sha256(png).hexdigest()[:24] + ".png"
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / name).exists():
            (folder / name).write_bytes(png)
        return name

    shots = {i.fingerprint: save_png(i.screenshot) for i in result.issues if i.screenshot}
    page_shots = {
        (page.url, index): save_png(png)
        for page in result.pages
        for index, png in page.screenshots.items()
    }
    summary = result.summary()
    # The counts, like "issues", are of sure violations; review items are listed, not counted.
    summary["new"] = sum(
        1
        for i in result.issues
        if i.kind == "violation" and changes[i.fingerprint] in ("new", "regressed")
    )
    previous_violations = (
        await _violation_fingerprints(previous_runs[0]) if previous_runs else set()
    )
    summary["fixed"] = len(
        fixed(
            set(changes),
            {fp: pages for fp, pages in (previous or {}).items() if fp in previous_violations},
            {p.url for p in result.pages if p.audit.status == "ok"},
        )
    )
    async with AuditRun._meta.db.transaction():
        await AuditIssue.delete().where(AuditIssue.run == run_id)
        await AuditPage.delete().where(AuditPage.run == run_id)
        if result.issues:
            await AuditIssue.insert(
                *[
                    AuditIssue(
                        run=run_id,
                        fingerprint=i.fingerprint,
                        rule=i.example.rule,
                        source=i.example.source,
                        kind=i.example.kind,
                        wcag=json.dumps(i.example.wcag),
                        level=i.example.level,
                        impact=i.example.impact,
                        message=i.example.message,
                        selector=i.example.selector,
                        snippet=i.example.snippet,
                        help_url=i.example.help_url or "",
                        pages=json.dumps(i.pages),
                        pages_count=len(i.pages),
                        occurrences=i.occurrences,
                        screenshot=shots.get(i.fingerprint, ""),
                        change=changes[i.fingerprint],
                    )
                    for i in result.issues
                ]
            )
        if result.pages:
            await AuditPage.insert(
                *[
                    AuditPage(
                        run=run_id,
                        url=p.url,
                        status=p.audit.status,
                        http_status=p.audit.http_status,
                        title=p.audit.title,
                        error=p.audit.error or "",
                        template=p.template,
                        violations=len(p.violations),
                        reviews=len(p.audit.findings) - len(p.violations),
                        findings=json.dumps(
                            [
                                {
                                    **{k: v for k, v in f.to_dict().items() if k != "data"},
                                    "fingerprint": fp,
                                    "screenshot": page_shots.get((p.url, index), ""),
                                }
                                for index, (f, fp) in enumerate(
                                    zip(p.audit.findings, p.fingerprints, strict=True)
                                )
                            ]
                        ),
                    )
                    for p in result.pages
                ]
            )
        await AuditRun.update(
            {
                AuditRun.status: "done",
                AuditRun.started_at: result.started_at,
                AuditRun.finished_at: result.finished_at,
                AuditRun.engine: json.dumps(result.engine),
                AuditRun.summary: json.dumps(summary),
                AuditRun.crawl: json.dumps(
                    {
                        "broken_links": [r.to_dict() for r in result.crawl.broken],
                        "documents": [r.to_dict() for r in result.crawl.resources],
                        "skipped": result.crawl.skipped,
                    }
                ),
                AuditRun.compared_with: previous_runs[0] if previous_runs else None,
                AuditRun.error: "",
            }
        ).where(AuditRun.id == run_id)


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


async def enqueue_due_runs(now: dt.datetime | None = None) -> list[int]:
    """Queue a run for every site whose schedule is due; move each to its next time."""
    now = now or _now()
    due = await Site.select(Site.id, Site.schedule).where(
        (Site.next_run_at.is_not_null()) & (Site.next_run_at <= now)
    )
    queued = []
    for row in due:
        claimed = await (
            Site.update({Site.next_run_at: next_run(row["schedule"], now)})
            .where((Site.id == row["id"]) & (Site.next_run_at <= now))
            .returning(Site.id)
        )
        if claimed:  # another worker may have claimed it first
            queued.append(await queue_run(row["id"], trigger="schedule"))
    return queued


# -- reading runs -----------------------------------------------------------------------------


async def get_run(run_id: int) -> dict[str, Any]:
    run = await AuditRun.select().where(AuditRun.id == run_id).first()
    if run is None:
        raise NotFound(f"no run with id {run_id}")
    for key in ("engine", "summary", "crawl"):
        run[key] = _json(run[key]) or {}
    return run


async def list_runs(site_id: int, limit: int = 50) -> list[dict[str, Any]]:
    rows = (
        await AuditRun.select()
        .where(AuditRun.site == site_id)
        .order_by(AuditRun.id, ascending=False)
        .limit(limit)
    )
    for row in rows:
        row["summary"] = _json(row["summary"]) or {}
    return rows


async def marks_for(site_id: int) -> dict[str, dict[str, Any]]:
    rows = await FindingMark.select().where(FindingMark.site == site_id)
    return {
        r["fingerprint"]: {**r, "label": MARK_LABELS.get(r["status"], r["status"])} for r in rows
    }


async def mark_issue(site_id: int, mark: MarkIn, marked_by: str) -> None:
    """Mark (or with status "clear", unmark) a problem for this and every later run."""
    errors = []
    if mark.status not in (*MARK_STATUSES, "clear"):
        errors.append(("status", "Choose false positive, accepted or remove the mark"))
    if mark.status != "clear" and not mark.reason.strip():
        errors.append(("reason", "Enter the reason for the mark"))
    if not mark.fingerprint or len(mark.fingerprint) > 40:
        errors.append(("fingerprint", "Unknown problem"))
    if errors:
        raise SiteError(errors)
    await get_site(site_id)
    known = await AuditIssue.exists().where(
        (AuditIssue.fingerprint == mark.fingerprint) & (AuditIssue.run.site == site_id)  # type: ignore[attr-defined]
    )
    if not known:
        raise SiteError([("fingerprint", "This site has no such problem")])
    async with FindingMark._meta.db.transaction():
        await FindingMark.delete().where(
            (FindingMark.site == site_id) & (FindingMark.fingerprint == mark.fingerprint)
        )
        if mark.status != "clear":
            await FindingMark(
                site=site_id,
                fingerprint=mark.fingerprint,
                status=mark.status,
                reason=mark.reason.strip()[:2000],
                marked_by=marked_by,
            ).save()


def _issue_view(row: dict[str, Any], run_id: int, marks: dict[str, Any]) -> IssueView:
    return IssueView(
        fingerprint=row["fingerprint"],
        rule=row["rule"],
        source=row["source"],
        kind=row["kind"],
        wcag=_json(row["wcag"]) or [],
        level=row["level"],
        impact=row["impact"],
        message=row["message"],
        selector=row["selector"],
        snippet=row["snippet"],
        help_url=row["help_url"] or None,
        pages=_json(row["pages"]) or [],
        occurrences=row["occurrences"],
        screenshot_src=(
            f"/staff/accessibility/runs/{run_id}/screenshots/{row['screenshot']}"
            if row["screenshot"]
            else None
        ),
        change=row["change"],
        mark=marks.get(row["fingerprint"]),
    )


async def trend(site_id: int, up_to_run: int) -> list[dict[str, Any]]:
    rows = (
        await AuditRun.select(AuditRun.id, AuditRun.finished_at, AuditRun.summary)
        .where(
            (AuditRun.site == site_id) & (AuditRun.status == "done") & (AuditRun.id <= up_to_run)
        )
        .order_by(AuditRun.id, ascending=False)
        .limit(TREND_RUNS)
    )
    points = []
    for row in reversed(rows):
        s = _json(row["summary"]) or {}
        finished = row["finished_at"]
        points.append(
            {
                "run": row["id"],
                "label": f"Run {row['id']}"
                + (f" ({finished.strftime('%d %b %H:%M')})" if finished else ""),
                "pages": s.get("pages", 0),
                "issues": s.get("issues", 0),
                "pages_with_violations": s.get("pages_with_violations", 0),
            }
        )
    return points


async def trend_png(site_id: int, up_to_run: int) -> bytes:
    return trend_chart_png(await trend(site_id, up_to_run))


async def report_view(run_id: int) -> ReportView:
    """Everything the report page, CSV and statement show about a stored run."""
    run = await get_run(run_id)
    if run["status"] != "done":
        raise NotFound(f"run {run_id} has not finished ({run['status']})")
    site = await get_site(run["site"])
    marks = await marks_for(site["id"])
    rows = await AuditIssue.select().where(AuditIssue.run == run_id)
    issues = [_issue_view(r, run_id, marks) for r in rows]
    issues.sort(key=lambda i: (i.kind != "violation", -len(i.pages), i.rule))
    pages = []
    for row in await AuditPage.select().where(AuditPage.run == run_id).order_by(AuditPage.id):
        findings = [
            FindingView(
                rule=f["rule"],
                source=f["source"],
                kind=f["kind"],
                wcag=f["wcag"],
                level=f["level"],
                impact=f["impact"],
                selector=f["selector"],
                snippet=f["snippet"],
                message=f["message"],
                fingerprint=f["fingerprint"],
                screenshot_src=(
                    f"/staff/accessibility/runs/{run_id}/screenshots/{f['screenshot']}"
                    if f.get("screenshot")
                    else None
                ),
            )
            for f in _json(row["findings"]) or []
        ]
        pages.append(
            PageView(
                url=row["url"],
                status=row["status"],
                title=row["title"],
                error=row["error"] or None,
                findings=findings,
            )
        )
    fixed_views: list[IssueView] = []
    if run["compared_with"]:
        checked = {p.url for p in pages if p.status == "ok"}
        current = {i.fingerprint for i in issues}
        before = await AuditIssue.select().where(AuditIssue.run == run["compared_with"])
        gone = set(
            fixed(current, {r["fingerprint"]: _json(r["pages"]) or [] for r in before}, checked)
        )
        fixed_views = [
            _issue_view(r, run["compared_with"], marks)
            for r in before
            if r["fingerprint"] in gone and r["kind"] == "violation"
        ]
        for view in fixed_views:
            view.change = "fixed"
    points = await trend(site["id"], run_id)
    finished = run["finished_at"] or run["started_at"]
    base = f"/staff/accessibility/runs/{run_id}"
    return ReportView(
        site_name=site["name"],
        run_label=f"Run {run_id}",
        started_at=(run["started_at"] or finished).strftime("%d %B %Y %H:%M UTC"),
        engine=run["engine"],
        summary=run["summary"],
        issues=issues,
        pages=pages,
        fixed=fixed_views,
        broken_links=run["crawl"].get("broken_links", []),
        documents=run["crawl"].get("documents", []),
        trend=points,
        trend_chart_src=f"{base}/trend.png" if len(points) > 1 else None,
        downloads={"CSV": f"{base}/report.csv", "JSON": f"{base}/report.json"},
        compared_with=f"Run {run['compared_with']}" if run["compared_with"] else None,
    )


async def run_json(run_id: int) -> dict[str, Any]:
    """A stored run as the CLI's JSON document (plus changes and marks)."""
    view = await report_view(run_id)
    issues = {i.fingerprint: i for i in view.issues}
    return {
        "engine": view.engine,
        "summary": view.summary,
        "pages": [
            {
                "url": p.url,
                "status": p.status,
                "title": p.title,
                "error": p.error,
                "findings": [
                    {
                        "rule": f.rule,
                        "source": f.source,
                        "kind": f.kind,
                        "wcag": f.wcag,
                        "level": f.level,
                        "impact": f.impact,
                        "selector": f.selector,
                        "snippet": f.snippet,
                        "message": f.message,
                        "fingerprint": f.fingerprint,
                        "change": issues[f.fingerprint].change if f.fingerprint in issues else None,
                        "mark": (issues[f.fingerprint].mark or {}).get("status")
                        if f.fingerprint in issues
                        else None,
                    }
                    for f in p.findings
                ],
            }
            for p in view.pages
        ],
        "fixed": [
            {"fingerprint": i.fingerprint, "rule": i.rule, "pages": i.pages} for i in view.fixed
        ],
        "broken_links": view.broken_links,
        "documents": view.documents,
    }


def screenshot_path(run_id: int, name: str) -> Path:
    """The file of a stored screenshot; NotFound for anything but a plain PNG name."""
    if not name.endswith(".png") or "/" in name or "\\" in name or name.startswith("."):
        raise NotFound("no such screenshot")
    path = audits_dir() / str(run_id) / name
    if not path.is_file():
        raise NotFound("no such screenshot")
    return path
