"""Shared constants for the analysis tests: where R's numbers live and the tolerances."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).parent / "results"

#: tolerances from the issue: 1e-6 relative on estimates and weights, 1e-5 on SEs
EST_RTOL = 1e-6
SE_RTOL = 1e-5


def vec(x: Any) -> np.ndarray:
    """R's jsonlite unboxes length-one vectors; make everything a flat array."""
    return np.atleast_1d(np.asarray(x, dtype=float)).ravel()
