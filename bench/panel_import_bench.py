"""Benchmark: `panel import` of a 50,000-row CSV with 2 % bad rows, on SQLite and PostgreSQL.

Usage:  .venv/bin/python bench/panel_import_bench.py [--rows 50000] [--engine sqlite|postgres]

For each engine: a fresh migrated database with 2,000 existing members (duplicate checks
have something to compare with), then a dry run and a real `--valid-only` import of the same
file, each timed wall-clock as one call to `panel.imports.import_file` (reading, checking,
inserting members and their consent rows). Goal: under 30 s each. Each engine runs in its
own process so the engines' set-up does not mix.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch_databases import create_postgres, drop_postgres

ROOT = Path(__file__).resolve().parents[1]


def write_file(path: Path, rows: int) -> int:
    """The CSV; every 50th row is bad in one of five ways. Returns the number of bad rows."""
    sys.path.insert(0, str(ROOT))
    from panel.imports import HEADER

    bad = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(rows):
            row = [
                f"First{i}",
                f"Last{i}",
                f"member{i}@example.org",
                f"+44 7{i + 100000000:09d}",
                f"{i % 180 + 1} High Street",
                "Northbridge",
                f"NB{i % 9 + 1} {i % 9 + 1}AB",
                "email",
                "1970-01-31",
                "female",
                "white",
                "not_disabled",
                "2026-02-01",
                "2026-01",
            ]
            if i % 50 == 7:
                bad += 1
                column = [6, 2, 9, 12, 3][(i // 50) % 5]  # postcode, email, sex, consent, phone
                row[column] = {6: "NOPE", 2: "not-an-email", 9: "x", 12: "", 3: "12"}[column]
            writer.writerow(row)
    return bad


async def run(url: str, path: Path) -> None:
    os.environ.update({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40})
    sys.path.insert(0, str(ROOT))
    from piccolo.engine.postgres import PostgresEngine

    import piccolo_conf
    from panel.demo import load_demo
    from panel.imports import import_file
    from service.migrations import migrate

    engine = piccolo_conf.DB
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=4)
    await migrate()
    await load_demo(lambda _: None, "http://127.0.0.1")
    name = url.split(":")[0]
    start = time.perf_counter()
    dry = await import_file(path, dry_run=True)
    dry_s = time.perf_counter() - start
    start = time.perf_counter()
    real = await import_file(path, valid_only=True)
    real_s = time.perf_counter() - start
    print(
        f"{name:8s} rows={dry.rows} refused={len(dry.refused_rows)} "
        f"dry-run={dry_s:.1f}s import(--valid-only)={real_s:.1f}s imported={real.imported}"
    )
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--engine", choices=["sqlite", "postgres"])
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.url:
        asyncio.run(run(args.url, args.file))
        return
    tmp = Path(tempfile.mkdtemp(prefix="rv-import-bench-"))
    path = tmp / "members.csv"
    bad = write_file(path, args.rows)
    print(f"{args.rows} rows, {bad} bad ({bad / args.rows:.0%}); goal < 30 s each")
    for engine in [args.engine] if args.engine else ["sqlite", "postgres"]:
        url = (
            f"sqlite:///{tmp}/bench.sqlite"
            if engine == "sqlite"
            else asyncio.run(create_postgres("rv_bench_import"))
        )
        try:
            subprocess.run(
                [sys.executable, __file__, "--url", url, "--file", str(path)], check=True
            )
        finally:
            if engine == "postgres":
                asyncio.run(drop_postgres(url))


if __name__ == "__main__":
    main()
