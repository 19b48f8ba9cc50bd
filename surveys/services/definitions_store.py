"""Stored survey definitions and their versions.

A version that has responses is immutable: saving a changed definition then makes the next
version. A version without responses yet is simply replaced, so staff can fix a typo before
launch without leaving a trail of empty versions. Saving the same content again is a no-op
(compared by the engine's `content_hash`, so YAML layout does not matter).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from surveys.definitions import (
    DefinitionError,
    DefinitionIssue,
    canonical_json,
    content_hash,
    parse_definition,
)
from surveys.definitions.model import Survey as SurveyModel
from surveys.services.errors import NotFound
from surveys.tables import Survey, SurveyResponse, SurveyVersion


@dataclass(frozen=True)
class StoredVersion:
    """One stored version: database ids plus the parsed, validated survey."""

    survey_id: int
    slug: str
    version: int
    content_hash: str
    survey: SurveyModel


@dataclass(frozen=True)
class SaveResult:
    stored: StoredVersion
    created: bool  # False when an identical definition was already stored
    replaced: bool  # True when a version without responses was edited in place


#: Parsed surveys by (survey id, version, content hash): a stored version never changes, and
#: parsing (JSON Schema plus semantic checks) costs tens of milliseconds.
_PARSED: dict[tuple[int, int, str], SurveyModel] = {}


def _for_storage(data: dict[str, Any]) -> dict[str, Any]:
    """The definition without its `version` key: the database numbers versions itself."""
    return {k: v for k, v in data.items() if k != "version"}


def _parse_stored(survey_id: int, version: int, digest: str, text: str) -> SurveyModel:
    key = (survey_id, version, digest)
    parsed = _PARSED.get(key)
    if parsed is None:
        data = json.loads(text)
        data["version"] = version
        parsed = _PARSED[key] = parse_definition(data)
    return parsed


async def save_definition(data: Any, *, created_by: str = "") -> SaveResult:
    """Validate and store a definition; returns the version it now lives in.

    Raises `DefinitionError` (with the path of each problem) for an invalid document; nothing is
    written then. The whole save is one transaction.
    """
    if not isinstance(data, dict):
        raise DefinitionError(
            [DefinitionIssue("", "a survey definition must be a mapping (YAML or JSON object)")]
        )
    parsed = parse_definition(data)  # raises DefinitionError naming every problem
    body = _for_storage(data)
    digest = content_hash(body)
    text = canonical_json(body)
    slug = str(data["slug"])
    title = parsed.title(parsed.languages[0])
    async with Survey._meta.db.transaction():
        row = (
            await Survey.select(Survey.id, Survey.current_version)
            .where(Survey.slug == slug)
            .first()
        )
        if row is None:
            survey = Survey(slug=slug, title=title[:300], current_version=1)
            await survey.save()
            survey_id, version = int(survey.id), 1
            await SurveyVersion.insert(
                SurveyVersion(
                    survey=survey_id,
                    version=1,
                    definition=text,
                    content_hash=digest,
                    created_by=created_by,
                )
            )
            return SaveResult(
                StoredVersion(
                    survey_id, slug, 1, digest, _parse_stored(survey_id, 1, digest, text)
                ),
                created=True,
                replaced=False,
            )
        survey_id, version = int(row["id"]), int(row["current_version"])
        latest = (
            await SurveyVersion.select(SurveyVersion.id, SurveyVersion.content_hash)
            .where((SurveyVersion.survey == survey_id) & (SurveyVersion.version == version))
            .first()
        )
        if latest is not None and latest["content_hash"] == digest:
            return SaveResult(
                StoredVersion(
                    survey_id,
                    slug,
                    version,
                    digest,
                    _parse_stored(survey_id, version, digest, text),
                ),
                created=False,
                replaced=False,
            )
        answered = await SurveyResponse.exists().where(
            (SurveyResponse.survey == survey_id) & (SurveyResponse.version == version)
        )
        replaced = latest is not None and not answered
        if replaced:
            await SurveyVersion.update(
                {
                    SurveyVersion.definition: text,
                    SurveyVersion.content_hash: digest,
                    SurveyVersion.created_by: created_by,
                }
            ).where(SurveyVersion.id == latest["id"])  # type: ignore[index]
        else:
            version += 1
            await SurveyVersion.insert(
                SurveyVersion(
                    survey=survey_id,
                    version=version,
                    definition=text,
                    content_hash=digest,
                    created_by=created_by,
                )
            )
        await Survey.update({Survey.current_version: version, Survey.title: title[:300]}).where(
            Survey.id == survey_id
        )
    return SaveResult(
        StoredVersion(
            survey_id, slug, version, digest, _parse_stored(survey_id, version, digest, text)
        ),
        created=not replaced,
        replaced=replaced,
    )


async def get_version(survey: str | int, version: int | None = None) -> StoredVersion:
    """A survey (by slug or id) at `version`, or at its current version. Raises NotFound."""
    where = Survey.slug == survey if isinstance(survey, str) else Survey.id == survey
    row = await Survey.select(Survey.id, Survey.slug, Survey.current_version).where(where).first()
    if row is None:
        raise NotFound(f"no survey {survey!r}", [("survey", f"no survey {survey!r}")])
    wanted = int(row["current_version"]) if version is None else version
    stored = (
        await SurveyVersion.select(SurveyVersion.definition, SurveyVersion.content_hash)
        .where((SurveyVersion.survey == row["id"]) & (SurveyVersion.version == wanted))
        .first()
    )
    if stored is None:
        raise NotFound(
            f"survey {row['slug']!r} has no version {wanted}",
            [("version", f"survey {row['slug']!r} has no version {wanted}")],
        )
    return StoredVersion(
        int(row["id"]),
        str(row["slug"]),
        wanted,
        str(stored["content_hash"]),
        _parse_stored(int(row["id"]), wanted, str(stored["content_hash"]), stored["definition"]),
    )


async def version_numbers(survey_id: int) -> list[int]:
    rows = await SurveyVersion.select(SurveyVersion.version).where(
        SurveyVersion.survey == survey_id
    )
    return sorted(int(r["version"]) for r in rows)


async def list_surveys() -> list[dict[str, Any]]:
    """Every survey with its current version and live response counts by mode and status."""
    surveys = await Survey.select(
        Survey.id,
        Survey.slug,
        Survey.title,
        Survey.current_version,
        Survey.status,
        Survey.open_enabled,
        Survey.short_code,
        Survey.created_at,
    ).order_by(Survey.slug)
    counts = await response_counts()
    for s in surveys:
        s["counts"] = counts.get(int(s["id"]), {"complete": {}, "partial": {}})
        s["complete"] = sum(s["counts"]["complete"].values())
        s["partial"] = sum(s["counts"]["partial"].values())
    return surveys


async def response_counts(survey_id: int | None = None) -> dict[int, dict[str, dict[str, int]]]:
    """`{survey_id: {status: {mode: count}}}` straight from the database (never cached)."""
    db = SurveyResponse._meta.db
    where = "WHERE survey = {} " if survey_id is not None else ""
    sql = f"SELECT survey, status, mode, COUNT(*) AS n FROM survey_response {where}"  # noqa: S608 - constant text; the id is a bound parameter
    sql += "GROUP BY survey, status, mode"
    rows = await db.run_querystring(
        QueryString(sql, *([survey_id] if survey_id is not None else []))
    )
    out: dict[int, dict[str, dict[str, int]]] = {}
    for r in rows:
        entry = out.setdefault(int(r["survey"]), {"complete": {}, "partial": {}})
        entry.setdefault(r["status"], {})[r["mode"]] = int(r["n"])
    return out


async def set_open_link(slug: str, enabled: bool) -> dict[str, Any]:
    """Turn a survey's open link on or off; gives it a short code the first time."""
    from surveys.services.links import new_short_code

    row = await Survey.select(Survey.id, Survey.short_code).where(Survey.slug == slug).first()
    if row is None:
        raise NotFound(f"no survey {slug!r}", [("survey", f"no survey {slug!r}")])
    values: dict[Any, Any] = {Survey.open_enabled: enabled}
    if enabled and not row["short_code"]:
        values[Survey.short_code] = new_short_code()
    await Survey.update(values).where(Survey.id == row["id"])
    result = (
        await Survey.select(Survey.slug, Survey.open_enabled, Survey.short_code)
        .where(Survey.id == row["id"])
        .first()
    )
    assert result is not None
    return result


async def survey_for_link(state: Any) -> SurveyModel:
    """The parsed survey a link answers, from memory when its content hash is known.

    `state` is a `links.LinkState`, which already carries the version's content hash, so the
    hot resident path fetches the definition text only the first time.
    """
    cached = _PARSED.get((state.survey_id, state.version, state.content_hash))
    if cached is not None:
        return cached
    return (await get_version(state.survey_id, state.version)).survey
