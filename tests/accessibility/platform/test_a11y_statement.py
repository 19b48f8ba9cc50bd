"""The draft statement follows the model statement and passes GDS's statement checks; each
check fails when its part is missing or wrong."""

from __future__ import annotations

import datetime as dt

from jinja2 import Environment, FileSystemLoader

from accessibility.reports.html import TEMPLATES
from accessibility.reports.statement import REGULATIONS, build_statement, check_statement
from accessibility.reports.view import IssueView, ReportView

TODAY = dt.date(2026, 11, 22)


def issue(
    rule: str, wcag: list[str], pages: list[str], message: str, mark: str | None = None
) -> IssueView:
    return IssueView(
        fingerprint=rule,
        rule=rule,
        source="axe",
        kind="violation",
        wcag=wcag,
        level="A",
        impact="serious",
        message=message,
        selector="img",
        snippet="<img>",
        help_url=None,
        pages=pages,
        occurrences=len(pages),
        mark={"status": mark} if mark else None,
    )


def render(view: ReportView) -> str:
    st = build_statement(
        view,
        website_url="https://www.northbridge.example.gov.uk/",
        organisation="Northbridge Borough Council",
        email="web@northbridge.example.gov.uk",
        phone="0300 123 4567",
        today=TODAY,
    )
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    return env.get_template("accessibility/_statement.html").render(st=st, regulations=REGULATIONS)


def view(issues: list[IssueView], pdf_problems: list[dict[str, object]] = ()) -> ReportView:  # type: ignore[assignment]
    return ReportView(
        site_name="Northbridge council website",
        run_label="Run 1",
        started_at="22 November 2026",
        engine={"axe_core": "4.10.2"},
        summary={"pages": 10, "pages_with_violations": 3, "by_impact": {"critical": 0}},
        issues=issues,
        pages=[],
        documents=[
            {
                "url": "https://www.northbridge.example.gov.uk/a.pdf",
                "pdf": {"problems": list(pdf_problems)},
            }
        ],
    )


def test_draft_passes_every_check_and_lists_failures_by_criterion() -> None:
    html = render(
        view(
            [
                issue(
                    "image-alt",
                    ["1.1.1"],
                    ["https://n.example/a", "https://n.example/b"],
                    "Images must have alternative text. Fix any of the following: x",
                ),
                issue(
                    "document-title",
                    ["2.4.2"],
                    ["https://n.example/c"],
                    "Documents must have a title.",
                ),
                issue("page-title", ["2.4.2"], ["https://n.example/c"], "The page has no title."),
                issue(
                    "color-contrast",
                    ["1.4.3"],
                    ["https://n.example/d"],
                    "Low contrast.",
                    mark="false_positive",
                ),
                issue(
                    "label",
                    ["4.1.2"],
                    ["https://n.example/e"],
                    "Form field has no label.",
                    mark="accepted",
                ),
            ],
            [
                {
                    "rule": "pdf-untagged",
                    "wcag": ["1.3.1"],
                    "level": "A",
                    "message": "This PDF is not tagged.",
                }
            ],
        )
    )
    results = check_statement(html, today=TODAY)
    assert all(results.values()), [k for k, ok in results.items() if not ok]
    assert "This website is partially compliant" in html
    assert "WCAG 2.2 success criterion 1.1.1 (Non-text Content)" in html
    assert "We found this on 2 pages" in html
    assert "1.3.1 (Info and Relationships)" in html and "a.pdf" in html
    assert "Low contrast" not in html, "false positives are left out"
    assert "Form field has no label" in html, "accepted problems are still failures"
    assert html.count("success criterion 2.4.2") == 1, (
        "one failure found by two engines is listed once"
    )
    assert "fix this by 20 February 2027" in html


def test_no_failures_means_fully_compliant_and_still_passes() -> None:
    html = render(view([]))
    assert "This website is fully compliant" in html and "Non-accessible content" not in html
    assert all(check_statement(html, today=TODAY).values())


def test_each_check_fails_when_its_part_is_broken() -> None:
    good = render(view([issue("image-alt", ["1.1.1"], ["https://n.example/a"], "No alt text.")]))
    broken = {
        "heading": good.replace(
            '<h1 class="govuk-heading-xl">Accessibility statement for', "<h1>Statement for"
        ),
        "commitment": good.replace(
            "is committed to making its website accessible", "tries to be accessible"
        ),
        "compliance-heading": good.replace(">Compliance status<", ">Status<"),
        "compliance-option": good.replace(
            "is partially compliant with", "is mostly compliant with"
        ),
        "compliance-consistent": good.replace(
            "is partially compliant with", "is fully compliant with"
        ),
        "criteria": good.replace("WCAG 2.2 success criterion 1.1.1", "the guidelines"),
        "fix-dates": good.replace("fix this by 20 February 2027", "fix this by 1 January 2020"),
        "preparation-date": good.replace(
            "This statement was prepared on", "This statement was written"
        ),
        "review-date": good.replace(
            "last reviewed on 22 November 2026", "last reviewed on 1 March 2024"
        ),
        "non-accessible-heading": good.replace(">Non-accessible content<", ">Problems<"),
        "enforcement-heading": good.replace(">Enforcement procedure<", ">Complaints<"),
        "eass": good.replace("https://www.equalityadvisoryservice.com/", "https://example.org/"),
        "contact": good.replace("mailto:", "https:").replace(
            "web@northbridge.example.gov.uk", "our team"
        ),
    }
    for check, html in broken.items():
        results = check_statement(html, today=TODAY)
        assert not results[check], f"{check} should fail"
        assert sum(not ok for ok in results.values()) >= 1
