"""The direct-database path of `analysis.load`: for administrators only.

It reads through the surveys domain (`surveys.services.exports.response_frame`) with the
database's own credentials (`DATABASE_URL`), and so sees everything the database holds:
responses as stored, panel references, and, to whoever has those credentials, every table.
That is an administrator's access. Everyone else uses `analysis.load(survey, url=..., token=...)`,
which fetches the pseudonymous export their role allows over HTTPS with a personal API token.

This is the only module of `analysis` that reaches into the service, and it does so only when
called, so `import analysis` in a notebook never loads the service's domains.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analysis.errors import AnalysisError

if TYPE_CHECKING:
    import pandas as pd


async def response_frame(
    survey: str, *, version: int | None, include_partial: bool
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """(raw frame, codebook) straight from the service database. Administrators only."""
    try:
        from surveys.services import exports
    except ImportError as exc:
        raise AnalysisError(
            "the direct-database path needs the service installed beside analysis; use "
            "analysis.load(survey, url=..., token=...) or analysis.read_export instead"
        ) from exc
    frame, codebook = await exports.response_frame(
        survey, version=version, include_partial=include_partial
    )
    return frame, codebook
