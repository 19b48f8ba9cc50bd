"""EqIA evidence for a survey outcome: built on demand for the staff page, or as a background
job whose finished report is kept for download (`EqualityReport`).

The statistics are all `equality.pipeline.build` (with its disclosure control); this module
only loads the survey's responses, runs the build off the event loop and stores the result.
A large survey's full report takes seconds, so the staff page queues it instead of making
the browser wait.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import anyio.to_thread

from service import jobs
from surveys.services import definitions_store
from surveys.tables import EqualityReport

JOB = "surveys.equality_report"


async def evidence(slug: str, outcome: str, characteristics: str = "") -> Any:
    """`equality.pipeline.Evidence` for the outcome; `EqualityError` says what is wrong."""
    import analysis
    from equality import EqualityError
    from equality.pipeline import build, parse_outcome

    question, levels = parse_outcome(outcome)
    frame = await analysis.aload(slug)
    if frame.empty:
        raise EqualityError(f"survey {slug!r} has no responses yet")
    names = [c.strip() for c in characteristics.split(",") if c.strip()] or None
    return await anyio.to_thread.run_sync(
        lambda: build(frame, (question, levels), characteristics=names)
    )


async def queue_report(slug: str, outcome: str, characteristics: str, requested_by: str) -> int:
    """Record a report request and queue the job that builds it; returns the report id.

    The outcome's syntax is checked now (`EqualityError`), so a typo is refused on the page
    instead of failing in the background.
    """
    from equality.pipeline import parse_outcome

    parse_outcome(outcome)
    stored = await definitions_store.get_version(slug)
    report = EqualityReport(
        survey=stored.survey_id,
        outcome=outcome[:500],
        characteristics=characteristics[:500],
        requested_by=requested_by,
    )
    await report.save()
    await jobs.enqueue(JOB, {"report_id": int(report.id)}, max_attempts=1, timeout_s=900)
    return int(report.id)


async def build_report(report_id: int) -> str:
    """The job: build the report and store it (or the reason it failed); returns the status."""
    from equality import EqualityError
    from equality.report import render_html

    row = (
        await EqualityReport.select(
            EqualityReport.outcome, EqualityReport.characteristics, EqualityReport.survey.slug
        )
        .where(EqualityReport.id == report_id)
        .first()
    )
    if row is None:
        return "missing"
    slug = str(row["survey.slug"])
    try:
        found = await evidence(slug, str(row["outcome"]), str(row["characteristics"]))
        html = await anyio.to_thread.run_sync(
            lambda: render_html(found.assessment, digital=found.digital)
        )
    except Exception as error:
        # Bad input (EqualityError) is the staff member's to fix, and the page says why; any
        # other failure is recorded too, so the request never sits "queued" for ever, and
        # then raised so the job list shows it failed.
        message = (
            str(error) if isinstance(error, EqualityError) else "the report could not be built"
        )
        await EqualityReport.update(
            {
                EqualityReport.status: "failed",
                EqualityReport.error: message,
                EqualityReport.finished_at: dt.datetime.now(dt.UTC),
            }
        ).where(EqualityReport.id == report_id)
        if not isinstance(error, EqualityError):
            raise
        return "failed"
    await EqualityReport.update(
        {
            EqualityReport.status: "done",
            EqualityReport.html: html,
            EqualityReport.finished_at: dt.datetime.now(dt.UTC),
        }
    ).where(EqualityReport.id == report_id)
    return "done"


async def recent_reports(slug: str, limit: int = 10) -> list[dict[str, Any]]:
    """The survey's latest report requests, newest first (without their HTML)."""
    stored = await definitions_store.get_version(slug)
    return list(
        await EqualityReport.select(
            EqualityReport.id,
            EqualityReport.outcome,
            EqualityReport.characteristics,
            EqualityReport.status,
            EqualityReport.error,
            EqualityReport.requested_by,
            EqualityReport.created_at,
            EqualityReport.finished_at,
        )
        .where(EqualityReport.survey == stored.survey_id)
        .order_by(EqualityReport.id, ascending=False)
        .limit(limit)
    )


async def report_html(slug: str, report_id: int) -> str | None:
    """The finished report's HTML, or None when it is not this survey's or not done."""
    stored = await definitions_store.get_version(slug)
    row = (
        await EqualityReport.select(EqualityReport.html)
        .where(
            (EqualityReport.id == report_id)
            & (EqualityReport.survey == stored.survey_id)
            & (EqualityReport.status == "done")
        )
        .first()
    )
    return None if row is None else str(row["html"])
