"""The JSON download of a stored run: the CLI's JSON document plus changes and marks."""

from __future__ import annotations

from typing import Any

from accessibility.checks.registry import is_best_practice
from accessibility.reports.stored import report_view

__all__ = ["run_json"]


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
                        "wcag_failure": not is_best_practice(f.rule),
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
