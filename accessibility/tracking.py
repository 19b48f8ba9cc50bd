"""Comparing a run with the last one: what is new, fixed, still present, or back again.

Pure functions over fingerprints, so the rules are easy to test and read:

- **new**: not in the previous run and never seen before;
- **still**: in the previous run too;
- **regressed** ("back again"): not in the previous run, but seen in an earlier one;
- **fixed**: in the previous run, not in this one, and at least one page it was on was
  checked properly this time (a page that timed out proves nothing).

Marks (false positive, accepted) are kept per site and fingerprint, so they apply to every
later run automatically; they are looked up, not copied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["MARK_STATUSES", "classify", "fixed"]

MARK_STATUSES = ("false_positive", "accepted")


def classify(
    current: Iterable[str], previous: set[str] | None, earlier: set[str]
) -> dict[str, str]:
    """Change of each current fingerprint against the previous run (None: first run)."""
    out = {}
    for fp in current:
        if previous is not None and fp in previous:
            out[fp] = "still"
        elif fp in earlier:
            out[fp] = "regressed"
        else:
            out[fp] = "new"
    return out


def fixed(
    current: set[str], previous: Mapping[str, Iterable[str]], checked_ok: set[str]
) -> list[str]:
    """Fingerprints of the previous run (fingerprint → its pages) gone from this one.

    Only those with at least one page checked properly this run count as fixed.
    """
    return [
        fp
        for fp, pages in previous.items()
        if fp not in current and any(p in checked_ok for p in pages)
    ]
