"""Getting responses into tidy, labelled DataFrames: `load`, `read_export`, `label`.

The surveys domain exports one row per response with answer *codes* and a
codebook (see CONTRIBUTING's export contract).  `label` turns that raw frame
into what an analyst wants: each categorical question an (ordered) pandas
Categorical whose categories are the option labels in codebook order, the
"don't know"/"prefer not to say" codes set to missing (or kept, on request),
numbers numeric, dates as datetimes, and the codebook in ``df.attrs``.
`read_export` does the same for our CSV, Excel and SPSS files, and `load`
for the service (over HTTPS with a personal API token, or straight from the
database for administrators), so all of them give identical frames.

This module depends on the export's contract only (`analysis.export_contract`
and the codebook each export carries), never on the service's domains.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import json
import math
import os
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import numpy as np
import pandas as pd

from analysis import database
from analysis.errors import AnalysisError
from analysis.export_contract import FIXED_COLUMNS, MODES, PANEL_COLUMNS, STATUSES


def _key(value: Any) -> str:
    """Canonical text for a code, so 1, 1.0 and "1" are the same code."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _check_codebook(codebook: Mapping[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(codebook, Mapping) or "variables" not in codebook:
        raise AnalysisError("codebook must be a dict with a 'variables' list")
    variables = codebook["variables"]
    for v in variables:
        if "name" not in v or "type" not in v:
            raise AnalysisError(f"codebook variable {v!r} needs at least 'name' and 'type'")
        if v["type"] not in ("categorical", "numeric", "text", "date", "binary"):
            raise AnalysisError(f"codebook variable {v['name']!r} has unknown type {v['type']!r}")
    return list(variables)


def _categorical(col: pd.Series, var: Mapping[str, Any], keep_missing: bool) -> pd.Series:
    # Each distinct code is looked at once (factorize), not each response: 100,000 responses
    # have a handful of codes, and the per-value loop was most of the time `label` took.
    name = var["name"]
    values = {_key(k): str(lab) for k, lab in (var.get("values") or {}).items()}
    missing = {_key(m) for m in var.get("missing") or []}
    codes, uniques = pd.factorize(col.astype(object), use_na_sentinel=True)
    keys = [_key(v) for v in uniques]
    unknown = sorted({k for k in keys if k not in values})
    if unknown:
        raise AnalysisError(
            f"variable {name!r} holds code(s) {unknown[:5]} that are not in its codebook values"
        )
    substantive = [k for k in values if k not in missing]
    order = substantive + ([k for k in values if k in missing] if keep_missing else [])
    labels_in_order = [values[k] for k in order]
    if len(set(labels_in_order)) != len(labels_in_order):
        raise AnalysisError(f"variable {name!r} has two codes with the same label")
    position = {k: i for i, k in enumerate(order)}  # a missing code not kept is absent: NaN
    lookup = np.array([position.get(k, -1) for k in keys] + [-1], dtype=np.int64)
    ordered = bool(var.get("ordered", False)) and not keep_missing
    return pd.Series(
        pd.Categorical.from_codes(
            lookup[codes], categories=pd.Index(labels_in_order), ordered=ordered
        ),
        index=col.index,
        name=name,
    )


def label(
    frame: pd.DataFrame, codebook: Mapping[str, Any], *, keep_missing: bool = False
) -> pd.DataFrame:
    """Apply a codebook to a raw export frame (codes → labelled categoricals).

    ``keep_missing=True`` keeps "don't know"-type codes as categories (after
    the substantive ones; the variable is then unordered, since "don't know"
    has no place on the scale).  Raises `AnalysisError` naming the variable
    when data hold a code the codebook does not know.
    """
    if not isinstance(frame, pd.DataFrame):
        raise AnalysisError(f"frame must be a DataFrame, not {type(frame).__name__}")
    variables = _check_codebook(codebook)
    out = frame.copy()
    for col in ("respondent_id", "response_id", "survey"):
        if col in out:
            out[col] = out[col].astype("string")
    if "version" in out:
        out["version"] = pd.to_numeric(out["version"], errors="coerce").astype("Int64")
    if "mode" in out:
        out["mode"] = pd.Categorical(out["mode"], categories=list(MODES))
    if "status" in out:
        out["status"] = pd.Categorical(out["status"], categories=list(STATUSES))
    for col in ("started_at", "submitted_at"):
        if col in out:
            out[col] = pd.to_datetime(out[col], errors="coerce", utc=True, format="ISO8601")
    described = {v["name"] for v in variables}
    for col in PANEL_COLUMNS:
        if col in out and col not in described:
            values = out[col].where(out[col].notna(), None)
            cats = sorted({_key(v) for v in values.dropna()})
            out[col] = pd.Categorical(
                values.map(lambda v: None if v is None else _key(v)), categories=cats
            )
    for var in variables:
        name = var["name"]
        if name not in out:
            raise AnalysisError(f"codebook variable {name!r} is not a column of the responses")
        kind = var["type"]
        if kind == "categorical":
            out[name] = _categorical(out[name], var, keep_missing)
        elif kind in ("numeric", "binary"):
            missing = {_key(m) for m in var.get("missing") or []}
            col = out[name]
            if missing and not keep_missing:
                col = col.where(~col.map(_key).isin(missing), None)
            out[name] = pd.to_numeric(col, errors="coerce")
        elif kind == "date":
            out[name] = pd.to_datetime(out[name], errors="coerce", format="ISO8601")
        else:
            out[name] = out[name].astype("string")
    out.attrs["codebook"] = dict(codebook)
    out.attrs["labels"] = {v["name"]: v.get("label", v["name"]) for v in variables}
    out.attrs["survey"] = codebook.get("survey")
    return out


def code_labels(data: pd.DataFrame, var: str) -> dict[str, str]:
    """``{code: label}`` for ``var`` from the codebook in ``data.attrs`` (empty if none)."""
    codebook = data.attrs.get("codebook") or {}
    for v in codebook.get("variables", []):
        if v.get("name") == var:
            return {_key(k): str(lab) for k, lab in (v.get("values") or {}).items()}
    return {}


def translate_code(data: pd.DataFrame, var: str, level: Hashable) -> Hashable:
    """The label for ``level`` if it is a codebook code of ``var``; else ``level`` unchanged."""
    return code_labels(data, var).get(_key(level), level)


# ----------------------------------------------------------------- files
def _truthy(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("true", "yes", "1", "y")
    return bool(v) and not (isinstance(v, float) and math.isnan(v))


def _codebook_from_sheet(sheet: pd.DataFrame, survey: str | None) -> dict[str, Any]:
    needed = {"name", "label", "type", "ordered", "code", "value_label", "missing"}
    if not needed <= set(sheet.columns):
        raise AnalysisError(
            f"codebook sheet needs columns {sorted(needed)}, has {list(sheet.columns)}"
        )
    variables: dict[str, dict[str, Any]] = {}
    for row in sheet.itertuples(index=False):
        name = str(row.name)
        v = variables.setdefault(
            name,
            {
                "name": name,
                "label": row.label,
                "type": row.type,
                "ordered": _truthy(row.ordered),
                "values": {},
                "missing": [],
            },
        )
        if row.code is not None and not (isinstance(row.code, float) and math.isnan(row.code)):
            code = _key(row.code)
            v["values"][code] = row.value_label
            if _truthy(row.missing):
                v["missing"].append(code)
    return {"survey": survey, "title": None, "version": None, "variables": list(variables.values())}


def _codebook_from_spss(meta: Any) -> dict[str, Any]:
    variables = []
    value_labels = meta.variable_value_labels
    for name in meta.column_names:
        label_text = meta.column_names_to_labels.get(name) or name
        missing: list[str] = []
        for rng in (getattr(meta, "missing_ranges", None) or {}).get(name, []):
            if rng["lo"] == rng["hi"]:
                missing.append(_key(rng["lo"]))
        for m in (getattr(meta, "missing_user_values", None) or {}).get(name, []):
            missing.append(_key(m))
        if name in value_labels and name not in FIXED_COLUMNS:
            measure = (meta.variable_measure or {}).get(name, "nominal")
            variables.append(
                {
                    "name": name,
                    "label": label_text,
                    "type": "categorical",
                    "ordered": measure == "ordinal",
                    "values": {_key(k): lab for k, lab in value_labels[name].items()},
                    "missing": missing,
                }
            )
        elif name not in FIXED_COLUMNS and name not in PANEL_COLUMNS:
            fmt = (meta.original_variable_types or {}).get(name, "")
            kind = "text" if fmt.startswith("A") else "numeric"
            variables.append(
                {
                    "name": name,
                    "label": label_text,
                    "type": kind,
                    "ordered": False,
                    "values": {},
                    "missing": missing,
                }
            )
    return {"survey": None, "title": meta.file_label, "version": None, "variables": variables}


def read_export(path: str | os.PathLike[str], *, keep_missing: bool = False) -> pd.DataFrame:
    """Read a CSV (with ``X.codebook.json`` beside it), Excel or SPSS ``.sav`` export.

    Returns the same tidy frame as `load`: labelled (ordered) categoricals,
    missing codes as NaN unless ``keep_missing``, codebook in ``df.attrs``.
    """
    p = Path(path)
    if not p.exists():
        raise AnalysisError(f"export file {str(p)!r} does not exist")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        cb_path = p.with_name(p.name[: -len(p.suffix)] + ".codebook.json")
        if not cb_path.exists():
            raise AnalysisError(f"no codebook beside {p.name}: expected {cb_path.name}")
        codebook = json.loads(cb_path.read_text(encoding="utf-8"))
        frame = pd.read_csv(
            p, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
        )
        return label(frame, codebook, keep_missing=keep_missing)
    if suffix in (".xlsx", ".xlsm"):
        sheets = pd.read_excel(p, sheet_name=None, dtype=object)
        if "responses" not in sheets or "codebook" not in sheets:
            raise AnalysisError(
                f"{p.name} needs sheets 'responses' and 'codebook', has {list(sheets)}"
            )
        frame = sheets["responses"]
        survey = str(frame["survey"].iloc[0]) if "survey" in frame and len(frame) else None
        codebook = _codebook_from_sheet(sheets["codebook"], survey)
        return label(frame, codebook, keep_missing=keep_missing)
    if suffix in (".sav", ".zsav"):
        import pyreadstat

        frame, meta = pyreadstat.read_sav(str(p), apply_value_formats=False, user_missing=True)
        codebook = _codebook_from_spss(meta)
        if "survey" in frame and len(frame):
            codebook["survey"] = str(frame["survey"].iloc[0])
        return label(frame, codebook, keep_missing=keep_missing)
    raise AnalysisError(f"cannot read {p.name}: expected .csv, .xlsx or .sav")


# -------------------------------------------------------------- database
def _run(coro: Any) -> Any:
    """Run a coroutine from plain code or from inside Jupyter's running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


#: Hosts a token may be sent to over plain HTTP (a service on this machine); anywhere else
#: it would cross the network readable, so HTTPS is required.
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise AnalysisError(f"url must be the service's address, like https://host, not {url!r}")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise AnalysisError(
            "url must use https: a token sent over plain http can be read on the way"
        )
    return url.rstrip("/")


def _refusal(response: Any, survey: str) -> AnalysisError:
    try:
        body = response.json()
        detail = body.get("detail") or ""
        errors = "; ".join(f"{e['path']}: {e['message']}" for e in body.get("errors") or [])
    except (ValueError, AttributeError, KeyError, TypeError):
        detail, errors = "", ""
    what = {
        401: "the token was refused (wrong, revoked, or its owner's role changed)",
        403: "your role may not export this",
        404: f"the service has no survey {survey!r}",
    }.get(response.status_code, "the export failed")
    extra = " — ".join(x for x in (detail, errors) if x)
    return AnalysisError(f"{what} (HTTP {response.status_code}){': ' + extra if extra else ''}")


async def fetch_export(
    survey: str,
    *,
    url: str,
    token: str,
    version: int | None = None,
    include_partial: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """(raw frame, codebook) of the export your role allows, from `/api/surveys/{survey}/export`.

    Two requests with `Authorization: Bearer <token>`: the codebook (JSON) and the responses
    (CSV), read exactly as `read_export` reads a downloaded CSV.
    """
    import httpx

    if not token:
        raise AnalysisError("token is needed with url: make one on your account page")
    base = _base_url(url)
    path = f"/api/surveys/{quote(survey, safe='')}/export"
    params: dict[str, str] = {"include_partial": "true" if include_partial else "false"}
    if version is not None:
        params["version"] = str(int(version))
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=300, follow_redirects=False
    ) as client:
        answers = {}
        for fmt in ("codebook", "csv"):
            try:
                answers[fmt] = await client.get(path, params={**params, "format": fmt})
            except httpx.HTTPError as exc:
                raise AnalysisError(f"could not reach {base}: {exc}") from exc
            if answers[fmt].status_code != 200:
                raise _refusal(answers[fmt], survey)
    codebook = json.loads(answers["codebook"].content)
    described = {v.get("name") for v in codebook.get("variables", [])}
    missing = [c for c in FIXED_COLUMNS if c not in described]
    if missing:
        raise AnalysisError(
            f"the service's export does not follow the contract this analysis version reads "
            f"(no {', '.join(missing)} in its codebook): upgrade analysis"
        )
    frame = pd.read_csv(
        io.BytesIO(answers["csv"].content),
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8-sig",
    )
    return frame, codebook


async def aload(
    survey: str,
    *,
    url: str | None = None,
    token: str | None = None,
    version: int | None = None,
    include_partial: bool = False,
    keep_missing: bool = False,
) -> pd.DataFrame:
    """`load` for code that is already async (service jobs, tests)."""
    if url is not None:
        frame, codebook = await fetch_export(
            survey, url=url, token=token or "", version=version, include_partial=include_partial
        )
    elif token is not None:
        raise AnalysisError("a token needs the service's url: load(survey, url=..., token=...)")
    else:
        frame, codebook = await database.response_frame(
            survey, version=version, include_partial=include_partial
        )
    return label(frame, codebook, keep_missing=keep_missing)


def load(
    survey: str,
    *,
    url: str | None = None,
    token: str | None = None,
    version: int | None = None,
    include_partial: bool = False,
    database_url: str | None = None,
    keep_missing: bool = False,
) -> pd.DataFrame:
    """Responses to ``survey`` from the service as a tidy labelled frame.

    With ``url`` and ``token`` (a personal API token from your account page), fetches the
    pseudonymous export your role allows over HTTPS (plain http only to this machine) from
    ``{url}/api/surveys/{survey}/export``: this is the path for research officers. Respondents
    are keyed pseudonyms, and the frame is otherwise the one the database path builds.

    Without ``url``, reads the service database directly, through the surveys domain
    (`analysis.database`). **That path is for administrators only**: it needs the
    database's own credentials (``DATABASE_URL``, or ``database_url`` here, set before anything
    else touches the database), which also open names, addresses and staff accounts.

    Works in a plain script and inside Jupyter's running event loop.
    """
    if database_url is not None:
        if url is not None:
            raise AnalysisError("give url (and token) or database_url, not both")
        os.environ["DATABASE_URL"] = database_url
    return _run(  # type: ignore[no-any-return]
        aload(
            survey,
            url=url,
            token=token,
            version=version,
            include_partial=include_partial,
            keep_missing=keep_missing,
        )
    )
