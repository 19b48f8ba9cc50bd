"""Exports for research officers: one row per response, codes plus a codebook.

`response_frame` is the contract `analysis.load` builds on: fixed columns (`respondent_id`,
`response_id`, `survey`, `version`, `mode`, `status`, `started_at`, `submitted_at`), the panel
profile (`panel_*`, for panel members), then the engine's `export_row` columns, and a codebook
(the engine's `survey_codebook` plus entries for the fixed and panel columns). The files —
CSV with `X.codebook.json`, Excel with sheets `responses` and `codebook`, SPSS `.sav` with
variable and value labels — are written from that same frame, so all of them agree.

Respondents are pseudonymous. What else an export carries (names and contact details, answers
to questions marked `sensitive`, the panel reference or a keyed pseudonym in its place) is
decided by `export_policy.disclosure_for` from the requester's role and request; the frame
follows the `Disclosure` it is given. Sensitive questions' codebook entries say
`"sensitive": true`.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panel import demographics
from panel import services as panel_services
from service.spreadsheet import neutralise_frame
from surveys.questions import export_row, survey_codebook
from surveys.services.definitions_store import get_version, version_numbers
from surveys.services.errors import SurveyError
from surveys.services.export_policy import AS_STORED, MIN_WARD_COUNT, Disclosure
from surveys.tables import SurveyResponse

if TYPE_CHECKING:  # pandas takes a second or more to import: only exports need it
    import pandas as pd

from surveys.export_contract import FIXED_COLUMNS, MODES, PANEL_COLUMNS, STATUSES

PERSONAL_COLUMNS = panel_services.CONTACT_FIELDS


def _var(
    name: str,
    label: str,
    kind: str,
    values: dict[str, str] | None = None,
    *,
    ordered: bool = False,
    missing: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": kind,
        "ordered": ordered,
        "values": values or {},
        "missing": missing or [],
    }


def fixed_codebook() -> list[dict[str, Any]]:
    """Codebook entries for the fixed columns. Mode and status codes are their own labels, so
    the labelled frame keeps the codes analysis code compares against."""
    return [
        _var("respondent_id", "Pseudonymous respondent ID (panel reference or random)", "text"),
        _var("response_id", "Response ID", "text"),
        _var("survey", "Survey", "text"),
        _var("version", "Survey version answered", "numeric"),
        _var("mode", "Mode of response", "categorical", {m: m for m in MODES}),
        _var("status", "Response status", "categorical", {s: s for s in STATUSES}),
        _var("started_at", "Started at (UTC, ISO 8601)", "date"),
        _var("submitted_at", "Submitted at (UTC, ISO 8601)", "date"),
    ]


def panel_codebook() -> list[dict[str, Any]]:
    """Codebook entries for the panel profile columns (codes from panel.demographics)."""
    imd = {str(q): f"Quintile {q}" + (" (most deprived)" if q == 1 else "") for q in range(1, 6)}
    imd["5"] = "Quintile 5 (least deprived)"
    return [
        _var(
            "panel_age_band",
            "Age band (panel profile)",
            "categorical",
            {a: a for a in demographics.AGE_BANDS},
            ordered=True,
        ),
        _var(
            "panel_sex",
            "Sex (panel profile)",
            "categorical",
            {s: s.capitalize() for s in demographics.SEXES},
        ),
        _var("panel_ward", "Ward (panel profile)", "categorical", dict(demographics.WARD_NAMES)),
        _var(
            "panel_ethnicity",
            "Ethnic group (panel profile)",
            "categorical",
            dict(demographics.ETHNIC_GROUPS),
        ),
        _var(
            "panel_disability",
            "Disability (panel profile)",
            "categorical",
            dict(demographics.DISABILITY),
        ),
        _var(
            "panel_imd_quintile",
            "IMD quintile of ward, 1 = most deprived (panel profile)",
            "categorical",
            imd,
            ordered=True,
        ),
    ]


def _iso(value: Any, *, date_only: bool = False) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d" if date_only else "%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ExportFilter:
    """What a research officer asked for. Dates are inclusive, on the day submitted (or
    started, for partials)."""

    version: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    mode: str | None = None
    status: str | None = None  # complete|partial|None (both, when include_partial)
    include_partial: bool = False
    include_personal: bool = False

    def check(self) -> None:
        errors = []
        if self.mode is not None and self.mode not in MODES:
            errors.append(("mode", f"must be one of {', '.join(MODES)}"))
        if self.status is not None and self.status not in STATUSES:
            errors.append(("status", f"must be one of {', '.join(STATUSES)}"))
        if self.since and self.until and self.since > self.until:
            errors.append(("since", "must be on or before 'until'"))
        if errors:
            raise SurveyError("the export filter is not valid", errors)


def _sensitive_columns(surveys: Iterable[Any]) -> set[str]:
    """Export columns of every question marked `sensitive` in any of these versions."""
    names: set[str] = set()
    for survey in surveys:
        for question in survey.questions:
            if question.sensitive:
                names |= {v["name"] for v in question.handler.codebook(survey, question, "en")}
    return names


async def export_frame(
    slug: str, filters: ExportFilter | None = None, disclosure: Disclosure = AS_STORED
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Responses to `slug` as (frame, codebook), filtered, carrying what `disclosure` allows.

    The default (`AS_STORED`) is for callers that hold the database's credentials (the command
    line, `analysis`' direct path); HTTP routes pass `export_policy.disclosure_for(...)`.
    """
    filters = filters or ExportFilter()
    personal = filters.include_personal or disclosure.personal
    filters.check()
    current = await get_version(slug, filters.version)
    versions = (
        [filters.version]
        if filters.version is not None
        else await version_numbers(current.survey_id)
    )
    by_version = {v: (await get_version(current.survey_id, v)).survey for v in versions}
    # Columns and codebook follow the requested (or current) version, then anything only
    # older versions asked, so one file holds every wave of a survey.
    codebook = survey_codebook(current.survey)
    known = {v["name"] for v in codebook["variables"]}
    for v in sorted(by_version, reverse=True):
        for var in survey_codebook(by_version[v])["variables"]:
            if var["name"] not in known:
                codebook["variables"].append(var)
                known.add(var["name"])
    sensitive = _sensitive_columns([current.survey, *by_version.values()])
    for var in codebook["variables"]:
        if var["name"] in sensitive:
            var["sensitive"] = True
    if not disclosure.answers:
        codebook["variables"] = []
    elif not disclosure.sensitive:
        codebook["variables"] = [v for v in codebook["variables"] if v["name"] not in sensitive]
    question_columns = [v["name"] for v in codebook["variables"]]

    where: Any = SurveyResponse.survey == current.survey_id
    if filters.version is not None:
        where &= SurveyResponse.version == filters.version
    if filters.mode is not None:
        where &= SurveyResponse.mode == filters.mode
    if filters.status is not None:
        where &= SurveyResponse.status == filters.status
    elif not filters.include_partial:
        where &= SurveyResponse.status == "complete"
    rows = (
        await SurveyResponse.select(
            SurveyResponse.id,
            SurveyResponse.public_id,
            SurveyResponse.respondent_id,
            SurveyResponse.version,
            SurveyResponse.mode,
            SurveyResponse.status,
            SurveyResponse.started_at,
            SurveyResponse.submitted_at,
            SurveyResponse.member,
            SurveyResponse.answers,
        )
        .where(where)
        .order_by(SurveyResponse.id)
        .output(load_json=True)
    )
    if filters.since or filters.until:
        rows = [r for r in rows if _in_range(r, filters.since, filters.until)]
    member_ids = {int(r["member"]) for r in rows if r["member"] is not None}
    profiles = await panel_services.profiles(member_ids)
    details_by_member = (
        await panel_services.members_with_contact_details(member_ids) if personal else {}
    )
    records: list[dict[str, Any]] = []
    for r in rows:
        profile = profiles.get(r["member"]) if r["member"] is not None else None
        record: dict[str, Any] = {
            "respondent_id": disclosure.respondent(r["respondent_id"]),
            "response_id": disclosure.response(r["public_id"]),
            "survey": current.slug,
            "version": int(r["version"]),
            "mode": r["mode"],
            "status": r["status"],
            "started_at": _iso(r["started_at"], date_only=disclosure.coarse),
            "submitted_at": _iso(r["submitted_at"], date_only=disclosure.coarse),
        }
        for col in PANEL_COLUMNS:
            value = profile.get(col.removeprefix("panel_")) if profile else None
            record[col] = None if value in (None, "") else str(value)
        if personal:
            details = details_by_member.get(r["member"], {}) if r["member"] is not None else {}
            for col in PERSONAL_COLUMNS:
                record[col] = details.get(col) or None
        answers = r["answers"] if isinstance(r["answers"], dict) else {}
        survey_model = by_version.get(int(r["version"])) or current.survey
        record.update(dict.fromkeys(question_columns))
        if question_columns:
            row = export_row(survey_model, answers)
            record.update({c: row[c] for c in question_columns if c in row})
        records.append(record)
    if disclosure.coarse:  # a ward with few respondents would all but name them
        wards: dict[str, int] = {}
        for record in records:
            if record["panel_ward"] is not None:
                wards[record["panel_ward"]] = wards.get(record["panel_ward"], 0) + 1
        for record in records:
            if wards.get(record["panel_ward"], 0) < MIN_WARD_COUNT:
                record["panel_ward"] = None
    columns = [
        *FIXED_COLUMNS,
        *PANEL_COLUMNS,
        *(PERSONAL_COLUMNS if personal else ()),
        *question_columns,
    ]
    import pandas as pd

    frame = pd.DataFrame.from_records(records, columns=columns)
    codebook = dict(codebook)
    extra = [*fixed_codebook(), *panel_codebook()]
    if disclosure.pseudonym_key is not None:
        extra[0]["label"] = "Pseudonymous respondent ID (keyed, stable across waves)"
        coarsened = {
            "response_id": "Pseudonymous response ID (keyed)",
            "started_at": "Started on (UTC date)",
            "submitted_at": "Submitted on (UTC date)",
            "panel_ward": f"Ward (panel profile; blank below {MIN_WARD_COUNT} respondents)",
        }
        for variable in extra:
            if variable["name"] in coarsened:
                variable["label"] = coarsened[variable["name"]]
    if personal:
        extra += [
            _var(c, f"{c.replace('_', ' ').capitalize()} (personal data)", "text")
            for c in PERSONAL_COLUMNS
        ]
    codebook["variables"] = [*extra, *codebook["variables"]]
    codebook["survey"] = current.slug
    codebook["version"] = filters.version if filters.version is not None else current.version
    return frame, codebook


