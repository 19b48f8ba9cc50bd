"""The one shape every accessibility finding takes, whichever engine found it.

axe-core's results and our own browser checks both become :class:`Finding`, so that the audit
runner, fingerprints, reports and the CLI's JSON never need to know which engine spoke.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["IMPACT_ORDER", "Finding", "Impact", "Kind", "Level", "Source", "truncate_snippet"]

Source = Literal["axe", "resident-voice"]
#: "violation" when the check is sure; "review" when a person must confirm (axe's "incomplete").
Kind = Literal["violation", "review"]
Level = Literal["A", "AA", "AAA"]
Impact = Literal["minor", "moderate", "serious", "critical"]

IMPACT_ORDER: dict[str, int] = {"minor": 0, "moderate": 1, "serious": 2, "critical": 3}

SNIPPET_LIMIT = 300


def truncate_snippet(html: str, limit: int = SNIPPET_LIMIT) -> str:
    """Collapse whitespace and cut long HTML so reports stay readable and rows stay small."""
    text = " ".join(html.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Finding:
    """One barrier (or suspected barrier) on one element of one page."""

    rule: str
    source: Source
    kind: Kind
    wcag: list[str]
    level: Level
    impact: Impact
    selector: str
    snippet: str
    message: str
    url: str
    help_url: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    #: False for best-practice findings (justified text, long capitals…): sure, but no WCAG
    #: failure, so the statement and WCAG counts leave them out; ``wcag`` is then empty.
    wcag_failure: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the CLI's and the database's shape)."""
        return asdict(self)
