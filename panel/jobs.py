"""The panel's background jobs: the retention rule, run daily by the worker, and mailing a
fresh self-service link asked for at `/panel/link` (`panel.member_links`).

Personal data of members who left more than `PANEL_WITHDRAWN_RETENTION_DAYS` ago, and of
applicants who never confirmed within `PANEL_APPLICANT_RETENTION_DAYS`, is erased
(`panel.data_protection.erase`, which keeps their answers as anonymous responses).
"""

from __future__ import annotations

from typing import Any

from panel.data_protection import apply_retention
from panel.member_links import SEND_LINK_JOB, send_link_job
from service.jobs import Periodic
from service.settings import get_settings


async def retention(**_: Any) -> int:
    settings = get_settings()
    return await apply_retention(
        withdrawn_days=settings.panel_withdrawn_retention_days,
        applicant_days=settings.panel_applicant_retention_days,
    )


JOBS = {"panel.retention": retention, SEND_LINK_JOB: send_link_job}
PERIODIC: list[Periodic] = [Periodic("panel.retention", 24 * 3600, retention)]