def _in_range(row: dict[str, Any], since: dt.date | None, until: dt.date | None) -> bool:
    stamp = row["submitted_at"] or row["started_at"]
    if isinstance(stamp, str):
        stamp = dt.datetime.fromisoformat(stamp)
    day = stamp.astimezone(dt.UTC).date() if stamp.tzinfo else stamp.date()
    return (since is None or day >= since) and (until is None or day <= until)


async def response_frame(
    survey: str, *, version: int | None = None, include_partial: bool = False
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The export contract `analysis.load` calls: pseudonymous rows plus the codebook."""
    return await export_frame(
        survey, ExportFilter(version=version, include_partial=include_partial)
    )


# ------------------------------------------------------------------ files
def codebook_json(codebook: dict[str, Any]) -> bytes:
    return json.dumps(codebook, indent=1, ensure_ascii=False).encode("utf-8")


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Welsh and other accents correctly."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8-sig")


def codebook_rows(codebook: dict[str, Any]) -> list[dict[str, Any]]:
    """The codebook as one row per value label (one row for variables without any)."""
    rows: list[dict[str, Any]] = []
    for v in codebook["variables"]:
        base = {
            "name": v["name"],
            "label": v.get("label"),
            "type": v["type"],
            "ordered": bool(v.get("ordered")),
        }
        values = v.get("values") or {}
        if values:
            missing = {str(m) for m in v.get("missing") or []}
            for code, label in values.items():
                rows.append(
                    {**base, "code": code, "value_label": label, "missing": str(code) in missing}
                )
        else:
            rows.append({**base, "code": None, "value_label": None, "missing": False})
    return rows


def to_excel(frame: pd.DataFrame, codebook: dict[str, Any]) -> bytes:
    import pandas as pd

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        neutralise_frame(frame).to_excel(xl, sheet_name="responses", index=False)
        neutralise_frame(
            pd.DataFrame(
                codebook_rows(codebook),
                columns=["name", "label", "type", "ordered", "code", "value_label", "missing"],
            )
        ).to_excel(xl, sheet_name="codebook", index=False)
    return buffer.getvalue()


def _spss_name_ok(names: Iterable[str]) -> None:
    bad = [n for n in names if len(n.encode()) > 64]
    if bad:
        raise SurveyError(
            "SPSS variable names are limited to 64 bytes",
            [(f"variables.{n}", "name longer than 64 bytes; use CSV or Excel") for n in bad],
        )


_INTEGER_CODE = re.compile(r"0|-?[1-9][0-9]{0,14}")


def spss_codes(values: Iterable[Any], missing: Iterable[Any] = ()) -> dict[str, int]:
    """The SPSS value of each code of a categorical variable, in codebook order.

    When every substantive (non-missing) code is an integer written plainly ("0".."10" on a
    rating, "1".."5" for IMD quintiles), each such code is its own value, so a rating of 7 is 7
    in the `.sav`. Missing codes that are not integers ("dont_know", "prefer_not_to_say") then
    take the highest values below the next power of ten above every code, two digits at least:
    98 and 99 beside a 0-10 rating, 998 and 999 beside a 0-100 scale. Otherwise (word codes
    such as "very_satisfied") codes are numbered 1, 2, 3… in codebook order.
    """
    codes = [str(c) for c in values]
    missing_codes = {str(m) for m in missing}
    integers = {c: int(c) for c in codes if _INTEGER_CODE.fullmatch(c)}
    substantive = [c for c in codes if c not in missing_codes]
    if not substantive or any(c not in integers for c in substantive):
        return {c: i + 1 for i, c in enumerate(codes)}
    others = [c for c in codes if c not in integers]
    number = dict(integers)
    if others:
        top = max(integers.values())
        power = 100
        while power - len(others) <= top:
            power *= 10
        number.update({c: power - len(others) + i for i, c in enumerate(others)})
    return number


def to_spss(frame: pd.DataFrame, codebook: dict[str, Any]) -> bytes:
    """SPSS `.sav` via pyreadstat, with variable and value labels, user-missing values and
    measure levels. Categorical codes become numbers by `spss_codes` (integer codes keep their
    value; others are numbered 1, 2, 3… in codebook order), each with its value label, and the
    variable's missing codes ("Don't know", "Prefer not to say") are declared user-missing.
    Fixed columns stay as text."""
    import pandas as pd
    import pyreadstat

    _spss_name_ok(frame.columns)
    out = frame.copy()
    value_labels: dict[str, dict[float, str]] = {}
    missing: dict[str, list[Any]] = {}
    measure: dict[str, str] = {}
    formats: dict[str, str] = {}
    for v in codebook["variables"]:
        name = v["name"]
        if name not in out or name in FIXED_COLUMNS:
            continue
        if v["type"] == "categorical":
            number = spss_codes(v["values"], v.get("missing") or [])
            out[name] = pd.to_numeric(
                out[name].map(
                    lambda x, n=number: None if x is None or pd.isna(x) else n.get(str(x))
                )
            ).astype(float)
            value_labels[name] = {float(number[str(c)]): label for c, label in v["values"].items()}
            if v.get("missing"):
                missing[name] = [float(number[str(c)]) for c in v["missing"]]
            measure[name] = "ordinal" if v.get("ordered") else "nominal"
            widest = max((len(str(n)) for n in number.values()), default=1)
            formats[name] = f"F{max(widest, 1)}.0"
        elif v["type"] in ("numeric", "binary"):
            out[name] = pd.to_numeric(out[name])
            measure[name] = "scale" if v["type"] == "numeric" else "nominal"
        else:
            out[name] = out[name].astype(object).where(out[name].notna(), None)
    labels = {v["name"]: str(v.get("label") or v["name"])[:255] for v in codebook["variables"]}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.sav"
        pyreadstat.write_sav(
            out,
            str(path),
            file_label=str(codebook.get("title") or codebook.get("survey") or "")[:64],
            column_labels={c: labels.get(c, c) for c in out.columns},
            variable_value_labels=value_labels,
            missing_ranges=missing,
            variable_measure=measure,
            variable_format=formats,
        )
        return path.read_bytes()


#: Each format's media type and file suffix. The media types are bare: Litestar adds
#: `; charset=utf-8` to `text/` types itself (so CSV is sent as `text/csv; charset=utf-8`), and
#: the export's OpenAPI operation documents exactly these (`surveys.controllers.api`).
FORMATS = {
    "csv": ("text/csv", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "sav": ("application/x-spss-sav", "sav"),
    "codebook": ("application/json", "codebook.json"),
}


def render(fmt: str, frame: pd.DataFrame, codebook: dict[str, Any]) -> bytes:
    """The export file in `fmt` (csv, xlsx, sav or codebook)."""
    if fmt == "csv":
        return to_csv(frame)
    if fmt == "xlsx":
        return to_excel(frame, codebook)
    if fmt == "sav":
        return to_spss(frame, codebook)
    if fmt == "codebook":
        return codebook_json(codebook)
    raise SurveyError("unknown export format", [("format", f"must be one of {', '.join(FORMATS)}")])
