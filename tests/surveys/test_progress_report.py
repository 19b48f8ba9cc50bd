"""`resident-voice progress-report`: renders every measure it can, names the ones it cannot,
and the page passes our own accessibility auditor."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import http.server
import socket
import threading
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from tests.e2e.test_own_pages_audit import SQLITE_ONLY, audit, violations
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS as ANSWERS

NOW = dt.datetime.now(dt.UTC)
PERIOD = f"{NOW.year}-H{1 if NOW.month <= 6 else 2}"
MEASURES = f"""
measures:
  - id: sat
    name: Satisfied with the way the council runs things
    definition: >-
      Residents who are very or fairly satisfied with the way the council runs things, of
      everyone who answered the question in the period, leaving out those who said they do
      not know. The question is the Local Government Association's own wording, so the
      figure can be set beside the national polling, with the care the method note asks.
      It is asked every half-year of a sample drawn from the resident panel, weighted to the
      borough's population, and reported with its confidence interval, so that a change that
      is only noise is never reported as a change (a long paragraph, as a real definition is:
      the page's line spacing must suit it).
    source: {{kind: survey, survey: resident-satisfaction, question: council_satisfaction,
             levels: [Very satisfied, Fairly satisfied], weighting: unweighted}}
    targets: {{{PERIOD}: {{value: 10, tolerance: 2}}}}
  - id: negative
    name: Bad tolerance
    source: {{kind: survey, survey: resident-satisfaction, question: trust,
             levels: [A great deal], weighting: unweighted}}
    targets: {{{PERIOD}: {{value: 50, tolerance: -1}}}}
  - id: gone
    name: Question removed
    source: {{kind: survey, survey: resident-satisfaction, question: removed_question,
             levels: [Yes], weighting: unweighted}}
  - id: members
    name: Panel members
    unit: count
    source: {{kind: panel, figure: active_members}}
"""


async def _report(tmp_path: Path, *args: str) -> Any:
    from surveys.measures_cli import progress_report

    path = tmp_path / "measures.yaml"
    path.write_text(MEASURES)
    return await asyncio.to_thread(
        CliRunner().invoke,
        progress_report,
        ["--period", PERIOD, "--measures", str(path), *args],
    )


async def _responses() -> None:
    from service.accounts import create_user
    from surveys.services import responses
    from tests.surveys.conftest import store_bank

    await store_bank("resident-satisfaction")
    staff = await create_user("ro@council.example.gov.uk", "RO", "panel_manager", "x" * 16)
    for council in ("very_satisfied", "fairly_satisfied", "very_dissatisfied"):
        await responses.record_assisted(
            "resident-satisfaction",
            {**ANSWERS, "council_satisfaction": council},
            mode="paper",
            entered_by=int(staff.id),
        )


@SQLITE_ONLY
async def test_report_renders_the_good_measures_and_names_the_bad(
    db: Any, tmp_path: Path, browser: Any
) -> None:
    await _responses()
    out = tmp_path / "report.html"
    ran = await _report(tmp_path, "--audience", "management", "--output", str(out))
    assert ran.exit_code == 0, ran.output
    assert "4 measures" in ran.output
    assert "negative: target for" in ran.output and "below zero" in ran.output
    html = out.read_text()
    assert "66.7%" in html  # 2 of 3 satisfied
    # three answers: the interval is so wide that a 10 % target is inside it
    assert '<span class="mr-status within-margin-of-error">within margin of error</span>' in html
    assert "tolerance -1 is below zero" in html
    assert "&#39;removed_question&#39; was not asked" in html
    assert "Measures with no target set" in html and "<li>Panel members</li>" in html
    assert "Answers (n)" in html  # the management version shows bases

    bad = await _report(tmp_path, "--output", str(tmp_path / "report.docx"))
    assert bad.exit_code != 0 and "must end in .html or .pdf" in bad.output
    bad = await asyncio.to_thread(
        CliRunner().invoke,
        __import__("surveys.measures_cli", fromlist=["x"]).progress_report,
        ["--period", "2026-H3", "--output", str(out)],
    )
    assert bad.exit_code != 0 and "2026-H3" in bad.output

    # our own auditor over the written page, served from 127.0.0.1
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = await audit([f"http://127.0.0.1:{port}/report.html"], browser)
    finally:
        server.shutdown()
        server.server_close()
    assert [p.audit.http_status for p in result.pages] == [200]
    assert violations(result) == []
    # nor best-practice findings (typography: a long definition at line-height 1.4 had one)
    assert [(f.rule, f.selector) for p in result.pages for f in p.best_practice] == []


@SQLITE_ONLY
async def test_the_pdf_is_tagged_a4_with_the_whole_summary_on_its_first_page(
    db: Any, tmp_path: Path
) -> None:
    """Every shipped measure (22 rows) in the summary, printed: one A4 page for the summary
    table (the print styles once let it run over three), then the measures; a tagged PDF
    with its language and an outline."""
    import pypdf

    from analysis.measures import load_measures
    from surveys.measures_cli import progress_report

    await _responses()
    out = tmp_path / "report.pdf"
    ran = await asyncio.to_thread(
        CliRunner().invoke,
        progress_report,
        ["--period", PERIOD, "--audience", "management", "--output", str(out)],
    )
    assert ran.exit_code == 0, ran.output
    reader = pypdf.PdfReader(out)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB" and "/Outlines" in root
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (
        210,
        297,
    )
    first = " ".join(reader.pages[0].extract_text().split())
    names = [d.name for d in load_measures()]
    assert all(" ".join(n.split()) in first for n in names), [n for n in names if n not in first]
    assert "outside the tolerance." in first  # the note under the table, too
    assert len(reader.pages) > 2  # the sections per measure follow
