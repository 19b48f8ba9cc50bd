"""Exceptions raised by the analysis library.

Every problem with the input raises one of these with a message that names the
offending variable, level or category, so a research officer sees what to fix
instead of a table full of NaN.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class AnalysisError(ValueError):
    """Base class: bad input or an estimate that cannot be made."""


class UnknownVariableError(AnalysisError, KeyError):
    """A column named in a call is not in the data."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class UnknownLevelError(AnalysisError):
    """A level (answer option) asked for is not present in a variable."""


class WeightsError(AnalysisError):
    """Weights are missing, non-finite, zero or negative."""


class DesignError(AnalysisError):
    """The sampling design cannot support a variance estimate."""


class RakingError(AnalysisError):
    """Population margins are inconsistent with each other or with the sample."""


class ConvergenceError(AnalysisError):
    """An iterative fit (raking, a model) did not converge."""


class SingularModelError(AnalysisError):
    """A model's terms are collinear, or the outcome is perfectly separated."""


def check_column(data_columns: Iterable[str], name: str, role: str = "variable") -> None:
    """Raise `UnknownVariableError` naming `name` and close matches if it is absent."""
    columns = [str(c) for c in data_columns]
    if name in columns:
        return
    near = difflib.get_close_matches(str(name), columns, n=3)
    hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
    raise UnknownVariableError(f"{role} {name!r} is not a column of the data{hint}")
