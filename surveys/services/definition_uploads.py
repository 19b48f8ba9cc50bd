"""Survey definitions uploaded from the staff pages, and the versions staff see and download.

The staff pages decode an upload here (UTF-8, size limit), parse it exactly as the JSON API
does, and save it through `definitions_store.save_definition`, which validates the document
(every fault with its path) and never changes a version that has responses. What this module
adds is only what a page needs: a survey's page uploads only its own slug, the "add a survey"
page only a new one, and a version list with response counts and which versions are locked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import yaml
from piccolo.query.functions.aggregate import Count

from surveys.definitions import DefinitionError, DefinitionIssue, parse_definition
from surveys.services import definitions_store
from surveys.services.errors import SurveyError
from surveys.tables import Survey, SurveyResponse, SurveyVersion

#: The largest definition accepted from a page (the bank's biggest survey is under 10 KB).
MAX_DEFINITION_BYTES = 512 * 1024
#: The whole form (file plus text box plus fields); beyond this Litestar refuses to read it.
MAX_FORM_BYTES = 2 * MAX_DEFINITION_BYTES + 64 * 1024
#: Slugs that are also addresses of staff pages under /staff/surveys/.
RESERVED_SLUGS = frozenset({"from-bank", "from-definition"})

TOO_LARGE = f"The definition must be smaller than {MAX_DEFINITION_BYTES // 1024} KB"
NOT_UTF8 = "The file is not UTF-8 text: save it as UTF-8 (plain text) and upload it again"


def decode_definition(raw: bytes) -> str:
    """The text of an uploaded file; SurveyError when it is too large or not UTF-8."""
    if len(raw) > MAX_DEFINITION_BYTES:
        raise SurveyError(TOO_LARGE, [("file", TOO_LARGE)])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SurveyError(NOT_UTF8, [("file", NOT_UTF8)]) from None


def check_text_size(text: str) -> None:
    if len(text.encode("utf-8")) > MAX_DEFINITION_BYTES:
        raise SurveyError(TOO_LARGE, [("definition", TOO_LARGE)])


def content_type_for(text: str, filename: str = "") -> str:
    """JSON for a `.json` file or text that starts like a JSON object, otherwise YAML."""
    if filename.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
        return "application/json"
    return "application/yaml"


async def save_upload(
    data: Any, *, slug: str | None, created_by: str
) -> definitions_store.SaveResult:
    """Validate and save an uploaded definition.

    `slug` is the survey whose page it was uploaded from, or None for a new survey (whose slug
    must then be new). Every fault is reported at once, with its path, as a DefinitionError.
    """
    issues: list[DefinitionIssue] = []
    try:
        parse_definition(data)
    except DefinitionError as error:
        issues = list(error.errors)
    given = data.get("slug") if isinstance(data, dict) else None
    if isinstance(given, str) and given:
        if slug is not None and given != slug:
            issues.append(
                DefinitionIssue(
                    "slug",
                    f"this definition is for the survey {given!r}, not {slug!r}: change its slug "
                    f"to {slug!r}, or add it as a new survey",
                )
            )
        elif slug is None and given in RESERVED_SLUGS:
            issues.append(
                DefinitionIssue("slug", f"{given!r} is the address of a staff page; choose another")
            )
        elif slug is None and await Survey.exists().where(Survey.slug == given):
            issues.append(
                DefinitionIssue(
                    "slug",
                    f"there is already a survey {given!r}: upload a new version from its page, "
                    "or choose another slug",
                )
            )
    if issues:
        raise DefinitionError(issues)
    return await definitions_store.save_definition(data, created_by=created_by)


@dataclass(frozen=True)
class VersionRow:
    version: int
    created_at: str
    created_by: str
    content_hash: str
    short_hash: str
    responses: int
    current: bool
    locked: bool  # has responses, so the store will never change it


def short_hash(digest: str) -> str:
    """`sha256:3f2a…` → `3f2a9c1e0b7d` (12 hex digits, enough to tell versions apart)."""
    return digest.partition(":")[2][:12] or digest[:12]


def _when(value: Any) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.strftime("%d %B %Y %H:%M UTC")
    return str(value or "")


async def version_rows(survey_id: int, current: int) -> list[VersionRow]:
    """Every version of a survey, newest first, with its response count (partial included)."""
    versions = await SurveyVersion.select(
        SurveyVersion.version,
        SurveyVersion.created_at,
        SurveyVersion.created_by,
        SurveyVersion.content_hash,
    ).where(SurveyVersion.survey == survey_id)
    counted = (
        await SurveyResponse.select(SurveyResponse.version, Count(alias="n"))
        .where(SurveyResponse.survey == survey_id)
        .group_by(SurveyResponse.version)
    )
    counts = {int(r["version"]): int(r["n"]) for r in counted}
    rows = [
        VersionRow(
            version=int(v["version"]),
            created_at=_when(v["created_at"]),
            created_by=str(v["created_by"] or ""),
            content_hash=str(v["content_hash"]),
            short_hash=short_hash(str(v["content_hash"])),
            responses=counts.get(int(v["version"]), 0),
            current=int(v["version"]) == current,
            locked=counts.get(int(v["version"]), 0) > 0,
        )
        for v in versions
    ]
    return sorted(rows, key=lambda r: r.version, reverse=True)


#: Keys written first, in this order, when a definition is downloaded as YAML (the stored
#: canonical JSON has its keys sorted); `pages` and `questions` go last so a page reads
#: like the document an author writes.
_FIRST = (
    "schema_version",
    "slug",
    "version",
    "id",
    "code",
    "type",
    "languages",
    "title",
    "text",
    "label",
    "hint",
    "description",
    "required",
)
_LAST = ("options", "items", "pages", "questions")


def _ordered(value: Any) -> Any:
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    if not isinstance(value, dict):
        return value
    keys = [k for k in _FIRST if k in value]
    keys += sorted(k for k in value if k not in _FIRST and k not in _LAST)
    keys += [k for k in _LAST if k in value]
    return {k: _ordered(value[k]) for k in keys}


async def definition_yaml(slug: str, version: int) -> str:
    """A stored version as YAML that uploads again unchanged (same content hash)."""
    stored = await definitions_store.get_version(slug, version)
    body = yaml.safe_dump(
        _ordered(dict(stored.survey.data)),
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    header = f"# {stored.slug}, version {stored.version} ({stored.content_hash})\n"
    return header + body
