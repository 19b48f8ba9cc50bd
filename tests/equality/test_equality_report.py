"""The EqIA report: what it shows, what it never shows, and our auditor's verdict on it."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from lxml import html as lxml_html

import analysis
import equality
from equality import synthetic
from equality.pipeline import build, report


@pytest.fixture(scope="module")
def evidence() -> Any:
    frame = synthetic.survey(2500, seed=21)
    margins = pd.DataFrame(
        [("age_band", k, v) for k, v in synthetic.POPULATION_AGE.items()]
        + [("sex", k, v) for k, v in synthetic.POPULATION_SEX.items()],
        columns=["dimension", "group", "population"],
    )
    return build(
        frame, ("council_satisfaction", ["very_satisfied", "fairly_satisfied"]), margins=margins
    )


@pytest.fixture(scope="module")
def html_report(evidence: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eqia") / "report.html"
    report(evidence, out, title="Satisfaction with the council: equalities evidence")
    return out


def test_report_has_every_eqia_section_and_a_table_per_chart(
    html_report: Path, evidence: Any
) -> None:
    doc = lxml_html.document_fromstring(html_report.read_text())
    headings = [h.text_content() for h in doc.xpath("//h2")]
    for wanted in (
        "Summary of findings",
        "Findings by characteristic",
        "Digital exclusion",
        "Who responded",
        "Method and data notes",
        "Evidence gaps",
        "Equalities Impact Assessment",
    ):
        assert any(wanted in h for h in headings), wanted
    charts = doc.xpath("//svg[@role='img']")
    n_chars = evidence.assessment.findings["characteristic"].nunique()
    assert len(charts) == n_chars
    for svg in charts:
        section = svg.getparent().getparent()
        assert section.xpath(".//table/caption"), "each chart is followed by its data table"
        assert svg.xpath("./title") and svg.xpath("./desc")
    text = doc.text_content()
    assert "Holm" in text and "fewer than 10 responses" in text
    assert "raked to population margins" in text
    assert "Marriage and civil partnership" in text  # not asked: an evidence gap
    assert "White: Gypsy or Irish Traveller" in text  # what was combined is said
    assert text.count("Mitigations") >= n_chars


def test_a_hidden_group_is_written_out_never_drawn_or_zero(
    html_report: Path, evidence: Any
) -> None:
    f = evidence.assessment.findings
    hidden = f[f["suppressed"] != ""]
    assert not hidden.empty, "the synthetic survey has a small group"
    doc = lxml_html.document_fromstring(html_report.read_text())
    for _, row in hidden.iterrows():
        cells = doc.xpath(f"//tr[th[normalize-space()='{row['group']}']]")
        assert cells, row["group"]
        for tr in cells:
            assert not re.search(r"\d+(\.\d+)?%", tr.text_content()), tr.text_content()
            assert "not shown" in tr.text_content()
    desc = " ".join(d.text_content() for d in doc.xpath("//desc"))
    assert "not shown" in desc
    # and no raw count below 10 appears in any table cell of the findings
    counts = [td.text_content().strip() for td in doc.xpath("//section//td[@class='num']")]
    small = [c for c in counts if c.isdigit() and int(c) < 10]
    assert small == []


def test_json_and_findings_agree_with_the_report(evidence: Any) -> None:
    data = evidence.assessment.to_json()
    assert data["adjust"] == "holm" and data["min_n"] == 10
    assert len(data["findings"]) == len(evidence.assessment.findings)
    assert all(isinstance(r["finding"], str) for r in data["findings"])


@pytest.fixture
def served(html_report: Path) -> Iterator[str]:
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(html_report.parent)
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{html_report.name}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
@pytest.mark.slow
async def test_report_passes_our_auditor(served: str, browser: Any) -> None:
    from tests.e2e.test_own_pages_audit import audit, violations

    result = await audit([served], browser)
    assert [p.audit.http_status for p in result.pages] == [200]
    problems = violations(result)
    assert problems == [], "\n".join(problems)


def test_report_refuses_a_format_it_cannot_write(evidence: Any, tmp_path: Path) -> None:
    with pytest.raises(equality.EqualityError, match=r"must end in \.html or \.pdf"):
        report(evidence, tmp_path / "report.docx")


def test_an_unweighted_design_says_so(tmp_path: Path) -> None:
    frame = synthetic.survey(400, seed=2)
    result = equality.assess(analysis.Design(frame), ("home_internet", ["yes"]), ["age"])
    out = result.report(tmp_path / "r.html")
    assert "Unweighted" in out.read_text()


@pytest.mark.browser
@pytest.mark.slow
def test_pdf_is_written_and_tagged(evidence: Any, tmp_path: Path) -> None:
    out = report(evidence, tmp_path / "report.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"StructTreeRoot" in data


def test_evidence_wording_follows_the_direction_of_the_outcome() -> None:
    from equality.report import sections

    frame = synthetic.survey(3000, seed=4)
    design = analysis.rake(analysis.Design(frame), synthetic.margins())
    result = equality.assess(design, ("home_internet", ["no"]), ["age"], higher_is_better=False)
    age = sections(result)[0]
    assert age.impact == "Negative"
    assert "75 or over" in age.evidence and "a higher share (home_internet: no)" in age.evidence


def _religion(sizes: dict[str, int], seed: int = 3) -> pd.DataFrame:
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = [
        {"religion": group, "y": int(rng.random() < 0.6)}
        for group, size in sizes.items()
        for _ in range(size)
    ]
    return pd.DataFrame(rows)


def test_the_method_notes_count_the_groups_actually_tested(tmp_path: Path) -> None:
    data = _religion({"christian": 220, "none": 180, "muslim": 60, "jewish": 7})
    result = equality.assess(analysis.Design(data), "y", ["religion"])
    assert result.tested == 3 and result.to_json()["tested"] == 3  # Jewish: too few to test
    text = lxml_html.document_fromstring(result.report(tmp_path / "r.html").read_text())
    notes = " ".join(text.text_content().split())
    assert "with the Holm method across the 3 groups with enough responses" in notes
    plain = equality.assess(analysis.Design(data), "y", ["religion"], adjust=None)
    doc = lxml_html.document_fromstring(plain.report(tmp_path / "p.html").read_text())
    assert "not adjusted for multiple comparisons (3 groups tested)" in " ".join(
        doc.text_content().split()
    )


def test_the_chart_states_the_confidence_level_used(tmp_path: Path) -> None:
    data = _religion({"christian": 220, "none": 180, "muslim": 60})
    result = equality.assess(analysis.Design(data), "y", ["religion"], alpha=0.1)
    doc = lxml_html.document_fromstring(result.report(tmp_path / "r.html").read_text())
    title = doc.xpath("//svg/title")[0].text_content()
    assert "90% confidence interval" in title and "95%" not in title


def test_every_group_too_small_is_said_once_and_never_drawn(tmp_path: Path) -> None:
    data = pd.DataFrame({"sex": ["female"] * 5 + ["male"] * 4, "y": [0, 1] * 4 + [1]})
    result = equality.assess(analysis.Design(data), "y", ["sex"])
    doc = lxml_html.document_fromstring(result.report(tmp_path / "r.html").read_text())
    summary = doc.xpath("//h2[@id='summary']/following::table[1]//tbody/tr/th")
    assert [th.text_content() for th in summary] == ["Sex"]  # once, not again as a gap
    eqia = doc.xpath("//h2[@id='eqia']/following::section/h3")
    assert [h.text_content() for h in eqia] == ["Sex"]
    svg = doc.xpath("//svg[@role='img']")[0]
    assert not svg.xpath(".//circle | .//rect")  # no dot, no interval: nothing drawn
    assert svg.text_content().count("fewer than 10 responses: not shown") == 2
    # nine people answered: not even everyone's share is shown
    assert "everyone" not in svg.text_content()
    assert not re.search(r"\d+(\.\d+)?%", doc.xpath("//p[@class='eq-lede']")[0].text_content())
    gaps = doc.xpath("//h2[@id='gaps']/following::ul[1]/li")
    assert any("every group has fewer than 10" in li.text_content() for li in gaps)


def test_the_digital_totals_say_whether_they_are_residents(tmp_path: Path) -> None:
    from equality.digital import digital_exclusion

    frame = synthetic.survey(600, seed=8)
    plain = analysis.Design(frame)
    result = equality.assess(plain, ("home_internet", ["no"]), ["age"], higher_is_better=False)
    unweighted = digital_exclusion(plain, ["age"])
    assert unweighted.weighting == "unweighted"
    out = result.report(tmp_path / "u.html", digital=unweighted)
    caption = lxml_html.document_fromstring(out.read_text()).xpath(
        "//h2[@id='digital']/following::table[1]/caption"
    )[0]
    assert "not estimates of residents" in caption.text_content()
    raked = digital_exclusion(analysis.rake(plain, synthetic.margins()), ["age"])
    assert raked.weighting == "raked"
    out = result.report(tmp_path / "r.html", digital=raked)
    caption = lxml_html.document_fromstring(out.read_text()).xpath(
        "//h2[@id='digital']/following::table[1]/caption"
    )[0]
    assert "Residents affected across the borough (weighted to the population)" in (
        caption.text_content()
    )


def test_the_report_names_the_survey_and_its_fieldwork_dates(tmp_path: Path) -> None:
    frame = synthetic.survey(300, seed=12)
    days = pd.date_range("2026-03-02", "2026-04-28", freq="D", tz="UTC")
    frame["submitted_at"] = [days[i % len(days)] for i in range(len(frame))]
    del frame.attrs["fieldwork"]  # the synthetic survey states its own; an export does not
    frame.attrs["survey"] = "spring-residents"
    frame.attrs["codebook"] = {"survey": "spring-residents", "title": "Spring residents' survey"}
    result = equality.assess(analysis.Design(frame), ("home_internet", ["yes"]), ["age"])
    assert result.design_summary["fieldwork"] == "2 March 2026 to 28 April 2026"
    doc = lxml_html.document_fromstring(result.report(tmp_path / "r.html").read_text())
    text = " ".join(doc.text_content().split())
    assert "Spring residents' survey; fieldwork 2 March 2026 to 28 April 2026." in text
    # an export's dates as plain text (pseudonymous exports keep only the day)
    frame["submitted_at"] = "2026-05-01"
    one_day = equality.assess(analysis.Design(frame), ("home_internet", ["yes"]), ["age"])
    assert one_day.design_summary["fieldwork"] == "1 May 2026"
