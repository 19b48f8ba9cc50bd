"""The CSV download: one row per finding on a page, for spreadsheets and issue trackers."""

from __future__ import annotations

import csv
import io

from accessibility.reports.view import MARK_LABELS, ReportView
from service.spreadsheet import neutralise

__all__ = ["COLUMNS", "to_csv"]

COLUMNS = [
    "page_url",
    "page_status",
    "rule",
    "source",
    "kind",
    "wcag",
    "level",
    "impact",
    "selector",
    "snippet",
    "message",
    "fingerprint",
    "change",
    "mark",
]


def to_csv(view: ReportView) -> str:
    issues = {i.fingerprint: i for i in view.issues}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for page in view.pages:
        for f in page.findings:
            issue = issues.get(f.fingerprint)
            mark = MARK_LABELS.get((issue.mark or {}).get("status", ""), "") if issue else ""
            row = [
                page.url,
                page.status,
                f.rule,
                f.source,
                f.kind,
                " ".join(f.wcag),
                f.level,
                f.impact,
                f.selector,
                f.snippet,
                f.message,
                f.fingerprint,
                issue.change_label if issue else "",
                mark,
            ]
            writer.writerow([neutralise(str(v)) for v in row])
    return out.getvalue()
