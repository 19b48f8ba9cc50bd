"""axe-core, injected into a Playwright page, with its results turned into our Findings.

We use the copy of axe-core bundled inside the ``axe-selenium-python`` wheel so that the
auditor needs nothing from npm at run time and every run records the exact axe version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any, cast

from playwright.async_api import Page

from accessibility.findings import Finding, Impact, Kind, Level, truncate_snippet

__all__ = ["AXE_SOURCE", "AXE_VERSION", "WCAG_TAGS", "AxeResult", "run_axe"]

WCAG_TAGS: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa")

#: Rules that axe ships switched off but that WCAG 2.2 AA requires (2.5.8 Target Size).
WCAG22_RULES_OFF_BY_DEFAULT: tuple[str, ...] = ("target-size",)


@cache
def _axe_source() -> str:
    resource = files("axe_selenium_python").joinpath("node_modules/axe-core/axe.min.js")
    return resource.read_text(encoding="utf-8")


AXE_SOURCE: str = _axe_source()
_VERSION_MATCH = re.search(r"axe v(\d+\.\d+\.\d+)", AXE_SOURCE[:200])
AXE_VERSION: str = _VERSION_MATCH.group(1) if _VERSION_MATCH else "unknown"

_CRITERION = re.compile(r"^wcag(\d)(\d)(\d+)$")
_LEVEL = re.compile(r"^wcag2\d?(a{1,3})$")
_LEVEL_RANK = {"A": 0, "AA": 1, "AAA": 2}


def wcag_from_tags(tags: list[str]) -> tuple[list[str], Level]:
    """Turn axe tags (``wcag143``, ``wcag2aa``) into criteria (``1.4.3``) and the lowest level."""
    criteria = [
        f"{m.group(1)}.{m.group(2)}.{m.group(3)}" for t in tags if (m := _CRITERION.match(t))
    ]
    levels = [m.group(1).upper() for t in tags if (m := _LEVEL.match(t))]
    level = min(levels, key=_LEVEL_RANK.__getitem__) if levels else "AA"
    return criteria, cast(Level, level)


def _selector(target: list[Any]) -> str:
    """axe targets are a list; nested lists mean iframes / shadow roots (joined with >>>)."""
    parts = [" ".join(t) if isinstance(t, list) else str(t) for t in target]
    return " >>> ".join(parts)


def _findings(rules: list[dict[str, Any]], kind: Kind, url: str) -> list[Finding]:
    out: list[Finding] = []
    for rule in rules:
        criteria, level = wcag_from_tags(rule.get("tags", []))
        for node in rule.get("nodes", []):
            impact = node.get("impact") or rule.get("impact") or "moderate"
            summary = (node.get("failureSummary") or "").strip()
            message = rule.get("help", rule["id"])
            if summary:
                message = f"{message}. {summary}"
            out.append(
                Finding(
                    rule=rule["id"],
                    source="axe",
                    kind=kind,
                    wcag=criteria,
                    level=level,
                    impact=cast(Impact, impact),
                    selector=_selector(node.get("target", [])),
                    snippet=truncate_snippet(node.get("html", "")),
                    message=message,
                    url=url,
                    help_url=rule.get("helpUrl"),
                    data={"tags": rule.get("tags", [])},
                )
            )
    return out


@dataclass
class AxeResult:
    """What one axe run found on one page (violations are sure; incomplete needs a person)."""

    version: str
    violations: list[Finding] = field(default_factory=list)
    incomplete: list[Finding] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


async def _inject(page: Page) -> None:
    """Load axe into the page unless it is there already.

    ``evaluate`` goes through the DevTools protocol, which a page's Content-Security-Policy
    does not block (a ``<script>`` tag would be refused by a strict CSP such as our own).
    """
    if await page.evaluate("() => typeof window.axe === 'object'"):
        return
    await page.evaluate(AXE_SOURCE)


async def run_axe(
    page: Page,
    *,
    tags: tuple[str, ...] | list[str] = WCAG_TAGS,
    rules: list[str] | None = None,
) -> AxeResult:
    """Run axe-core on the page's current state and return its results as Findings.

    ``rules`` restricts the run to those rule ids; otherwise every rule with one of ``tags``
    runs, plus the WCAG 2.2 rules axe leaves off by default (target-size).
    """
    await _inject(page)
    # Our helpers may have left axe's virtual tree built within this task; axe.run needs none.
    await page.evaluate("() => { if (window.axe && axe._tree) axe.teardown(); }")
    options: dict[str, Any] = {"resultTypes": ["violations", "incomplete"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": list(rules)}
    else:
        options["runOnly"] = {"type": "tag", "values": list(tags)}
        options["rules"] = {rule: {"enabled": True} for rule in WCAG22_RULES_OFF_BY_DEFAULT}
    raw: dict[str, Any] = await page.evaluate(
        "options => window.axe.run(document, options)", options
    )
    url = raw.get("url") or page.url
    version = raw.get("testEngine", {}).get("version") or AXE_VERSION
    return AxeResult(
        version=version,
        violations=_findings(raw.get("violations", []), "violation", url),
        incomplete=_findings(raw.get("incomplete", []), "review", url),
        raw=raw,
    )
