"""Benchmark: pages per minute auditing the fixture site with every check on, and peak memory.

    .venv/bin/python bench/audit_fixture_site.py            # concurrency 1, 2 and 4, one run each
    .venv/bin/python bench/audit_fixture_site.py [--concurrency 1 2 4] [--repeat 1] [--profile]
        [--findings DIR]

Serves tests/fixtures/a11y_site on 127.0.0.1, then for each concurrency runs the whole audit
path (crawl from /index.html and the sitemap → browser pool → axe-core and all our checks →
site rules → element screenshots → fingerprints) with a fresh Chromium, and prints one JSON
row per run and then a table: wall seconds, pages per minute, the median seconds per page
(each page's own audit time), CPU seconds per page of this process and its Chromium
processes, and peak memory (proportional set size), sampled every 100 ms with psutil. The
crawler's rate limit is raised to 50 requests/s so the figure measures auditing, not
politeness. ``--profile`` prints, per run, each step's median and mean seconds per page
(page load and facts, axe, every check). ``--findings DIR`` writes each run's findings, one
sorted line each, so two versions of the auditor can be compared with ``diff``.
The goal (issue 15): ≥ 60 pages/min at concurrency 4 and ≤ 2 s median on a 2-core machine.
The load average is printed at the end: on a shared machine the wall figures are inflated.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import statistics
import threading
import time
from pathlib import Path

import psutil

from accessibility.audit import AuditOptions, run_audit
from accessibility.crawl import CrawlConfig
from accessibility.results import PageResult

SERVER = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "a11y_site" / "server.py"


def _serve_site():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("a11y_site_server", SERVER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.serve_site()


class ProcessTree:
    """Peak memory and CPU seconds of this process and all its descendants (Chromium's many
    processes), sampled every 100 ms.

    CPU seconds are the machine-load-proof figure: other agents on the machine stretch the
    wall time, much less the CPU a page costs. A process that ends between two samples loses
    at most its last 100 ms, so the figure is a slight undercount.
    """

    def __init__(self) -> None:
        self.peak = 0
        self._cpu: dict[tuple[int, float], float] = {}  # (pid, start time) -> CPU seconds
        self._cpu_before = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def cpu_seconds(self) -> float:
        return sum(self._cpu.values()) - self._cpu_before

    def _sample(self) -> int:
        """PSS (shared pages split between the processes sharing them), not RSS, which
        would count Chromium's shared libraries once per process and overstate the total."""
        me = psutil.Process()
        total = 0
        for process in [me, *me.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                self._cpu[(process.pid, process.create_time())] = times.user + times.system
                total += process.memory_full_info().pss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(0.1)

    def __enter__(self) -> ProcessTree:
        self._sample()
        self._cpu_before = sum(self._cpu.values())
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def profile(pages: list[PageResult]) -> list[tuple[str, float, float]]:
    """Where a page's time goes: each step's median and mean seconds per page (``timings``
    of every audited page: the load and facts, axe, each check), slowest first."""
    steps: dict[str, list[float]] = {}
    for page in pages:
        for step, seconds in page.audit.timings.items():
            if step != "total":
                steps.setdefault(step, []).append(seconds)
    rows = [
        (step, statistics.median(values), sum(values) / len(pages))
        for step, values in steps.items()
    ]
    return sorted(rows, key=lambda row: -row[2])


def findings_lines(pages: list[PageResult], base: str) -> list[str]:
    """Every finding of the run as one sorted line (page, rule, kind, selector, message), the
    site's address left out: two runs' files differ only where the auditor's results do."""
    lines = []
    for page in pages:
        path = page.url.removeprefix(base)
        lines.append(f"{path}\tstatus={page.audit.status}")
        for f in page.audit.findings:
            lines.append("\t".join([path, f.rule, f.kind, f.selector, f.message.replace(base, "")]))
    return sorted(lines)


async def one_run(
    base: str, concurrency: int, show_profile: bool = False, findings: Path | None = None
) -> dict[str, float]:
    config = CrawlConfig([f"{base}/index.html"], max_pages=200, rate_limit=50, allow_private=True)
    options = AuditOptions(concurrency=concurrency, page_time_limit_s=60)
    with ProcessTree() as tree:
        started = time.perf_counter()
        result = await run_audit(config, options)
        elapsed = time.perf_counter() - started
    pages = len(result.pages)
    if findings is not None:
        text = "\n".join(findings_lines(result.pages, base)) + "\n"
        await asyncio.to_thread(findings.write_text, text)
    if show_profile:
        print(f"{'step':<24} {'median s':>9} {'mean s/page':>11}")
        for step, median, mean in profile(result.pages):
            print(f"{step:<24} {median:>9.3f} {mean:>11.3f}")
    return {
        "concurrency": concurrency,
        "pages": pages,
        "pages_ok": sum(1 for p in result.pages if p.audit.status == "ok"),
        "findings": sum(len(p.audit.findings) for p in result.pages),
        "seconds": round(elapsed, 1),
        "pages_per_minute": round(pages / elapsed * 60, 1),
        # Each page's own audit time (load, axe, every check), whatever ran beside it.
        "median_s_per_page": round(
            statistics.median(p.audit.timings.get("total", 0.0) for p in result.pages), 2
        )
        if result.pages
        else 0.0,
        "cpu_s_per_page": round(tree.cpu_seconds / pages, 2) if pages else 0.0,
        "peak_memory_mb": round(tree.peak / 1024 / 1024),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--profile", action="store_true", help="print where a page's time goes, step by step"
    )
    parser.add_argument(
        "--findings",
        type=Path,
        metavar="DIR",
        help="write each run's findings, one sorted line each, to DIR/findings-cN-R.txt",
    )
    args = parser.parse_args()
    if args.findings:
        args.findings.mkdir(parents=True, exist_ok=True)
    rows = []
    with _serve_site() as base:
        for concurrency in args.concurrency:
            for repeat in range(args.repeat):
                out = None
                if args.findings:
                    out = args.findings / f"findings-c{concurrency}-{repeat}.txt"
                row = await one_run(base, concurrency, args.profile, out)
                rows.append(row)
                print(json.dumps(row), flush=True)
    print(
        f"\n{'concurrency':>11} {'pages':>5} {'seconds':>8} {'pages/min':>9} {'s/page':>7} "
        f"{'CPU s/page':>10} {'peak MB':>8}"
    )
    for r in rows:
        print(
            f"{r['concurrency']:>11} {r['pages']:>5} {r['seconds']:>8} "
            f"{r['pages_per_minute']:>9} {r['median_s_per_page']:>7} {r['cpu_s_per_page']:>10} "
            f"{r['peak_memory_mb']:>8}"
        )
    load = ", ".join(f"{x:.2f}" for x in psutil.getloadavg())
    print(f"\n{psutil.cpu_count()} CPUs; load average {load} (other work on the machine slows")
    print("the wall-clock figures; CPU s/page is the cost of a page whatever else runs)")


if __name__ == "__main__":
    asyncio.run(main())
