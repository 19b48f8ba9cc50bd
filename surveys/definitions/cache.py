"""A small cache of parsed surveys, keyed by content.

Parsing runs JSON Schema and every semantic check (tens of milliseconds for
a bank survey), which is too slow to repeat on every resident page request.
A stored definition version never changes, so its parsed ``Survey`` can be
shared; keying by canonical JSON means an edited definition is never served
from a stale entry.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from surveys.definitions.canonical import canonical_json
from surveys.definitions.model import Survey
from surveys.definitions.parse import parse_definition


@lru_cache(maxsize=128)
def _parse_canonical(text: str) -> Survey:
    # Parse a private copy, so no caller can change a shared Survey's data.
    return parse_definition(json.loads(text))


def cached_survey(data: Any) -> Survey:
    """``parse_definition(data)``, remembered for identical definitions.
    Raises ``DefinitionError`` like ``parse_definition`` (failures are not cached)."""
    return _parse_canonical(canonical_json(data))
