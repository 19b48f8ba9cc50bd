"""What a browser check is: metadata beside one async function, as axe-core keeps its rules.

A check receives a Playwright page that has finished loading and a :class:`CheckContext`, and
returns Findings. Checks that change the viewport, zoom or styles declare ``mutates_page`` so
the runner reloads the page before them and never lets their changes leak into another check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Page

from accessibility.findings import Finding, Impact, Kind, Level, truncate_snippet

__all__ = ["BEST_PRACTICE_LABEL", "HTML_DOCUMENTS", "Check", "CheckContext", "CheckFn", "CheckMeta"]

#: Document types as :data:`accessibility.checks.runner.DOCUMENT_TYPE_JS` names them. Our checks
#: and axe-core are written for HTML (served as text/html or as XHTML); a browser also opens
#: SVG, other XML, plain text, images and media, where they would crash or report noise.
HTML_DOCUMENTS: frozenset[str] = frozenset({"html", "xhtml"})

#: What a best-practice finding says it is, so a web team can tell it from a WCAG failure.
BEST_PRACTICE_LABEL = "Best practice, not a WCAG AA failure"


@dataclass(frozen=True)
class CheckMeta:
    """Everything a report says about a check, whatever page it ran on."""

    id: str
    title: str
    wcag: tuple[str, ...]
    level: Level
    impact: Impact
    how_to_fix: str
    mutates_page: bool = False
    #: A check that only evaluates script reading the page (no key, mouse, focus, scroll or
    #: style change): the runner runs all such checks side by side on the loaded page, which
    #: overlaps their round trips to the browser (about 1 s instead of 5 for the lot).
    reads_only: bool = False
    #: A mutating check that undoes its own change when it finishes (a viewport put back, an
    #: injected style removed) spares the runner a reload before the next one.
    restores_page: bool = False
    #: Document types the check means something on; on any other the runner does not run it
    #: and lists it in ``facts["not_applicable"]`` (no finding: nothing is wrong).
    applies_to: frozenset[str] = HTML_DOCUMENTS
    #: False for best-practice checks (typography): their findings are sure ``violation``s of
    #: good practice but fail no WCAG criterion, so they carry ``wcag_failure=False``, no
    #: criteria and :data:`BEST_PRACTICE_LABEL`; reports and the statement can leave them out.
    wcag_failure: bool = True


@dataclass
class CheckContext:
    """Per-page facts shared by the checks on that page."""

    url: str
    viewport: tuple[int, int] = (1280, 800)
    #: Facts gathered while checking (title, links, h1) for the site-level rules.
    facts: dict[str, Any] = field(default_factory=dict)
    #: Work shared between checks on the same page state (e.g. one Tab walk for three checks).
    cache: dict[str, Any] = field(default_factory=dict)
    #: A mutating check that found nothing to act on sets this: the page is as it found it,
    #: so the runner need not reload it before the next mutating check (reset per check).
    untouched: bool = False

    def finding(
        self,
        meta: CheckMeta,
        *,
        kind: Kind,
        selector: str,
        snippet: str,
        message: str,
        impact: Impact | None = None,
        data: dict[str, Any] | None = None,
        wcag: list[str] | None = None,
        level: Level | None = None,
    ) -> Finding:
        """Build a Finding of ours from a check's metadata and one element's details.

        ``wcag``/``level`` narrow the criteria when a check covers several (3.1.1 vs 3.1.2).
        """
        extra = {} if meta.wcag_failure else {"label": BEST_PRACTICE_LABEL}
        return Finding(
            rule=meta.id,
            source="resident-voice",
            kind=kind,
            wcag=(wcag or list(meta.wcag)) if meta.wcag_failure else [],
            wcag_failure=meta.wcag_failure,
            level=level or meta.level,
            impact=impact or meta.impact,
            selector=selector,
            snippet=truncate_snippet(snippet),
            message=message,
            url=self.url,
            help_url=None,
            data={"how_to_fix": meta.how_to_fix, **extra, **(data or {})},
        )


CheckFn = Callable[[Page, CheckContext], Awaitable[list[Finding]]]


@dataclass(frozen=True)
class Check:
    """A registered check: its metadata and the function that runs it."""

    meta: CheckMeta
    run: CheckFn
