"""Time `equality.assess` and the full EqIA HTML report on a 100,000-response survey.

Every catalogue characteristic the synthetic survey has (age, disability, gender
reassignment, race with its 19 categories, religion, sex, sexual orientation,
deprivation, carers), raked to age and sex, plus the digital-exclusion lens (three
more assessments) and representativeness.  Goal from issue 11: the full report under 10 s.

    .venv/bin/python bench/equality_report_bench.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import analysis
import equality
from equality import synthetic
from equality.pipeline import build, report

OUTCOME = ("council_satisfaction", ["very_satisfied", "fairly_satisfied"])


def main(n: int) -> None:
    frame = synthetic.survey(n, seed=1)
    margins = pd.DataFrame(
        [("age_band", k, v) for k, v in synthetic.POPULATION_AGE.items()]
        + [("sex", k, v) for k, v in synthetic.POPULATION_SEX.items()],
        columns=["dimension", "group", "population"],
    )
    design = analysis.rake(analysis.Design(frame), synthetic.margins())
    t0 = time.perf_counter()
    result = equality.assess(design, OUTCOME)
    t_assess = time.perf_counter() - t0
    t0 = time.perf_counter()
    evidence = build(frame, OUTCOME, margins=margins)
    with tempfile.TemporaryDirectory() as tmp:
        out = report(evidence, Path(tmp) / "report.html")
        size = out.stat().st_size
    t_report = time.perf_counter() - t0
    chars = result.findings["characteristic"].nunique()
    print(f"responses: {n:,}; characteristics: {chars}; groups: {len(result.findings)}")
    print(f"assess (raked design, every characteristic): {t_assess:.2f} s")
    print(
        f"full HTML report (rake + assess + digital lens x3 + representativeness + render): "
        f"{t_report:.2f} s, {size / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
