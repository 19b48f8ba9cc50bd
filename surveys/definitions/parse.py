"""Reading a definition: JSON Schema first, then the model, then semantic checks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from surveys.definitions.errors import DefinitionError, DefinitionIssue, format_path
from surveys.definitions.handlers import HandlerLookup, default_handlers
from surveys.definitions.model import Page, Question, Survey

SCHEMA_PATH = Path(__file__).with_name("schema.json")


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema for survey definitions (also served by the API)."""
    with SCHEMA_PATH.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    jsonschema.Draft202012Validator.check_schema(data)
    return data


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


@cache
def _question_properties(type_name: str | None) -> frozenset[str]:
    """Keys a question of ``type_name`` may have, read from the schema."""
    question = schema()["$defs"]["question"]
    keys = set(question["properties"])
    for branch in question["allOf"]:
        cond = branch["if"]["properties"]["type"]
        if type_name == cond.get("const") or type_name in cond.get("enum", ()):
            keys |= set(branch["then"].get("properties", {}))
    return frozenset(keys)


def _precise(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For "not valid under any of the given schemas" (options given as a
    list or an option-set name), the error from the branch that fits the
    value's type, which names the real fault and its deeper path."""
    while error.context:
        # A branch that fails only on the value's type is the wrong branch.
        fitting = [e for e in error.context if not (e.validator == "type" and not e.relative_path)]
        error = max(fitting or error.context, key=lambda e: len(e.absolute_path))
    return error


def _schema_issues(data: Any) -> list[DefinitionIssue]:
    errors = [_precise(e) for e in _validator().iter_errors(data)]
    paths = [format_path(e.absolute_path) for e in errors]
    issues = []
    for error, path in zip(errors, paths, strict=True):
        if error.validator == "unevaluatedProperties" and isinstance(error.instance, dict):
            # When a type-specific property is itself invalid, JSON Schema
            # also calls it "unevaluated"; report only keys that are truly
            # unknown for this question type.
            kind = error.instance.get("type")
            allowed = _question_properties(kind if isinstance(kind, str) else None)
            unknown = sorted(set(error.instance) - allowed)
            if unknown:
                names = ", ".join(repr(k) for k in unknown)
                issues.append(
                    DefinitionIssue(path, f"unexpected properties for a {kind} question: {names}")
                )
            continue
        issues.append(DefinitionIssue(path, error.message))
    issues.sort(key=lambda i: (i.path, i.message))
    return list(dict.fromkeys(issues))


def _build(data: Mapping[str, Any], handler_for: HandlerLookup) -> Survey:
    languages = tuple(data["languages"])
    option_sets = data.get("option_sets") or {}
    pages = []
    for p_index, raw_page in enumerate(data["pages"]):
        questions = []
        for q_index, raw in enumerate(raw_page["questions"]):
            handler = handler_for(raw["type"])
            questions.append(
                Question(
                    id=raw["id"],
                    type=raw["type"],
                    text=raw["text"],
                    page_id=raw_page["id"],
                    path=f"pages[{p_index}].questions[{q_index}]",
                    spec=raw,
                    hint=raw.get("hint"),
                    required=bool(raw.get("required", False)),
                    sensitive=bool(raw.get("sensitive", False)),
                    show_if=raw.get("show_if"),
                    options=handler.build_options(raw, option_sets, languages),
                    items=handler.build_items(raw, languages),
                    handler=handler,
                )
            )
        pages.append(
            Page(
                id=raw_page["id"],
                index=p_index,
                path=f"pages[{p_index}]",
                questions=tuple(questions),
                title=raw_page.get("title"),
                description=raw_page.get("description"),
                show_if=raw_page.get("show_if"),
            )
        )
    return Survey(
        data=data,
        slug=data["slug"],
        languages=languages,
        title_text=data["title"],
        pages=tuple(pages),
        version=data.get("version"),
        description=data.get("description"),
        variables=data.get("variables") or {},
    )


def parse_definition(data: Any, handlers: HandlerLookup | None = None) -> Survey:
    """Validate ``data`` (a decoded YAML/JSON document) and return the survey.

    ``handlers`` maps a question type to its handler; by default the one
    ``surveys.questions.registry`` installed (see ``handlers.py``).

    Raises ``DefinitionError`` listing every fault with its path: all schema
    faults at once when the shape is wrong, otherwise all semantic faults
    (unknown or forward references, cycles, impossible conditions, duplicate
    ids, missing translations, bad piping).
    """
    from surveys.definitions.checks import semantic_issues

    if not isinstance(data, Mapping):
        raise DefinitionError(
            [DefinitionIssue("", "a survey definition must be a mapping (object)")]
        )
    issues = _schema_issues(data)
    if issues:
        raise DefinitionError(issues)
    # Duplicate ids would make the model's indexes lie, so check them first.
    from surveys.definitions.checks import duplicate_id_issues

    issues = duplicate_id_issues(data)
    if issues:
        raise DefinitionError(issues)
    survey = _build(data, handlers or default_handlers())
    issues = semantic_issues(survey)
    if issues:
        raise DefinitionError(issues)
    return survey


def load_definition_file(path: str | Path) -> Survey:
    """Parse a ``.yaml``/``.yml``/``.json`` definition file."""
    return parse_definition(read_definition_file(path))


def read_definition_file(path: str | Path) -> Any:
    """The decoded document in ``path``; YAML syntax errors become a
    ``DefinitionError`` naming the line, like any other fault."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise DefinitionError(
            [DefinitionIssue("", f"{path.name} is not valid {path.suffix[1:].upper()}: {exc}")]
        ) from exc
