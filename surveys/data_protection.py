"""The surveys domain's part in a panel member's erasure and subject access.

`panel.data_protection` finds this room by convention (`<domain>/data_protection.py` exposing
`erase_member` and `member_data`), so `panel` never imports `surveys`. Erasure unlinks: the
member's responses stay for statistics with a fresh random respondent id and no member, and
their links no longer name them. Runs inside panel's erasure transaction.
"""

from __future__ import annotations

from typing import Any

from surveys.services.responses import new_respondent_id
from surveys.tables import SurveyLink, SurveyResponse


async def erase_member(member_id: int) -> dict[str, int]:
    """Unlink the member's responses and links; how many of each."""
    responses = await SurveyResponse.select(SurveyResponse.id).where(
        SurveyResponse.member == member_id
    )
    for row in responses:
        await SurveyResponse.update(
            {SurveyResponse.member: None, SurveyResponse.respondent_id: new_respondent_id()}
        ).where(SurveyResponse.id == row["id"])
    links = await SurveyLink.count().where(SurveyLink.member == member_id)
    await SurveyLink.update({SurveyLink.member: None}).where(SurveyLink.member == member_id)
    return {"responses_unlinked": len(responses), "links_unlinked": links}


async def member_data(member_id: int) -> dict[str, Any]:
    """The member's survey links and responses (their own answers), for subject access."""
    links = await SurveyLink.select(
        SurveyLink.survey.slug, SurveyLink.version, SurveyLink.status, SurveyLink.created_at
    ).where(SurveyLink.member == member_id)
    responses = (
        await SurveyResponse.select(
            SurveyResponse.survey.slug,
            SurveyResponse.version,
            SurveyResponse.status,
            SurveyResponse.answers,
            SurveyResponse.submitted_at,
        )
        .where(SurveyResponse.member == member_id)
        .output(load_json=True)
    )
    return {
        "survey_links": [{**r, "survey": r.pop("survey.slug")} for r in links],
        "survey_responses": [{**r, "survey": r.pop("survey.slug")} for r in responses],
    }
