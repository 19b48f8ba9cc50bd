"""Time `equality.assess` and the full EqIA HTML report on a 100,000-response survey.

Every catalogue characteristic the synthetic survey has (age, disability, gender
reassignment, race with its 19 categories, religion, sex, sexual orientation,
deprivation, carers), raked to age and sex, plus the digital-exclusion lens (three
more assessments) and representativeness.  Goal from issue 11: the full report under 10 s.
Prints wall-clock and this process's CPU seconds for each: on a shared machine the CPU
figure is the one to compare (the wall figure grows with the load; quote `uptime` beside it).

    .venv/bin/python bench/equality_report_bench.py [N]
"""

from __future__ import annotations

import os
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
    t0, c0 = time.perf_counter(), time.process_time()
    result = equality.assess(design, OUTCOME)
    t_assess, c_assess = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    evidence = build(frame, OUTCOME, margins=margins)
    with tempfile.TemporaryDirectory() as tmp:
        out = report(evidence, Path(tmp) / "report.html")
        size = out.stat().st_size
    t_report, c_report = time.perf_counter() - t0, time.process_time() - c0
    chars = result.findings["characteristic"].nunique()
    print(f"responses: {n:,}; characteristics: {chars}; groups: {len(result.findings)}")
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"assess (raked design, every characteristic): {t_assess:.2f} s ({c_assess:.2f} s CPU)")
    print(
        f"full HTML report (rake + assess + digital lens x3 + representativeness + render): "
        f"{t_report:.2f} s ({c_report:.2f} s CPU), {size / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
