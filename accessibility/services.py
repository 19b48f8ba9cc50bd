"""The accessibility domain's services, in one import for controllers, jobs, the CLI and tests.

Each job lives in its own module; this façade only re-exports them:

- ``sites`` — site settings, and the crawl/browser options of an audit
- ``runs`` — queueing runs (by hand or on schedule) and reading them; ``schedules`` — cron
- ``execute`` — running a queued audit; ``store`` — writing its result in one transaction;
  ``compare`` — what changed since the site's last run; ``notify`` — the summary e-mail
- ``marks`` — false-positive / accepted marks
- ``reports.stored`` — the report view of a stored run and its trend; ``reports.json_report``
- ``storage`` — screenshot files; ``errors`` — NotFound, SiteError
"""

from __future__ import annotations

from accessibility.errors import NotFound, SiteError
from accessibility.execute import execute_run
from accessibility.leases import RunNotActive, cancel_run, fail_expired_runs
from accessibility.marks import mark_issue, marks_for
from accessibility.notify import email_summary
from accessibility.reports.json_report import run_json
from accessibility.reports.stored import TREND_RUNS, report_view, trend, trend_png
from accessibility.runs import (
    JOB_NAME,
    enqueue_due_runs,
    get_run,
    latest_finished_run,
    list_runs,
    queue_run,
)
from accessibility.schedules import next_run
from accessibility.sites import (
    Actor,
    audit_options_for,
    crawl_config_for,
    create_site,
    get_site,
    list_sites,
    update_site,
)
from accessibility.storage import audits_dir, screenshot_path
from accessibility.store import store_result

__all__ = [
    "JOB_NAME",
    "TREND_RUNS",
    "Actor",
    "NotFound",
    "RunNotActive",
    "SiteError",
    "audit_options_for",
    "audits_dir",
    "cancel_run",
    "crawl_config_for",
    "create_site",
    "email_summary",
    "enqueue_due_runs",
    "execute_run",
    "fail_expired_runs",
    "get_run",
    "get_site",
    "latest_finished_run",
    "list_runs",
    "list_sites",
    "mark_issue",
    "marks_for",
    "next_run",
    "queue_run",
    "report_view",
    "run_json",
    "screenshot_path",
    "store_result",
    "trend",
    "trend_png",
    "update_site",
]
