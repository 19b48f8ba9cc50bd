"""The draft accessibility statement, in the structure of the government's model statement,
and the checks GDS's monitoring team applies to statements, so the draft can prove it passes.

Non-compliant content is listed by WCAG criterion from the run's problems (those marked
"false positive" are left out; "accepted" ones stay, because they are still failures) and
from the PDF checks. The web team edits the draft before publishing: automated checks never
find everything, and the statement says how the site was tested.

The checks paraphrase the statement questions the accessibility monitoring platform
(alphagov/accessibility-monitoring-platform) asks; only those a program can decide are here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import html as lxml_html

from accessibility.checks.registry import is_best_practice
from accessibility.reports.view import ReportView
from accessibility.reports.wcag import CRITERIA, criterion_label

__all__ = [
    "STATEMENT_CHECKS",
    "Nonconformity",
    "StatementData",
    "build_statement",
    "check_statement",
]

REGULATIONS = (
    "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018"
)
EASS_URL = "https://www.equalityadvisoryservice.com/"
STANDARD = "Web Content Accessibility Guidelines version 2.2 AA standard"
#: How far ahead the draft proposes fixing each problem (the web team sets real dates).
FIX_WITHIN_DAYS = 90


@dataclass
class Nonconformity:
    """One failure to list: what is wrong, in plain words, and where."""

    message: str
    pages: int
    example_url: str
    kind: str = "page"  # page | pdf


@dataclass
class StatementData:
    website_name: str
    website_url: str
    organisation: str
    email: str
    phone: str
    prepared_on: dt.date
    tested_on: dt.date
    pages_tested: int
    axe_version: str
    status: str  # fully | partially | not
    by_criterion: dict[str, list[Nonconformity]] = field(default_factory=dict)
    fix_by: dt.date | None = None

    def criterion_label(self, number: str) -> str:
        return criterion_label(number)


def _first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    return sentence.rstrip(".") + "."


def build_statement(
    view: ReportView,
    *,
    website_url: str,
    organisation: str,
    email: str,
    phone: str,
    today: dt.date | None = None,
) -> StatementData:
    """Statement data from a run's report view."""
    today = today or dt.date.today()
    by_criterion: dict[str, list[Nonconformity]] = defaultdict(list)
    listed: set[tuple[str, tuple[str, ...]]] = set()
    for issue in view.violations:
        if issue.mark and issue.mark.get("status") == "false_positive":
            continue
        if is_best_practice(issue.rule):  # good practice, but no failure to declare
            continue
        criteria = [c for c in issue.wcag if c in CRITERIA] or ["other"]
        for number in criteria[:1]:
            # axe and our checks often find the same failure on the same pages: list it once
            seen = (number, tuple(sorted(issue.pages)))
            if seen in listed:
                continue
            listed.add(seen)
            by_criterion[number].append(
                Nonconformity(
                    message=_first_sentence(issue.message),
                    pages=len(issue.pages),
                    example_url=issue.pages[0] if issue.pages else website_url,
                )
            )
    for document in view.documents:
        for problem in (document.get("pdf") or {}).get("problems", []):
            number = (problem.get("wcag") or ["other"])[0]
            by_criterion[number].append(
                Nonconformity(
                    message=_first_sentence(problem["message"]),
                    pages=1,
                    example_url=document["url"],
                    kind="pdf",
                )
            )
    pages = max(view.summary.get("pages", 0), 1)
    affected = view.summary.get("pages_with_violations", 0)
    if not by_criterion:
        status = "fully"
    elif affected / pages > 0.5 and view.summary.get("by_impact", {}).get("critical", 0):
        status = "not"
    else:
        status = "partially"

    def key(number: str) -> tuple[int, ...]:
        return tuple(int(p) for p in number.split(".")) if number != "other" else (99,)

    return StatementData(
        website_name=view.site_name,
        website_url=website_url,
        organisation=organisation,
        email=email,
        phone=phone,
        prepared_on=today,
        tested_on=today,
        pages_tested=view.summary.get("pages", 0),
        axe_version=str(view.engine.get("axe_core", "")),
        status=status,
        by_criterion={k: by_criterion[k] for k in sorted(by_criterion, key=key)},
        fix_by=today + dt.timedelta(days=FIX_WITHIN_DAYS) if by_criterion else None,
    )


# -- the monitoring team's checks, for a statement as HTML --------------------------------------

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = r"(\d{1,2} (?:" + _MONTHS + r") \d{4})"


def _parse_date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d %B %Y").date()


@dataclass
class StatementCheck:
    id: str
    question: str
    test: Callable[[Any, str, dt.date], bool]


def _headings(doc: Any) -> list[str]:
    return [" ".join(h.text_content().split()) for h in doc.xpath("//h1|//h2|//h3|//h4")]


def _has_heading(name: str) -> Callable[[Any, str, dt.date], bool]:
    return lambda doc, text, today: any(h.lower() == name.lower() for h in _headings(doc))


