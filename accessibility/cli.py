"""Accessibility commands: ``resident-voice audit`` for the web team and CI pipelines, and
``resident-voice accessibility ...`` for configured sites and their stored runs.

``audit`` needs no database: it crawls, audits and writes a report (JSON by default) to
stdout or a file. Its exit code is 0 whenever the audit ran, whatever it found, so a pipeline
decides what to fail on from the JSON; it is non-zero only when the audit could not run (bad
arguments, no Chromium, a refused address) or no page at all could be loaded (exit 2).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from service.cli import CommandError, run_async

__all__ = ["COMMANDS"]

FORMATS = ("json", "html", "csv")


class _Progress:
    """click's progress bar on a terminal (stderr, so stdout stays one clean document)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.shown = 0

    def __call__(self, phase: str, done: int, total: int, url: str) -> None:
        if not self.enabled:
            return
        if phase == "crawl":
            if self.bar is not None:
                self.bar.length = max(done, self.shown, 1)
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=max(total, 1), label="Auditing", file=sys.stderr, show_pos=True
            )
            self.bar.__enter__()
        # Pages are audited while the crawl still finds more: the bar's length grows with it.
        self.bar.length = max(total, done, 1)
        self.bar.update(done - self.shown, url)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _format_for(output: str | None, chosen: str | None) -> str:
    if chosen:
        return chosen
    if output:
        suffix = Path(output).suffix.lower().lstrip(".")
        if suffix in FORMATS:
            return suffix
    return "json"


def _private_grant(start_urls: list[str]) -> dict[str, Any]:
    """Who allowed private addresses on the command line, when, and for which hosts (the start
    URLs' hosts only: `AddressPolicy.for_site`)."""
    import datetime as dt
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown user"
    hosts = sorted({urlsplit(u).hostname or "" for u in start_urls} - {""})
    return {
        "by": f"command line ({user})",
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "hosts": hosts,
    }


