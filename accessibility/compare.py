"""Comparing a finished audit with the site's earlier runs: what is new, still there, back
again or fixed, and the counts the summary shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from accessibility.results import AuditResult
from accessibility.storage import read_json
from accessibility.tables import AuditIssue, AuditRun
from accessibility.tracking import classify, fixed

__all__ = ["Comparison", "compare_with_previous"]


@dataclass
class Comparison:
    """How one result differs from the site's last finished run."""

    #: The run compared with (the site's latest finished one before this), if any.
    previous_run: int | None
    #: Fingerprint → "new", "still" or "regressed".
    changes: dict[str, str]
    #: Sure violations that are new or back again.
    new: int
    #: Violations of the previous run gone from pages checked again.
    fixed: int


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
    return {r["fingerprint"]: read_json(r["pages"]) or [] for r in rows}


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


async def compare_with_previous(run_id: int, site_id: int, result: AuditResult) -> Comparison:
    """Classify every issue of ``result`` against the site's runs before ``run_id``."""
    previous_runs = await _previous_runs(site_id, run_id)
    previous = await _issue_pages(previous_runs[0]) if previous_runs else None
    earlier = await _seen_in(previous_runs[1:])
    changes = classify([i.fingerprint for i in result.issues], set(previous or {}), earlier)
    if previous is None:
        changes = dict.fromkeys(changes, "new")
    # The counts, like "issues", are of sure violations; review items are listed, not counted.
    new = sum(
        1
        for i in result.issues
        if i.kind == "violation" and changes[i.fingerprint] in ("new", "regressed")
    )
    previous_violations = (
        await _violation_fingerprints(previous_runs[0]) if previous_runs else set()
    )
    gone = fixed(
        set(changes),
        {fp: pages for fp, pages in (previous or {}).items() if fp in previous_violations},
        {p.url for p in result.pages if p.audit.status == "ok"},
    )
    return Comparison(
        previous_run=previous_runs[0] if previous_runs else None,
        changes=changes,
        new=new,
        fixed=len(gone),
    )