def _fix_dates_future(doc: Any, text: str, today: dt.date) -> bool:
    dates = re.findall(r"fix (?:this|these|it) by " + _DATE, text)
    return all(_parse_date(d) > today for d in dates)


def _reviewed_within_year(doc: Any, text: str, today: dt.date) -> bool:
    match = re.search(r"last reviewed on " + _DATE, text)
    return match is not None and (today - _parse_date(match.group(1))).days <= 365


def _status_consistent(doc: Any, text: str, today: dt.date) -> bool:
    items = doc.xpath("//*[@id='non-compliance']//li")
    return not ("is fully compliant" in text and items)


def _noncompliance_names_criteria(doc: Any, text: str, today: dt.date) -> bool:
    items = doc.xpath("//*[@id='non-compliance']//li")
    return all(
        re.search(
            r"WCAG 2\.2 success criterion \d\.\d\.\d{1,2}", " ".join(i.text_content().split())
        )
        for i in items
    )


STATEMENT_CHECKS: list[StatementCheck] = [
    StatementCheck(
        "heading",
        'Is the page heading "Accessibility statement"?',
        lambda doc, text, today: any(
            h.text_content().strip().startswith("Accessibility statement")
            for h in doc.xpath("//h1")
        ),
    ),
    StatementCheck(
        "scope",
        "Is there a scope for the accessibility statement?",
        lambda doc, text, today: bool(
            re.search(r"This accessibility statement applies to \S+", text)
        ),
    ),
    StatementCheck(
        "commitment",
        "Does the commitment use the correct wording?",
        lambda doc, text, today: bool(
            re.search(
                r"is committed to making its website accessible, in accordance with the "
                + re.escape(REGULATIONS),
                text,
            )
        ),
    ),
    StatementCheck(
        "compliance-heading",
        "Is there a heading for compliance status?",
        _has_heading("Compliance status"),
    ),
    StatementCheck(
        "compliance-option",
        "Is 1 of the 3 compliance status options included?",
        lambda doc, text, today: (
            sum(
                f"is {o} compliant with the {STANDARD}" in text
                for o in ("fully", "partially", "not")
            )
            == 1
        ),
    ),
    StatementCheck(
        "compliance-consistent", "Is the compliance status option correct?", _status_consistent
    ),
    StatementCheck(
        "non-accessible-heading",
        "Is there a heading for non-accessible content (if needed)?",
        lambda doc, text, today: (
            _has_heading("Non-accessible content")(doc, text, today)
            or f"is fully compliant with the {STANDARD}" in text
        ),
    ),
    StatementCheck(
        "criteria",
        "Does the non-compliant content mention the WCAG criteria?",
        _noncompliance_names_criteria,
    ),
    StatementCheck("fix-dates", "Are all dates for fixes in the future?", _fix_dates_future),
    StatementCheck(
        "preparation-heading",
        "Is there a heading for preparation of this accessibility statement?",
        _has_heading("Preparation of this accessibility statement"),
    ),
    StatementCheck(
        "preparation-date",
        "Is there a date for the statement preparation?",
        lambda doc, text, today: bool(re.search(r"This statement was prepared on " + _DATE, text)),
    ),
    StatementCheck(
        "review-date",
        "Is there a date for the last review, within the last year?",
        _reviewed_within_year,
    ),
    StatementCheck(
        "method",
        "Is there information about the method used to prepare the statement?",
        lambda doc, text, today: (
            bool(re.search(r"was last tested on " + _DATE, text)) and "We tested" in text
        ),
    ),
    StatementCheck(
        "feedback-heading",
        "Is there a heading for feedback and contact information?",
        _has_heading("Feedback and contact information"),
    ),
    StatementCheck(
        "contact",
        "Is there contact information for the organisation?",
        lambda doc, text, today: (
            bool(doc.xpath("//a[starts-with(@href, 'mailto:')]"))
            or bool(re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text))
        ),
    ),
    StatementCheck(
        "enforcement-heading",
        "Is there a heading for enforcement procedure?",
        _has_heading("Enforcement procedure"),
    ),
    StatementCheck(
        "ehrc",
        "Does the content mention EHRC?",
        lambda doc, text, today: "Equality and Human Rights Commission" in text,
    ),
    StatementCheck(
        "eass",
        "Is there a link to EASS?",
        lambda doc, text, today: bool(
            doc.xpath("//a[contains(@href, 'equalityadvisoryservice.com')]")
        ),
    ),
]


def check_statement(html: str, today: dt.date | None = None) -> dict[str, bool]:
    """Each check's id → whether the statement passes it."""
    today = today or dt.date.today()
    doc: Any = lxml_html.document_fromstring(html)
    text = " ".join(doc.text_content().split())
    return {check.id: bool(check.test(doc, text, today)) for check in STATEMENT_CHECKS}
