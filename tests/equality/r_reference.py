"""Shared constants for the equality tests: where R's numbers live and the tolerances."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).parent / "results"

#: 1e-6 relative on estimates and standard errors (the brief for equality)
RTOL = 1e-6
