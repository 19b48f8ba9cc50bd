"""Spreadsheet safety for every CSV and Excel export.

A cell whose text starts with ``= + - @`` (or a tab or carriage return, which some
spreadsheets skip before reading a formula) is run as a formula when a research officer
opens the file: a resident's open-text answer of ``=HYPERLINK(...)`` would become a live
link. Prefixing an apostrophe makes the spreadsheet show the text as text. Only text
cells change; numbers (negative ones included) stay numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The value with a leading apostrophe if it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell passed through :func:`neutralise`."""
    out = frame.copy()
    for column in out.columns:
        dtype = out[column].dtype
        if str(dtype) in ("object", "str", "string"):
            out[column] = out[column].map(neutralise)
    return out
