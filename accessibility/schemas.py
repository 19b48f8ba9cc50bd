"""Site settings and marks at the HTTP edge: msgspec Structs plus the checks msgspec cannot do.

:func:`validate_site` returns ``(field, message)`` pairs so the form shows each message next
to its field and the JSON API answers 400 naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import msgspec
from croniter import croniter

from accessibility.crawl.urls import normalise_url

__all__ = ["MarkIn", "SignInSettings", "SiteIn", "parse_lines", "validate_site"]

_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")


class SignInSettings(msgspec.Struct, forbid_unknown_fields=True):
    """A sign-in script: field values like ``$RV_AUDIT_SECRET_CMS_PASSWORD`` are read from the
    environment (only names with the administrator's prefix, ``signin.secret_prefix``)."""

    url: str
    fields: dict[str, str]
    submit: str = "button[type=submit], input[type=submit]"


class SiteIn(msgspec.Struct, forbid_unknown_fields=True):
    """A site's settings, from the form or the JSON API."""

    name: str
    start_urls: list[str]
    sitemaps: list[str] = msgspec.field(default_factory=list)
    include_patterns: list[str] = msgspec.field(default_factory=list)
    exclude_patterns: list[str] = msgspec.field(default_factory=list)
    max_pages: int = 200
    max_depth: int = 5
    rate_limit: float = 5.0
    concurrency: int = 2
    page_time_limit_s: float = 60.0
    allow_private: bool = False
    schedule: str = ""
    notify_email: str = ""
    signin: SignInSettings | None = None


class MarkIn(msgspec.Struct, forbid_unknown_fields=True):
    """Mark a problem as a false positive or accepted (or clear the mark)."""

    fingerprint: str
    status: str
    reason: str = ""


def parse_lines(text: str | None) -> list[str]:
    """A textarea's lines, trimmed, without blanks."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _bounded(
    errors: list[tuple[str, str]], name: str, value: float, low: float, high: float
) -> None:
    if not low <= value <= high:
        errors.append((name, f"Enter a number from {low:g} to {high:g}"))


def validate_site(site: SiteIn) -> list[tuple[str, str]]:
    """Every problem with the settings, as (field, message) pairs; empty when all is well."""
    errors: list[tuple[str, str]] = []
    if not site.name.strip():
        errors.append(("name", "Enter a name for the site"))
    elif len(site.name) > 200:
        errors.append(("name", "Name must be 200 characters or fewer"))
    if not site.start_urls:
        errors.append(("start_urls", "Enter at least one start URL"))
    for url in site.start_urls:
        if normalise_url(url) is None:
            errors.append(
                ("start_urls", f"{url!r} is not a web address starting http:// or https://")
            )
            break
    for url in site.sitemaps:
        if normalise_url(url) is None:
            errors.append(
                ("sitemaps", f"{url!r} is not a web address starting http:// or https://")
            )
            break
    for name in ("include_patterns", "exclude_patterns"):
        for pattern in getattr(site, name):
            try:
                re.compile(pattern)
            except re.error as error:
                errors.append((name, f"{pattern!r} is not a valid pattern: {error}"))
                break
    _bounded(errors, "max_pages", site.max_pages, 1, 10_000)
    _bounded(errors, "max_depth", site.max_depth, 0, 50)
    _bounded(errors, "rate_limit", site.rate_limit, 0.1, 100)
    _bounded(errors, "concurrency", site.concurrency, 1, 16)
    _bounded(errors, "page_time_limit_s", site.page_time_limit_s, 5, 600)
    if site.schedule.strip():
        if not croniter.is_valid(site.schedule.strip()):
            errors.append(
                ("schedule", "Enter a cron expression such as '0 6 * * 1' (06:00 every Monday)")
            )
        if not site.notify_email.strip():
            errors.append(("notify_email", "Enter who to email after each scheduled run"))
    for address in [a.strip() for a in site.notify_email.split(",") if a.strip()]:
        if not _EMAIL.match(address):
            errors.append(("notify_email", f"{address!r} is not an email address"))
            break
    if site.signin is not None:
        if normalise_url(site.signin.url) is None:
            errors.append(("signin", "The sign-in URL must start http:// or https://"))
        if not site.signin.fields:
            errors.append(("signin", "Say which fields the sign-in form needs"))
        else:
            from accessibility.signin import SignIn, signin_problems

            signin = SignIn(site.signin.url, dict(site.signin.fields), site.signin.submit)
            errors += [("signin", problem) for problem in signin_problems(signin, site.start_urls)]
    return errors


def site_from_form(form: dict[str, Any]) -> tuple[SiteIn | None, list[tuple[str, str]]]:
    """Build a SiteIn from the HTML form (textareas of lines, number fields as text)."""
    errors: list[tuple[str, str]] = []

    def number(name: str, default: float, kind: type = int) -> Any:
        raw = str(form.get(name, "") or "").strip()
        if not raw:
            return kind(default)
        try:
            return kind(raw)
        except ValueError:
            errors.append((name, "Enter a number"))
            return kind(default)

    site = SiteIn(
        name=str(form.get("name", "")).strip(),
        start_urls=parse_lines(form.get("start_urls")),
        sitemaps=parse_lines(form.get("sitemaps")),
        include_patterns=parse_lines(form.get("include_patterns")),
        exclude_patterns=parse_lines(form.get("exclude_patterns")),
        max_pages=number("max_pages", 200),
        max_depth=number("max_depth", 5),
        rate_limit=number("rate_limit", 5.0, float),
        concurrency=number("concurrency", 2),
        page_time_limit_s=number("page_time_limit_s", 60.0, float),
        allow_private=form.get("allow_private") in ("yes", "on", "true"),
        schedule=str(form.get("schedule", "")).strip(),
        notify_email=str(form.get("notify_email", "")).strip(),
    )
    errors += validate_site(site)
    return (None if errors else site), errors


# --- what the accessibility API answers (success bodies, so OpenAPI says what comes back) ----


class LastRun(msgspec.Struct):
    id: int
    status: str  # queued, running, done, failed, cancelled
    finished_at: dt.datetime | None
    summary: dict[str, Any]  # counts by kind and level, as the report shows them


class SiteSummary(msgspec.Struct):
    """A configured site with its latest run (None before the first)."""

    id: int
    name: str
    start_urls: list[str]
    schedule: str  # a cron expression; "" when audits are started by hand
    last_run: LastRun | None


class SiteCreated(msgspec.Struct):
    id: int


class RunQueued(msgspec.Struct):
    run_id: int
    status: str  # "queued"


class RunCancelled(msgspec.Struct):
    id: int
    status: str  # "cancelled"


class FindingOut(msgspec.Struct):
    rule: str
    source: str  # axe or one of our own checks
    kind: str  # violation or review
    wcag: list[str]
    wcag_failure: bool  # False for best-practice rules
    level: str | None
    impact: str | None
    selector: str
    snippet: str
    message: str
    fingerprint: str  # stable across runs
    change: str | None  # new, still, regressed (since the last run)
    mark: str | None  # false_positive or accepted, when staff marked it


class PageOut(msgspec.Struct):
    url: str
    status: int | str | None  # the HTTP status the page was fetched with
    title: str | None
    error: str | None
    findings: list[FindingOut]


class FixedOut(msgspec.Struct):
    fingerprint: str
    rule: str
    pages: list[str]


class RunOut(msgspec.Struct, omit_defaults=True):
    """A run's status; when it is done, its findings in the CLI's JSON shape as well
    (`engine`, `summary`, `pages`, `fixed`, `broken_links`, `documents`)."""

    id: int
    site: int
    status: str
    error: str | None
    engine: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET
    summary: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET
    pages: list[PageOut] | msgspec.UnsetType = msgspec.UNSET
    fixed: list[FixedOut] | msgspec.UnsetType = msgspec.UNSET
    broken_links: list[dict[str, Any]] | msgspec.UnsetType = msgspec.UNSET
    documents: list[dict[str, Any]] | msgspec.UnsetType = msgspec.UNSET
