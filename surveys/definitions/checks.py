"""Semantic checks that JSON Schema cannot express.

Each check returns ``DefinitionIssue``s with the path of the fault, so one
upload reports every problem at once. The rules that keep routing sound:
a condition or a piped answer may only refer to a question on an *earlier*
page. That rules out forward references and cycles (a page that depends on
its own answers) by construction, and it matches how the pages work with
JavaScript off: routing is decided when a page is submitted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from surveys.definitions import conditions, piping
from surveys.definitions.errors import DefinitionIssue
from surveys.definitions.model import Question, Survey

_TEXT_KEYS = frozenset(
    {
        "title",
        "description",
        "text",
        "hint",
        "label",
        "low_label",
        "high_label",
        "prefix",
        "suffix",
        "statement",
        "message",
    }
)


def check_languages(
    texts: Sequence[tuple[str, Mapping[str, str]]], languages: Sequence[str]
) -> list[DefinitionIssue]:
    """Every text in every language the survey offers, and no others: a
    Welsh resident must never meet an English-only question mid-survey."""
    issues = []
    for path, text in texts:
        for lang in languages:
            if lang not in text:
                issues.append(
                    DefinitionIssue(f"{path}.{lang}" if path else lang, f"missing '{lang}' text")
                )
        for lang in text:
            if lang not in languages:
                issues.append(
                    DefinitionIssue(
                        f"{path}.{lang}",
                        f"'{lang}' is not one of the survey's languages {list(languages)}",
                    )
                )
    return issues


def duplicate_id_issues(data: Mapping[str, Any]) -> list[DefinitionIssue]:
    issues = []
    page_ids: dict[str, str] = {}
    question_ids: dict[str, str] = {}
    for p, page in enumerate(data["pages"]):
        path = f"pages[{p}].id"
        if page["id"] in page_ids:
            issues.append(
                DefinitionIssue(
                    path, f"page id '{page['id']}' is already used at {page_ids[page['id']]}"
                )
            )
        page_ids.setdefault(page["id"], path)
        for q, question in enumerate(page["questions"]):
            qpath = f"pages[{p}].questions[{q}].id"
            if question["id"] in question_ids:
                issues.append(
                    DefinitionIssue(
                        qpath,
                        f"question id '{question['id']}' is already used at "
                        f"{question_ids[question['id']]}",
                    )
                )
            question_ids.setdefault(question["id"], qpath)
    return issues


def _texts(node: Any, path: str) -> Iterator[tuple[str, Mapping[str, str]]]:
    """Every localised text in the raw definition, with its path."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else str(key)
            if key in ("variables", "error_messages") and isinstance(value, Mapping):
                for name, text in value.items():
                    yield f"{sub}.{name}", text
            elif (
                key in _TEXT_KEYS
                and isinstance(value, Mapping)
                and all(isinstance(v, str) for v in value.values())
            ):
                yield sub, value
            elif key not in ("show_if",):
                yield from _texts(value, sub)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, f"{path}[{i}]")


def _page_index_of(path: str) -> int | None:
    if not path.startswith("pages["):
        return None
    return int(path[len("pages[") : path.index("]")])


def piping_issues(survey: Survey) -> list[DefinitionIssue]:
    issues = []
    for path, text in _texts(survey.data, ""):
        where = None if path.startswith("variables.") else _page_index_of(path)
        for value in text.values():
            for ph in piping.placeholders(value):
                if ph.kind == "invalid":
                    issues.append(
                        DefinitionIssue(
                            path,
                            f"'{{{ph.name}}}' is not a placeholder; use {{variable}}, "
                            "{answer:question_id} or {{ and }} for braces",
                        )
                    )
                elif ph.kind == "variable" and ph.name not in survey.variables:
                    known = ", ".join(sorted(survey.variables)) or "none defined"
                    issues.append(
                        DefinitionIssue(path, f"unknown variable '{ph.name}' (variables: {known})")
                    )
                elif ph.kind == "answer":
                    problem = _earlier(survey, ph.name, where, "pipes")
                    if problem:
                        issues.append(DefinitionIssue(path, problem))
    return _unique(issues)


