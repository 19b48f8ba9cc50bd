"""This domain's `/metrics` figures (`service.metrics`), read at scrape time."""

from __future__ import annotations

from piccolo.query.functions.aggregate import Count

from service.metrics import Sample
from surveys.tables import SurveyResponse

RESPONSE_STATUSES = ("partial", "complete")


async def collect() -> list[Sample]:
    """Stored responses by status (partial = saved to come back to; complete = submitted).

    Counted in the table rather than per process, so it is right with any number of server
    processes and across restarts; a rate is `rate(resident_voice_survey_responses[5m])`.
    """
    rows = await SurveyResponse.select(SurveyResponse.status, Count(alias="n")).group_by(
        SurveyResponse.status
    )
    counts = {str(row["status"]): int(row["n"]) for row in rows}
    return [
        Sample(
            "survey_responses",
            "Survey responses stored, by status.",
            counts.get(status, 0),
            {"status": status},
        )
        for status in sorted({*RESPONSE_STATUSES, *counts})
    ]
