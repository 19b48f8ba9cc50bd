"""Excel output of result tables, formatted for a report.

`to_excel` writes any estimate table, crosstab, model summary or dict of
them to an .xlsx workbook (openpyxl): a title and notes above each table,
bold header row with a fill, proportions as percentages, counts with
thousands separators, frozen header, fitted column widths.  Crosstabs get
the report layout (percent with significance letters, base row) plus a
sheet of the underlying numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analysis.crosstabs import Crosstab
from analysis.errors import AnalysisError

PERCENT_COLUMNS = {
    "estimate",
    "ci_low",
    "ci_high",
    "se",
    "estimate_a",
    "estimate_b",
    "change",
    "change_se",
    "change_ci_low",
    "change_ci_high",
}
COUNT_COLUMNS = {"n", "n_a", "n_b", "count"}
HEADER_FILL = PatternFill("solid", fgColor="1D70B8")  # GOV.UK blue, white text passes AA
THIN = Side(style="thin", color="B1B4B6")


def _is_proportion(table: pd.DataFrame) -> bool:
    return table.attrs.get("statistic") in ("proportion", "difference", "trend", "benchmark")


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join(ch for ch in str(name) if ch not in "[]:*?/\\")[:31] or "Sheet"
    base, i = clean, 2
    while clean in used:
        suffix = f" ({i})"
        clean = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(clean)
    return clean


def _write_table(
    ws: Worksheet, table: pd.DataFrame, title: str, notes: list[str], index: bool
) -> None:
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    row = 2
    for note in notes:
        ws.cell(row=row, column=1, value=note).font = Font(italic=True, color="505A5F")
        row += 1
    row += 1
    frame = table.reset_index() if index else table
    header_row = row
    for j, col in enumerate(frame.columns, start=1):
        c = ws.cell(row=row, column=j, value=str(col))
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="top")
        c.border = Border(bottom=THIN)
    percent = _is_proportion(table)
    for values in frame.itertuples(index=False):
        row += 1
        for j, (col, v) in enumerate(zip(frame.columns, values, strict=True), start=1):
            if isinstance(v, float) and pd.isna(v):
                v = None
            elif hasattr(v, "item"):
                v = v.item()
            elif v is not None and not isinstance(v, (int, float, str, bool)):
                v = str(v)
            c = ws.cell(row=row, column=j, value=v)
            c.border = Border(bottom=THIN)
            name = str(col)
            if percent and name in PERCENT_COLUMNS:
                c.number_format = "0.0%"
            elif name in COUNT_COLUMNS or name == "weighted_count":
                c.number_format = "#,##0"
            elif isinstance(v, float):
                c.number_format = "0.000" if abs(v) < 100 else "#,##0.0"
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    for j, col in enumerate(frame.columns, start=1):
        width = max(
            [len(str(col))]
            + [len(f"{v:.3f}" if isinstance(v, float) else str(v)) for v in frame.iloc[:200, j - 1]]
        )
        ws.column_dimensions[get_column_letter(j)].width = min(max(10, width + 2), 60)


def to_excel(
    tables: pd.DataFrame | Crosstab | Any | Mapping[str, Any],
    path: str | Path,
    *,
    title: str | None = None,
    source: str | None = None,
) -> Path:
    """Write result tables to ``path`` (.xlsx), one sheet each, formatted for a report.

    ``tables`` is one table or ``{sheet name: table}``; a table is a
    DataFrame (estimates, differences, trends, benchmark), a `Crosstab`, or a
    model result (its ``summary()`` is written).  ``source`` is printed under
    each title (e.g. "Resident survey 2026, weighted to ONS mid-year estimates").
    """
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise AnalysisError(f"Excel output needs a .xlsx path, not {p.name}")
    items = dict(tables) if isinstance(tables, Mapping) else {title or "Results": tables}
    if not items:
        raise AnalysisError("nothing to write: no tables given")
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    used: set[str] = set()
    for name, table in items.items():
        notes = [source] if source else []
        heading = title if title and len(items) == 1 else str(name)
        if isinstance(table, Crosstab):
            notes.append(
                f"Column percentages. Letters mark columns this cell is significantly higher than "
                f"(p < {table.alpha:g}, design-based t test, {table.df} df)."
            )
            _write_table(
                wb.create_sheet(_sheet_name(name, used)),
                table.formatted(),
                heading,
                notes,
                index=True,
            )
            _write_table(
                wb.create_sheet(_sheet_name(f"{name} data", used)),
                table.table(),
                f"{heading}: cells",
                notes[:1],
                index=False,
            )
            continue
        if hasattr(table, "summary") and not isinstance(table, pd.DataFrame):
            frame = table.summary()
            formula, n = getattr(table, "formula", ""), getattr(table, "n", "")
            notes.append(f"Design-based model: {formula}; n = {n}")
            _write_table(
                wb.create_sheet(_sheet_name(name, used)), frame, heading, notes, index=True
            )
            continue
        if not isinstance(table, pd.DataFrame):
            kind = type(table).__name__
            raise AnalysisError(f"cannot write {name!r}: a {kind} is not a result table")
        if "ci" in table.attrs:
            notes.append(f"95% confidence intervals ({table.attrs['ci']} method); n is unweighted.")
        _write_table(wb.create_sheet(_sheet_name(name, used)), table, heading, notes, index=False)
    p.parent.mkdir(parents=True, exist_ok=True)
    wb.save(p)
    return p
