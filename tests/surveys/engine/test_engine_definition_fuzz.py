"""Broken definitions are always rejected with DefinitionError, never a crash.

Staff upload definitions by hand, so any mutation of a good one must give a
clear error (or still be valid), not a KeyError from deep in the checks.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.bank import load_bank
from surveys.definitions import DefinitionError, Survey, parse_definition

BASE = load_bank("all-question-types")


def locations(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += locations(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += locations(v, (*path, i))
    return out


LOCATIONS = [p for p in locations(BASE) if p]
JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.sampled_from(
        ["", "q_lived", "parks", "en", "today", "2024-02-30", "{answer:q_why}", "grid"]
    ),
    lambda inner: (
        st.lists(inner, max_size=2)
        | st.dictionaries(
            st.sampled_from(["en", "question", "value", "code", "label", "id"]), inner, max_size=2
        )
    ),
    max_leaves=4,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LOCATIONS), st.booleans(), JUNK), min_size=1, max_size=3))
def test_mutated_definitions_fail_cleanly(
    mutations: list[tuple[tuple[Any, ...], bool, Any]],
) -> None:
    data = copy.deepcopy(BASE)
    for path, delete, junk in mutations:
        parent: Any = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            if delete:
                del parent[path[-1]]
            else:
                parent[path[-1]] = junk
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this place
    try:
        result = parse_definition(data)
    except DefinitionError as exc:
        assert exc.errors and all(isinstance(i.path, str) and i.message for i in exc.errors)
    else:
        assert isinstance(result, Survey)