def _earlier(survey: Survey, qid: str, page_index: int | None, verb: str) -> str | None:
    """Why ``qid`` cannot be used from page ``page_index``, or ``None``."""
    try:
        target = survey.question(qid)
    except KeyError:
        return f"{verb} unknown question '{qid}'"
    target_index = survey.page(target.page_id).index
    if page_index is None:
        return f"{verb} question '{qid}', but only text on a page can use answers"
    if target_index == page_index:
        return (
            f"{verb} question '{qid}' on the same page; it must come from an earlier page "
            "(routing is decided when a page is sent)"
        )
    if target_index > page_index:
        return f"{verb} question '{qid}' on a later page (forward reference)"
    return None


def condition_issues(survey: Survey) -> list[DefinitionIssue]:
    issues = []
    for page in survey.pages:
        owners: list[tuple[str, Mapping[str, Any], str | None]] = []
        if page.show_if:
            owners.append((f"{page.path}.show_if", page.show_if, None))
        owners += [(f"{q.path}.show_if", q.show_if, q.id) for q in page.questions if q.show_if]
        for path, condition, owner in owners:
            for ref in conditions.references(condition, path):
                if ref.question == owner:
                    issues.append(
                        DefinitionIssue(
                            f"{ref.path}.question",
                            f"question '{owner}' depends on its own answer (cycle)",
                        )
                    )
                    continue
                problem = _earlier(survey, ref.question, page.index, "refers to")
                if problem:
                    issues.append(DefinitionIssue(f"{ref.path}.question", problem))
                    continue
                issues += _operand_issues(survey.question(ref.question), ref)
            issues += _contradictions(survey, condition, path)
    return issues


def _operand_issues(question: Question, ref: conditions.Reference) -> list[DefinitionIssue]:
    if question.items:
        codes = [i.code for i in question.items]
        if ref.item is None and ref.op not in conditions.PRESENCE:
            return [
                DefinitionIssue(
                    ref.path,
                    f"'{question.id}' is a grid: say which item with 'item' "
                    f"(one of {', '.join(codes)})",
                )
            ]
        if ref.item is not None and ref.item not in codes:
            return [
                DefinitionIssue(
                    f"{ref.path}.item",
                    f"grid '{question.id}' has no item '{ref.item}' (items: {', '.join(codes)})",
                )
            ]
    elif ref.item is not None:
        return [
            DefinitionIssue(
                f"{ref.path}.item", f"'{question.id}' is not a grid, so it has no items"
            )
        ]
    return question.handler.check_operand(question, ref)


def _contradictions(
    survey: Survey, condition: Mapping[str, Any], path: str
) -> list[DefinitionIssue]:
    """``and`` branches that can never all hold: one single-answer question
    required to equal two different values."""
    op, arg = conditions.operator(condition)
    issues: list[DefinitionIssue] = []
    if op in ("and", "or"):
        for i, sub in enumerate(arg):
            issues += _contradictions(survey, sub, f"{path}.{op}[{i}]")
    elif op == "not":
        issues += _contradictions(survey, arg, f"{path}.not")
    if op != "and":
        return issues
    wanted: dict[tuple[str, str | None], Any] = {}
    for i, sub in enumerate(arg):
        sub_op, sub_arg = conditions.operator(sub)
        if sub_op != "equals":
            continue
        key = (sub_arg["question"], sub_arg.get("item"))
        try:
            kind = survey.question(key[0]).handler.kind
        except KeyError:
            continue
        if kind == "choices":
            continue  # several ticks can each be equal
        if key in wanted and wanted[key] != sub_arg["value"]:
            issues.append(
                DefinitionIssue(
                    f"{path}.and[{i}].equals",
                    f"'{key[0]}' cannot equal both {wanted[key]!r} and {sub_arg['value']!r} "
                    "(impossible condition)",
                )
            )
        wanted.setdefault(key, sub_arg["value"])
    return issues


def _unique(issues: list[DefinitionIssue]) -> list[DefinitionIssue]:
    return list(dict.fromkeys(issues))


def semantic_issues(survey: Survey) -> list[DefinitionIssue]:
    issues = check_languages(list(_texts(survey.data, "")), survey.languages)
    issues += piping_issues(survey)
    issues += condition_issues(survey)
    for question in survey.questions:
        issues += question.handler.check(question, survey.data)
    return _unique(issues)
