"""How a page is scored: what each sure violation costs, by impact.

Kept apart from the result types so the report, the CLI and a future dashboard
share one rule (findings a person must confirm, "review", never cost anything).
"""

from __future__ import annotations

from accessibility.findings import Finding

__all__ = ["SCORE_WEIGHTS", "page_score"]

SCORE_WEIGHTS = {"critical": 10, "serious": 5, "moderate": 2, "minor": 1}


def page_score(findings: list[Finding]) -> int:
    """A page's score out of 100: each sure violation costs by impact (critical 10, serious 5,
    moderate 2, minor 1); findings a person must confirm ("review") and best-practice findings
    (no WCAG failure) cost nothing."""
    lost = sum(
        SCORE_WEIGHTS.get(f.impact, 1) for f in findings if f.kind == "violation" and f.wcag_failure
    )
    return max(0, 100 - lost)
