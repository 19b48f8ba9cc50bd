"""Equalities impact evidence on top of `analysis`: who is affected, how sure we are.

Pandas in, small result objects out; never imports Litestar::

    import analysis, equality
    design = analysis.rake(analysis.Design(df), margins)
    result = equality.assess(design, ("q1", ["Very satisfied", "Fairly satisfied"]))
    result.findings            # one row per characteristic and group, disclosure-controlled
    result.report("eqia.html")
"""

from equality import characteristics
from equality.characteristics import (
    CATALOGUE,
    Characteristic,
    CharacteristicError,
    Combination,
    register,
)
from equality.disclosure import suppress
from equality.disparity import Assessment, EqualityError, assess

__all__ = [
    "CATALOGUE",
    "Assessment",
    "Characteristic",
    "CharacteristicError",
    "Combination",
    "EqualityError",
    "assess",
    "characteristics",
    "register",
    "suppress",
]
