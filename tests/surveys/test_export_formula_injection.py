"""Residents' free text cannot become a live formula in a CSV or Excel export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd

from surveys.services import exports

HOSTILE = [
    '=HYPERLINK("https://evil.example","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "response_id": [f"r{i}" for i in range(len(HOSTILE) + 1)],
            "comments": [*HOSTILE, "plain text"],
            "rating": [-3, 1, 2, 3, 4, 5, 6],
        }
    )


def test_csv_cells_are_text_not_formulas():
    # A lone CR is left out here: pandas does not quote it in CSV (see the security note).
    hostile = [h for h in HOSTILE if not h.startswith("\r")]
    frame = _frame()
    frame = frame[~frame["comments"].str.startswith("\r")]
    text = exports.to_csv(frame).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["comments"] for r in rows] == [*("'" + h for h in hostile), "plain text"]
    assert rows[0]["rating"] == "-3"  # numbers stay numbers


def test_xlsx_opened_with_openpyxl_holds_no_formula(tmp_path: Path):
    codebook = {"variables": [{"name": "comments", "label": "=cmd|' /C calc'!A0", "type": "text"}]}
    path = tmp_path / "export.xlsx"
    path.write_bytes(exports.to_excel(_frame(), codebook))
    book = openpyxl.load_workbook(path)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    responses = book["responses"]
    comments = [responses.cell(row=i, column=2).value for i in range(2, len(HOSTILE) + 3)]
    assert comments == [*("'" + h for h in HOSTILE), "plain text"]
    assert responses.cell(row=2, column=3).value == -3
    assert book["codebook"].cell(row=2, column=2).value == "'=cmd|' /C calc'!A0"
