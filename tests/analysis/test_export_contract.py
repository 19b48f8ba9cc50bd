"""analysis reads exports by its own copy of the contract, which must match what surveys writes,
and no analysis module but the administrators' direct-database path touches the service."""

from __future__ import annotations

import ast
from pathlib import Path

import analysis.export_contract as reads
import surveys.export_contract as writes
from surveys.services.exports import FORMATS

ANALYSIS = Path(__file__).resolve().parents[2] / "analysis"


def test_both_sides_of_the_export_contract_agree() -> None:
    for name in ("FIXED_COLUMNS", "PANEL_COLUMNS", "MODES", "STATUSES"):
        assert getattr(reads, name) == getattr(writes, name), name
    assert set(reads.FORMATS) == set(FORMATS)


def test_analysis_imports_no_domain_except_on_the_direct_database_path() -> None:
    domains = {"surveys", "panel", "service", "accessibility", "litestar", "piccolo"}
    offenders = []
    for path in sorted(ANALYSIS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                if name.split(".")[0] in domains and path.name != "database.py":
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []
