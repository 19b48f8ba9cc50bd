"""A draw request from a staff form or a JSON body, with each problem named by its field.

The staff page and the API accept the same fields, so both go through `parse_request`:
`size`, `method`, `stratify` (one dimension or several: a list, or repeated form fields),
`quotas` (CSV text `dimension,group,min,max` on the form, a list of objects in JSON), the
overridable contact rules and an optional `seed`.
"""

from __future__ import annotations

from typing import Any

from panel.contact_rules import ContactRules, RulesError, panel_rules, rules_with
from panel.margins import MarginsError, is_dimension, panel_margins
from panel.sampling import (
    MAX_SEED,
    METHODS,
    DrawRequest,
    Quota,
    SampleError,
    parse_quotas,
    stratify_dimensions,
)
from panel.services import PROFILE_COLUMNS

Errors = list[tuple[str, str]]


def _whole(
    value: Any, name: str, errors: Errors, *, low: int, high: int | None = None
) -> int | None:
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip().replace(",", ""))
    except ValueError:
        errors.append((name, f"Enter {name.replace('_', ' ')} as a whole number"))
        return None
    if number < low or (high is not None and number > high):
        limit = f"between {low} and {high}" if high is not None else f"{low} or more"
        errors.append((name, f"{name.replace('_', ' ').capitalize()} must be {limit}"))
        return None
    return number


def _quotas(value: Any, errors: Errors) -> list[Quota]:
    try:
        if isinstance(value, list):
            rows = ["dimension,group,min,max"] + [
                ",".join(str(q.get(k, "")) for k in ("dimension", "group", "min", "max"))
                for q in value
                if isinstance(q, dict)
            ]
            return parse_quotas("\n".join(rows), "quotas")
        text = str(value or "").strip()
        if not text.lower().startswith("dimension"):
            text = "dimension,group,min,max\n" + text
        return parse_quotas(text, "quotas")
    except SampleError as error:
        errors.extend(("quotas", problem) for problem in error.problems)
        return []


def parse_request(
    data: dict[str, Any], created_by: str, *, form: bool
) -> tuple[DrawRequest | None, Errors]:
    """A `DrawRequest`, or the problems by field (form: checkbox and text values)."""
    errors: Errors = []
    size = _whole(data.get("size", ""), "size", errors, low=1)
    method = str(data.get("method") or "random")
    if method not in METHODS:
        errors.append(("method", f"Choose a method: {', '.join(METHODS)}"))
    quotas: list[Quota] = []
    if method == "quota":
        if not data.get("quotas"):
            errors.append(("quotas", "Enter the quotas, one line each: dimension,group,min,max"))
        else:
            quotas = _quotas(data.get("quotas"), errors)
    raw = data.get("stratify")
    stratify = stratify_dimensions(raw if isinstance(raw, (str, list)) else None)
    margins = None
    if method == "stratified":
        unknown = [d for d in stratify if not is_dimension(d)]
        if not stratify or unknown:
            errors.append(
                (
                    "stratify",
                    f"Choose what to stratify by: {', '.join(PROFILE_COLUMNS)} "
                    "(or a cross-classification in the margins, such as age_band×sex)",
                )
            )
        else:
            try:
                margins = panel_margins()
            except MarginsError as error:
                errors.append(("stratify", f"The population margins cannot be read: {error}"))
            else:
                for dimension in stratify:
                    if dimension not in margins:
                        errors.append(
                            ("stratify", f"The population margins have no {dimension} rows")
                        )
    seed = None
    if str(data.get("seed") or "").strip():
        seed = _whole(data["seed"], "seed", errors, low=1, high=MAX_SEED)
    rules = _rules(data, errors, form=form)
    if errors or size is None or rules is None:
        return None, errors
    return (
        DrawRequest(
            size=size,
            rules=rules,
            method=method,
            quotas=quotas,
            stratify=stratify if method == "stratified" else None,
            margins=margins,
            seed=seed,
            created_by=created_by,
        ),
        [],
    )


def _rules(data: dict[str, Any], errors: Errors, *, form: bool) -> ContactRules | None:
    base = panel_rules()
    overrides: dict[str, Any] = {}
    source = data if form else (data.get("rules") or {})
    if not isinstance(source, dict):
        errors.append(("rules", "Rules must be an object"))
        return None
    for name in ("not_invited_within_days", "max_invitations_12_months"):
        if str(source.get(name, "")).strip() != "":
            number = _whole(source[name], name, errors, low=0)
            if number is not None:
                overrides[name] = number
    if form:
        overrides["one_per_household"] = bool(source.get("one_per_household"))
    elif "one_per_household" in source:
        overrides["one_per_household"] = source["one_per_household"]
    unknown = [] if form else [k for k in source if k not in vars(base)]
    for key in unknown:
        errors.append((f"rules.{key}", f"Unknown rule {key!r}"))
    try:
        return rules_with(base, {k: v for k, v in overrides.items() if k not in unknown})
    except RulesError as error:
        errors.append(("one_per_household", str(error)))
        return None
