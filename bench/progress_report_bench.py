"""Time the strategy-measures progress report (issue 13).

1. From the service database (the demo: `resident-voice demo` first): every shipped measure
   (with targets set on the staff page) through `surveys.services.measures.build_results` —
   values, status, trend, panel history and the equality notes — and the HTML page, as
   `resident-voice progress-report --period 2026-H2` does it (less the CLI start-up).
2. Ten survey waves of N responses each (default 100,000), synthetic, one per half-year,
   straight into `analysis.measures` (raked estimates, status, trend, HTML). This is the
   library's share only: it does NOT load a million responses through the database export.

    DATABASE_URL=sqlite:///var/demo.sqlite .venv/bin/python bench/progress_report_bench.py [N]
"""

from __future__ import annotations

import asyncio
import sys
import time

import pandas as pd

import analysis
from analysis import measures as m
from analysis.demo_data import demo_margins, demo_survey
from analysis.measures.report import render_html
from analysis.measures.values import DesignCache


async def from_database() -> None:
    from service.cli import close_database
    from surveys.services.measures import build_results

    period = m.Period.parse("2026-H2")
    # fresh: the first report in this process (imports, first queries); warm: the next one.
    # CPU seconds beside wall seconds, because the machine this runs on is often shared.
    for run in ("fresh", "warm"):
        t0, c0 = time.perf_counter(), time.process_time()
        results = await build_results(period)
        html = render_html(results, period=period.label, audience="cabinet")
        notes = sum(len(r.equality) for r in results)
        print(f"demo database ({run}): {len(results)} measures, {notes} equality notes, "
              f"{len(html):,} bytes of HTML in {time.perf_counter() - t0:.2f} s "
              f"({time.process_time() - c0:.2f} s CPU)")  # fmt: skip
    await close_database()


def ten_waves(n: int) -> None:
    half_years = [f"{2022 + i // 2}-H{1 + i % 2}" for i in range(10)]
    frames = []
    for i, label in enumerate(half_years):
        raw, codebook = demo_survey(n, wave=1 + i % 2, seed=100 + i)
        frame = analysis.label(raw, codebook)
        start = m.Period.parse(label).start
        frame["submitted_at"] = pd.Timestamp(start, tz="UTC") + pd.Timedelta(days=30)
        frame["version"] = 1
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    # demo_margins() is keyed by codes in the categories' order; the labelled frame by labels
    margins = {
        c: dict(zip(map(str, frame[c].cat.categories), g.values(), strict=True))
        for c, g in demo_margins().items()
    }
    defs = [d for d in m.load_measures() if d.source.get("survey") == "resident-satisfaction"]
    period = m.Period.parse(half_years[-1])
    t0, c0 = time.perf_counter(), time.process_time()
    results = []
    cache = DesignCache()  # as the service does: one raked design per survey and period
    for d in defs:
        values = {p: m.survey_value(d, frame, m.Period.parse(p), margins=margins, cache=cache)
                  for p in half_years}  # fmt: skip
        results.append(m.evaluate(d, values, period))
    html = render_html(results, period=period.label)
    elapsed = time.perf_counter() - t0
    noted = "; ".join(sorted({r.current.note for r in results}))
    cpu = time.process_time() - c0
    print(f"10 waves x {n:,}: {len(defs)} survey measures x 10 periods, {len(html):,} bytes "
          f"in {elapsed:.2f} s ({cpu:.2f} s CPU) (weighting: {noted})")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(from_database())
    ten_waves(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
