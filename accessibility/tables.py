"""Piccolo tables for accessibility: sites, their audit runs, issues, pages and marks.

Screenshots are files under ``var/audits/<run_id>/`` (named by fingerprint), not database
rows: they are large, written once and served as static images, and a council can prune old
runs' folders without touching the database. Everything else about a run is in these tables.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Site(Table, tablename="a11y_site"):
    """A website the web team audits, and how to crawl it.

    ``signin`` is ``{"url": ..., "fields": {selector: value or "$ENV_NAME"}, "submit": ...}``;
    credentials stay in the environment, never in this table.
    """

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    name = Varchar(length=200)
    start_urls = JSON(default="[]")
    sitemaps = JSON(default="[]")
    include_patterns = JSON(default="[]")
    exclude_patterns = JSON(default="[]")
    max_pages = Integer(default=200)
    max_depth = Integer(default=5)
    rate_limit = Float(default=5.0)
    concurrency = Integer(default=2)
    page_time_limit_s = Float(default=60.0)
    allow_private = Boolean(default=False)
    #: Who allowed private addresses, and when: only an administrator may (issue 9).
    allow_private_by = Varchar(length=320, default="")
    allow_private_at = Timestamptz(null=True, default=None)
    signin = JSON(default="null", null=True)
    schedule = Varchar(length=100, default="")
    notify_email = Varchar(length=254, default="")
    next_run_at = Timestamptz(null=True, default=None, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class AuditRun(Table, tablename="a11y_run"):
    """One audit of one site. ``engine`` records the versions (axe-core, Chromium...)."""

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    site = ForeignKey(references=Site, index=True)
    status = Varchar(
        length=16, default="queued", index=True
    )  # queued|running|done|failed|cancelled
    trigger = Varchar(length=16, default="manual")  # manual|schedule|api
    queued_at = Timestamptz(default=TimestamptzNow())
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    engine = JSON(default="{}")
    summary = JSON(default="{}")
    crawl = JSON(default="{}")
    error = Text(default="")
    compared_with = Integer(null=True, default=None)
    #: The worker renews this while it runs the audit; a run still "running" past it was
    #: left by a crashed worker and is failed (``runs.fail_expired_runs``).
    lease_until = Timestamptz(null=True, default=None, index=True)
    #: The administrator who cancelled the run ("" when nobody did).
    cancelled_by = Varchar(length=320, default="")


class AuditIssue(Table, tablename="a11y_issue"):
    """One problem (fingerprint) in one run, with the pages it was found on.

    ``change`` compares with the site's previous completed run: new, still, regressed.
    """

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    run = ForeignKey(references=AuditRun, index=True)
    fingerprint = Varchar(length=40, index=True)
    rule = Varchar(length=100)
    source = Varchar(length=20)
    kind = Varchar(length=10)
    wcag = JSON(default="[]")
    level = Varchar(length=3)
    impact = Varchar(length=10)
    message = Text()
    selector = Text()
    snippet = Text()
    help_url = Text(default="")
    pages = JSON(default="[]")
    pages_count = Integer(default=0)
    occurrences = Integer(default=0)
    screenshot = Varchar(length=200, default="")
    change = Varchar(length=10, default="new")


class AuditPage(Table, tablename="a11y_page"):
    """One page of one run, with its findings (as JSON: they are read with the page)."""

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    run = ForeignKey(references=AuditRun, index=True)
    url = Text()
    status = Varchar(length=10)
    http_status = Integer(null=True, default=None)
    title = Text(default="")
    error = Text(default="")
    template = Varchar(length=40, default="")
    violations = Integer(default=0)
    reviews = Integer(default=0)
    findings = JSON(default="[]")


class FindingMark(Table, tablename="a11y_mark"):
    """A person's judgement on a problem: false positive or accepted, with a reason.

    Keyed by site and fingerprint, so it carries over to every later run of that site.
    """

    id: Serial  # Piccolo adds the primary key; declared for type checkers

    site = ForeignKey(references=Site, index=True)
    fingerprint = Varchar(length=40, index=True)
    status = Varchar(length=20)  # false_positive|accepted
    reason = Text()
    marked_by = Varchar(length=254)
    marked_at = Timestamptz(default=TimestamptzNow())
