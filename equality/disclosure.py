"""Disclosure control: small numbers never leave the library.

Primary suppression hides every group (cell) with fewer than ``min_n``
responses.  Secondary suppression then hides more groups of the same
characteristic until what is hidden cannot be worked out from what is shown:
the hidden set has at least two groups and together at least ``min_n``
responses (so subtracting the shown groups from a total, or combining a shown
group's "rest of the population" figure with the other shown groups, only
ever reveals the hidden groups *together*, and that together is not small).
The smallest shown groups are hidden first.

Every number of a hidden row is blanked (NaN), never set to zero, and the
``suppressed`` column says "fewer than N responses" (primary) or "hidden so
the small group cannot be worked out" (secondary).  Counts that are shown can
be rounded (``round_to``, e.g. 5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PRIMARY = "fewer than {n} responses"
SECONDARY = "hidden so that a smaller group cannot be worked out"

#: columns that are never blanked (they carry no numbers)
KEEP = ("characteristic", "group", "finding", "suppressed")


def hidden_sets(n: pd.Series, min_n: int) -> np.ndarray:
    """Which of one characteristic's groups to hide (primary + secondary)."""
    counts = n.to_numpy(dtype=float)
    hide = counts < min_n
    if not hide.any():
        return hide
    while not hide.all() and (hide.sum() < 2 or counts[hide].sum() < min_n):
        shown = np.flatnonzero(~hide)
        hide[shown[np.argmin(counts[shown])]] = True
    return hide


def round_counts(values: pd.Series, base: int) -> pd.Series:
    """Round counts to the nearest multiple of ``base`` (halves up), keeping NaN."""
    v = values.astype(float)
    return pd.Series(np.floor(v / base + 0.5) * base, index=values.index, name=values.name)


def suppress(
    table: pd.DataFrame,
    *,
    min_n: int = 10,
    n_column: str = "n",
    by: str | list[str] = "characteristic",
    round_to: int | None = None,
    count_columns: tuple[str, ...] = ("n", "rest_n"),
) -> pd.DataFrame:
    """A copy of ``table`` with small groups (and those that would reveal them) blanked.

    ``by`` names the column(s) whose groups sum to a shown total (one
    characteristic's groups); hiding is decided within each.
    """
    out = table.copy()
    if out.empty:
        out["suppressed"] = pd.Series(dtype=object)
        return out
    keys = [by] if isinstance(by, str) else list(by)
    primary = (out[n_column] < min_n).to_numpy()
    hide = np.zeros(len(out), dtype=bool)
    for _, idx in out.groupby(keys, sort=False).indices.items():
        hide[idx] = hidden_sets(out[n_column].iloc[idx], min_n)
    reason = np.where(primary, PRIMARY.format(n=min_n), np.where(hide, SECONDARY, ""))
    numeric = [
        c
        for c in out.columns
        if c not in KEEP and c not in keys and pd.api.types.is_numeric_dtype(out[c])
    ]
    for c in numeric:
        out[c] = out[c].astype(float)
        out.loc[hide, c] = np.nan
    if "finding" in out.columns:
        out.loc[primary, "finding"] = "not enough responses to say"
    if round_to:
        for c in count_columns:
            if c in out.columns:
                out[c] = round_counts(out[c], round_to)
    out["suppressed"] = reason
    return out
