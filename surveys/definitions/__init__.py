"""Survey definitions: the versioned document staff upload, and its routing.

``parse_definition(data)`` validates a decoded YAML/JSON document against
``schema.json`` and then the semantic rules in ``checks.py``, returning a
``Survey``; faults raise ``DefinitionError`` whose ``errors`` name the path
of each problem. ``content_hash``/``canonical_json`` tell versions apart.
"""

from surveys.definitions.cache import cached_survey
from surveys.definitions.canonical import canonical_json, content_hash
from surveys.definitions.errors import DefinitionError, DefinitionIssue
from surveys.definitions.model import Option, Page, Question, Survey
from surveys.definitions.parse import (
    load_definition_file,
    parse_definition,
    read_definition_file,
    schema,
)

__all__ = [
    "DefinitionError",
    "DefinitionIssue",
    "Option",
    "Page",
    "Question",
    "Survey",
    "cached_survey",
    "canonical_json",
    "content_hash",
    "load_definition_file",
    "parse_definition",
    "read_definition_file",
    "schema",
]
