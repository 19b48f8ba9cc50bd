"""Show-if conditions: evaluation, and the references they make (for checks).

A condition is a one-key mapping. ``and``/``or`` hold lists of conditions,
``not`` holds one; every other operator holds an operand naming an earlier
question (and, for a grid, one of its items)::

    {"any_of": {"question": "q_contact", "values": ["phone", "letter"]}}
    {"greater_than_or_equal": {"question": "q_age", "value": 65}}

Meaning over answer shapes: a multiple-choice answer ``equals`` a code when
that code is ticked, is ``any_of`` codes when it shares one, ``all_of`` when
it has them all and ``none_of`` when it has none. An unanswered question
satisfies only ``not_answered``, ``not_equals`` and ``none_of``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from surveys.definitions.model import Survey

COMBINATORS = frozenset({"and", "or", "not"})
COMPARISONS = frozenset(
    {"less_than", "less_than_or_equal", "greater_than", "greater_than_or_equal"}
)
LIST_OPERATORS = frozenset({"any_of", "all_of", "none_of"})
PRESENCE = frozenset({"answered", "not_answered"})


@dataclass(frozen=True, slots=True)
class Reference:
    """One leaf test in a condition, with the path of its operand."""

    op: str
    question: str
    item: str | None
    operand: Mapping[str, Any]
    path: str  # path of the operand mapping, e.g. "pages[1].show_if.any_of"


def operator(condition: Mapping[str, Any]) -> tuple[str, Any]:
    ((op, arg),) = condition.items()
    return op, arg


def references(condition: Mapping[str, Any], path: str) -> Iterator[Reference]:
    """Every leaf test in ``condition`` (located at ``path``)."""
    op, arg = operator(condition)
    if op in ("and", "or"):
        for i, sub in enumerate(arg):
            yield from references(sub, f"{path}.{op}[{i}]")
    elif op == "not":
        yield from references(arg, f"{path}.not")
    else:
        yield Reference(op, arg["question"], arg.get("item"), arg, f"{path}.{op}")


def _lookup(arg: Mapping[str, Any], answers: Mapping[str, Any]) -> Any:
    value = answers.get(arg["question"])
    item = arg.get("item")
    if item is not None:
        value = value.get(item) if isinstance(value, Mapping) else None
    return value


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _as_set(value: Any) -> set[Any]:
    if isinstance(value, list | tuple | set | frozenset):
        return {v for v in value if isinstance(v, str | int | float | bool)}
    return {value} if isinstance(value, str | int | float | bool) else set()


def _compare(op: str, value: Any, target: Any) -> bool:
    # Only like with like: numbers with numbers, ISO date strings with each
    # other. A "Don't know" code against a number is simply not a match.
    both_numbers = all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in (value, target)
    )
    both_strings = isinstance(value, str) and isinstance(target, str)
    if not (both_numbers or both_strings):
        return False
    if op == "less_than":
        return bool(value < target)
    if op == "less_than_or_equal":
        return bool(value <= target)
    if op == "greater_than":
        return bool(value > target)
    return bool(value >= target)


def evaluate(
    condition: Mapping[str, Any], answers: Mapping[str, Any], survey: Survey | None = None
) -> bool:
    """Whether ``condition`` holds for ``answers``. Never raises on odd
    answer values: a value of the wrong shape just fails to match."""
    op, arg = operator(condition)
    if op == "and":
        return all(evaluate(c, answers, survey) for c in arg)
    if op == "or":
        return any(evaluate(c, answers, survey) for c in arg)
    if op == "not":
        return not evaluate(arg, answers, survey)
    value = _lookup(arg, answers)
    if op == "answered":
        return not _is_empty(value)
    if op == "not_answered":
        return _is_empty(value)
    if op == "equals":
        target = arg["value"]
        if isinstance(value, list):
            return target in value
        return _same(value, target)
    if op == "not_equals":
        target = arg["value"]
        if isinstance(value, list):
            return target not in value
        return not _same(value, target)
    if op in LIST_OPERATORS:
        chosen = _as_set(value)
        wanted = set(arg["values"])
        if op == "any_of":
            return bool(chosen & wanted)
        if op == "all_of":
            return bool(chosen) and wanted <= chosen
        return not (chosen & wanted)
    if op in COMPARISONS:
        return _compare(op, value, arg["value"])
    raise ValueError(f"unknown condition operator {op!r}")


def _same(value: Any, target: Any) -> bool:
    # True must not equal 1 (consent versus a rating of 1).
    if isinstance(value, bool) or isinstance(target, bool):
        return isinstance(value, bool) and isinstance(target, bool) and value == target
    return bool(value == target)