@click.command(
    "audit",
    help="Audit web pages for accessibility (WCAG 2.2 AA): crawl from each URL, check every "
    "page in Chromium with axe-core and our own checks, and report. No database needed.",
)
@click.argument("urls", nargs=-1, required=True)
@click.option("--max-pages", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--max-depth", type=click.IntRange(0, 50), default=5, show_default=True)
@click.option(
    "--no-crawl",
    is_flag=True,
    help="Audit exactly these URLs: no links, sitemaps or robots.txt (you named them).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format (default: from --output's extension, else json).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the report here instead of stdout.",
)
@click.option(
    "--allow-private",
    is_flag=True,
    help="Allow private, loopback and link-local addresses (your own test server).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 16),
    default=2,
    show_default=True,
    help="Pages audited at once (browser contexts).",
)
@click.option(
    "--page-time-limit",
    type=click.FloatRange(5, 600),
    default=60,
    show_default=True,
    help="Seconds allowed per page.",
)
@click.option(
    "--rate-limit",
    type=click.FloatRange(0.1, 100),
    default=5,
    show_default=True,
    help="Crawler requests per second.",
)
@click.option("--no-screenshots", is_flag=True, help="Skip element screenshots (faster).")
@click.option("--include", multiple=True, help="Only crawl URLs matching this pattern.")
@click.option("--exclude", multiple=True, help="Never crawl URLs matching this pattern.")
def audit_command(
    urls: tuple[str, ...],
    max_pages: int,
    max_depth: int,
    no_crawl: bool,
    fmt: str | None,
    output: str | None,
    allow_private: bool,
    concurrency: int,
    page_time_limit: float,
    rate_limit: float,
    no_screenshots: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
) -> None:
    from accessibility.audit import AuditOptions, AuditResult, SignInError, run_audit
    from accessibility.browser import ChromiumNotFound
    from accessibility.crawl import CrawlConfig
    from accessibility.reports.csv_report import to_csv
    from accessibility.reports.html import render_standalone
    from accessibility.reports.view import from_audit_result
    from accessibility.safety import UnsafeURL

    fmt = _format_for(output, fmt)
    config = CrawlConfig(
        start_urls=list(urls),
        include=list(include),
        exclude=list(exclude),
        max_pages=max_pages,
        max_depth=max_depth,
        rate_limit=rate_limit,
        follow_links=not no_crawl,
        use_sitemaps=not no_crawl,
        allow_private=allow_private,
    )
    options = AuditOptions(
        concurrency=concurrency,
        page_time_limit_s=page_time_limit,
        # Screenshots only appear in the HTML report; JSON and CSV do not carry them.
        screenshots=fmt == "html" and not no_screenshots,
        allow_private=allow_private,
    )
    progress = _Progress(sys.stderr.isatty())

    @run_async
    async def audit() -> AuditResult:
        try:
            return await run_audit(config, options, on_progress=progress)
        except (ValueError, UnsafeURL, ChromiumNotFound, SignInError) as error:
            raise CommandError(str(error)) from None
        finally:
            progress.close()

    grant = _private_grant(config.start_urls) if allow_private else None
    if grant is not None:
        # The web setting records who allowed private addresses and when; so does the CLI,
        # on stderr and in the JSON report (it has no database to keep it in).
        click.echo(
            f"Private addresses allowed by {grant['by']} at {grant['at']}, only for "
            f"{', '.join(grant['hosts'])}",
            err=True,
        )
    result = audit()
    if fmt == "json":
        document = result.to_json()
        if grant is not None:
            document["allow_private"] = grant
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        view = from_audit_result(result, site_name=urlsplit(config.start_urls[0]).netloc)
        text = render_standalone(view) if fmt == "html" else to_csv(view)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        s = result.summary()
        click.echo(
            f"Audited {s['pages']} page(s): {s['issues']} distinct problem(s) on "
            f"{s['pages_with_violations']} page(s), {s['review_issues']} to check by hand. "
            f"Report: {output}",
            err=True,
        )
    else:
        click.echo(text, nl=False)
    if result.pages and not any(p.audit.status in ("ok", "timeout") for p in result.pages):
        click.echo("Error: no page could be loaded; is the site up?", err=True)
        sys.exit(2)
    if not result.pages:
        click.echo("Error: no pages were found to audit.", err=True)
        sys.exit(2)


@click.group("accessibility", help="Configured sites and their stored audit runs.")
def accessibility_group() -> None:
    pass


@accessibility_group.command("sites", help="List configured sites and their latest run.")
@run_async
async def sites_command() -> None:
    from accessibility.schedules import describe_schedule
    from accessibility.services import list_sites

    sites = await list_sites()
    if not sites:
        click.echo("No sites yet: add one at /staff/accessibility/sites/new or with the API.")
    for site in sites:
        last = site["last_run"]
        latest = (
            f"run {last['id']} {last['status']}, {last['summary'].get('issues', '–')} problems"
            if last
            else "no runs"
        )
        click.echo(
            f"{site['id']:>4}  {site['name']}  "
            f"({describe_schedule(site['schedule'] or '')}; {latest})"
        )


@accessibility_group.command("run", help="Audit a configured site now, store the run, email it.")
@click.argument("site_id", type=int)
@run_async
async def run_command(site_id: int) -> None:
    from accessibility import services
    from service.settings import get_settings

    try:
        run_id = await services.queue_run(site_id, trigger="manual", background=False)
    except services.NotFound as error:
        raise CommandError(f"site_id: {error}") from None
    click.echo(f"Auditing site {site_id} as run {run_id}…", err=True)
    try:
        await services.execute_run(run_id)
    except Exception as error:
        raise CommandError(f"run {run_id} failed: {type(error).__name__}: {error}") from None
    summary = (await services.get_run(run_id))["summary"]
    link = f"{get_settings().public_url.rstrip('/')}/staff/accessibility/runs/{run_id}"
    click.echo(
        f"Run {run_id}: {summary['pages']} pages, {summary['issues']} distinct problems "
        f"({summary.get('new', 0)} new, {summary.get('fixed', 0)} fixed). Report: {link}"
    )


COMMANDS: list[click.Command] = [audit_command, accessibility_group]
