"""Benchmark: resident survey GET and answer/submit POSTs with single-use tokens, SQLite and
PostgreSQL, one and two server processes, against a bare Litestar endpoint and the raw
submit-transaction rate measured in the same run.

    .venv/bin/python bench/serve_bench.py [--duration 5] [--connections 64] [--repeat 3]
        [--databases sqlite,postgres] [--workers 1,2]

For each database (a fresh SQLite file in WAL mode with synchronous=FULL, or a scratch
PostgreSQL database) and each server-process count it runs the real service (uvicorn,
`service.app:create_app`, `--workers N`) on 127.0.0.1 and drives it with `wrk` on the same
machine, `--connections` connections, each scenario after a 2 s warm-up:

  GET    /s/{token}/page/{page}   a question page (token resolved, definition cached, Jinja
                                   render); the same token each time
  POST   /s/{token}/page/{page}   answer the first page with a fresh token each request:
                                   parse, validate, insert the partial response
  POST   /s/{token}/check         submit with a fresh token each request: validate all answers,
                                   claim the link and complete the response in one transaction

Ceilings, in the same run: a bare Litestar `GET /` (one handler returning a string, the same
uvicorn set-up and process count), and the raw submit transaction (`claim_and_complete`, no
HTTP) from 64 tasks in this process, on the same database. `--repeat` runs everything that
many times; the table shows the best and the median req/s (p99 of the best run).

After every run it checks: no non-2xx/3xx answer and no socket error for a valid token, and
used links == complete responses, >= submits sent. Not a test: figures depend on the machine
and on what else runs on it (the development machine is 2 cores shared by several agents).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import live_server as live

WRK_TOKENS_LUA = textwrap.dedent(
    """
    -- Each request takes the next unused token: thread k uses tokens k, k+T, k+2T, ...
    local tokens = {}
    for line in io.lines(os.getenv("RV_TOKENS")) do tokens[#tokens + 1] = line end
    local threads = tonumber(os.getenv("RV_THREADS"))
    local index = 0
    local n = 0
    function setup(thread)
      thread:set("tid", n)
      n = n + 1
    end
    function init(args)
      index = tid
    end
    request = function()
      local token = tokens[index + 1]
      index = index + threads
      if token == nil then
        return wrk.format("GET", "/health")
      end
      local path = string.gsub(os.getenv("RV_PATH"), "TOKEN", token)
      return wrk.format("POST", path, {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["Cookie"] = os.getenv("RV_COOKIE"),
      }, os.getenv("RV_BODY"))
    end
    """
)
WARM_UP = 2  # seconds of the same requests before each measured scenario
MAX_RATE = 3000  # more POSTs per second than any run here reaches: tokens budgeted per second
POST_WARM_UP = 1  # seconds of warm-up for the POST scenarios (each request spends a token)
SCENARIOS = ("bare Litestar GET", "survey page GET", "answer page POST", "submit POST")


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, p50 and p99 (ms), and error counts from `wrk --latency` output."""

    def ms(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sock = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = (int(non2xx.group(1)) if non2xx else 0) + (
        sum(int(x) for x in sock.groups()) if sock else 0
    )
    return {"rps": rps, "p50": p50, "p99": p99, "requests": total, "errors": errors}


def run_wrk(
    url: str,
    duration: float,
    connections: int,
    script: Path | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    threads = 2
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--latency"]
    command += ["--timeout", "10s"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, url],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {}), "RV_THREADS": str(threads)},
    ).stdout
    return parse_wrk(output)


async def seed(n_fresh: int, n_ready: int) -> dict[str, Any]:
    """One GET token, `n_fresh` unused tokens and `n_ready` tokens whose answers are all saved
    (ready to submit), with (link id, response id) pairs for the raw transaction rate."""
    from surveys.services import links
    from surveys.services.responses import new_public_id, new_respondent_id
    from surveys.tables import SurveyResponse, SurveyVersion

    survey_id = await live.prepare_database()
    version = await SurveyVersion.select(SurveyVersion.version).first()

    async def made(n: int) -> list[Any]:
        """`n` links, in batches: `create_links` makes at most 100,000 at a time."""
        out: list[Any] = []
        while len(out) < n:
            out += await links.create_links(live.SLUG, count=min(50_000, n - len(out)))
        return out

    get_link = (await links.create_links(live.SLUG, count=1))[0]
    fresh = await made(n_fresh)
    ready = await made(n_ready)
    rows = [
        SurveyResponse(
            public_id=new_public_id(),
            survey=survey_id,
            version=version["version"] if version else 1,
            link=link.link_id,
            respondent_id=new_respondent_id(),
            answers=json.dumps(live.ANSWERS),
            last_page="trust",
        )
        for link in ready
    ]
    async with SurveyResponse._meta.db.transaction():
        for i in range(0, len(rows), 500):
            await SurveyResponse.insert(*rows[i : i + 500])
    ids: dict[int, int] = {}
    link_ids = [link.link_id for link in ready]
    for i in range(0, len(link_ids), 500):
        found = await SurveyResponse.select(SurveyResponse.id, SurveyResponse.link).where(
            SurveyResponse.link.is_in(link_ids[i : i + 500])
        )
        ids.update({int(r["link"]): int(r["id"]) for r in found})
    await live.close_engine()
    return {
        "get": get_link.token,
        "fresh": [link.token for link in fresh],
        "ready": [link.token for link in ready],
        "ready_ids": [(link.link_id, ids[link.link_id]) for link in ready],
    }


async def raw_transactions(
    pairs: list[tuple[int, int]], seconds: float, concurrency: int
) -> tuple[float, int]:
    """Submit transactions per second straight on the engine (no HTTP), `concurrency` tasks.

    The service's own submit transaction (`responses.claim_and_complete`): on SQLite it is
    group-committed exactly as under HTTP; on PostgreSQL it runs on a pool of 20 connections
    (two server processes' worth). Returns (rate, pairs used).
    """
    import datetime as dt

    from piccolo.engine.postgres import PostgresEngine

    from surveys.services.responses import claim_and_complete
    from surveys.tables import SurveyLink

    engine = SurveyLink._meta.db
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=concurrency // 4, max_size=20)
    text = json.dumps(live.ANSWERS)
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal done
        i = offset
        while time.perf_counter() < deadline and i < len(pairs):
            link_id, response_id = pairs[i]
            await claim_and_complete(link_id, response_id, text, dt.datetime.now(dt.UTC))
            done += 1
            i += concurrency

    started = time.perf_counter()
    await asyncio.gather(*[worker(k) for k in range(concurrency)])
    rate = done / (time.perf_counter() - started)
    await live.close_engine()
    return rate, done


async def counts() -> dict[str, int]:
    from surveys.tables import SurveyLink, SurveyResponse

    result = {
        "used_links": await SurveyLink.count().where(SurveyLink.status == "used"),
        "complete": await SurveyResponse.count().where(SurveyResponse.status == "complete"),
        "responses": await SurveyResponse.count(),
    }
    await live.close_engine()
    return result


class Tokens:
    """Disjoint slices of the seeded tokens, one per wrk run."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.next = 0

    def take(self, n: int, tmp: Path, name: str) -> Path:
        chunk = self.tokens[self.next : self.next + n]
        if len(chunk) < n:
            raise RuntimeError("bench: ran out of seeded tokens (raise MAX_RATE)")
        self.next += n
        path = tmp / f"{name}.txt"
        path.write_text("\n".join(chunk) + "\n")
        return path


def bare_litestar(tmp: Path, workers: int, duration: float, connections: int) -> dict[str, Any]:
    port = live.free_port()
    (tmp / "bare_app.py").write_text(
        "from litestar import Litestar, get\n\n"
        "@get('/')\nasync def hello() -> str:\n    return 'hello'\n\n"
        "app = Litestar([hello])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp)}
    server = live.start_server("bare_app:app", port, workers, env, factory=False)
    try:
        live.wait_for(f"http://127.0.0.1:{port}/", process=server)
        run_wrk(f"http://127.0.0.1:{port}/", WARM_UP, connections)
        return run_wrk(f"http://127.0.0.1:{port}/", duration, connections)
    finally:
        live.stop(server)


def service_runs(
    data: dict[str, Any],
    pools: dict[str, Tokens],
    tmp: Path,
    workers: int,
    duration: float,
    connections: int,
) -> tuple[dict[str, dict[str, Any]], int, int]:
    """GET, answer POST and submit POST against the service; returns results and how many
    answer and submit POSTs were sent (warm-ups included)."""
    import httpx

    port = live.free_port()
    base = f"http://127.0.0.1:{port}"
    server = live.start_server("service.app:create_app", port, workers, dict(os.environ))
    results: dict[str, dict[str, Any]] = {}
    sent = {"answer page POST": 0, "submit POST": 0}
    try:
        live.wait_for(f"{base}/health", process=server)
        page = httpx.get(f"{base}/s/{data['get']}/page/local_area")
        assert page.status_code == 200, page.status_code
        cookie = f"rv_csrf={page.cookies['rv_csrf']}"
        form = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        get_url = f"{base}/s/{data['get']}/page/local_area"
        run_wrk(get_url, WARM_UP, connections)
        results["survey page GET"] = run_wrk(get_url, duration, connections)
        script = tmp / "tokens.lua"
        script.write_text(WRK_TOKENS_LUA)
        for name, key, path, body in (
            ("answer page POST", "fresh", "/s/TOKEN/page/local_area",
             f"_csrf_token={form}&area_satisfaction=fairly_satisfied"),
            ("submit POST", "ready", "/s/TOKEN/check", f"_csrf_token={form}"),
        ):  # fmt: skip
            wrk_env = {"RV_PATH": path, "RV_COOKIE": cookie, "RV_BODY": body}
            budget = int(MAX_RATE * POST_WARM_UP)
            warm = pools[key].take(budget, tmp, f"{key}-warm")
            warmed = run_wrk(
                base, POST_WARM_UP, connections, script, {**wrk_env, "RV_TOKENS": str(warm)}
            )["requests"]
            sent[name] += min(warmed, budget)
            measured = pools[key].take(int(MAX_RATE * duration), tmp, f"{key}-run")
            results[name] = run_wrk(
                base, duration, connections, script, {**wrk_env, "RV_TOKENS": str(measured)}
            )
            # Past the last token wrk sends GET /health, which would flatter the figure.
            if results[name]["requests"] > MAX_RATE * duration:
                raise RuntimeError(f"{name}: ran out of tokens; raise MAX_RATE")
            sent[name] += results[name]["requests"]
    finally:
        live.stop(server)
    return results, sent["answer page POST"], sent["submit POST"]


def bench_database(kind: str, args: argparse.Namespace, tmp: Path) -> list[dict[str, Any]]:
    """Every (workers, repeat) run on one database; one row per run and scenario."""
    url = live.database_url(kind, tmp)
    live.set_database(url)
    runs = len(args.workers) * args.repeat
    per_run = int(MAX_RATE * (args.duration + POST_WARM_UP))
    raw_budget = int(MAX_RATE * 2 * args.raw_seconds) * args.repeat
    print(f"[{kind}] seeding {per_run * runs} fresh and {per_run * runs + raw_budget} ready links")
    data = asyncio.run(seed(per_run * runs, per_run * runs + raw_budget))
    pools = {"fresh": Tokens(data["fresh"]), "ready": Tokens(data["ready"])}
    pools["ready"].tokens = data["ready"][raw_budget:]
    raw_pairs = data["ready_ids"][:raw_budget]
    rows: list[dict[str, Any]] = []
    answers_sent = submits_sent = raw_done = 0
    try:
        for repeat in range(args.repeat):
            for workers in args.workers:
                tag = {"database": kind, "workers": workers, "repeat": repeat}
                bare = bare_litestar(tmp, workers, args.duration, args.connections)
                rows.append({**tag, "scenario": "bare Litestar GET", **bare})
                results, answers, submits = service_runs(
                    data, pools, tmp, workers, args.duration, args.connections
                )
                answers_sent += answers
                submits_sent += submits
                rows += [{**tag, "scenario": name, **r} for name, r in results.items()]
                check = asyncio.run(counts())
                ok = check["used_links"] == check["complete"] and (
                    check["used_links"] >= submits_sent + raw_done
                )
                print(
                    f"[{kind} x{workers} #{repeat + 1}] "
                    + ", ".join(
                        f"{n} {r['rps']:.0f}/s p99 {r['p99']:.0f} ms"
                        for n, r in [("bare", bare), *results.items()]
                    )
                    + f"; used links {check['used_links']} == complete responses "
                    f"{check['complete']} (>= {submits_sent + raw_done} submits sent): "
                    + ("OK" if ok else "MISMATCH")
                )
                rows[-1]["consistent"] = ok
            # Each repeat gets its own slice: a slice to the end would let the second repeat
            # re-submit pairs the first one already used (and fail on PostgreSQL).
            n = len(raw_pairs)
            chunk = raw_pairs[repeat * n // args.repeat : (repeat + 1) * n // args.repeat]
            rate, used = asyncio.run(raw_transactions(chunk, args.raw_seconds, args.connections))
            raw_done += used
            rows.append(
                {
                    "database": kind,
                    "workers": 0,
                    "repeat": repeat,
                    "scenario": "raw submit tx",
                    "rps": rate,
                    "p50": 0.0,
                    "p99": 0.0,
                    "requests": used,
                    "errors": 0,
                }
            )
        final = asyncio.run(counts())
        consistent = final["used_links"] == final["complete"]
        rows.append({"database": kind, "scenario": "final check", "consistent": consistent})
        print(
            f"[{kind}] final: used links {final['used_links']}, complete responses "
            f"{final['complete']}, {answers_sent} answer POSTs sent: "
            + ("OK" if consistent else "MISMATCH")
        )
    finally:
        if kind == "postgres":
            from scratch_databases import drop_postgres

            asyncio.run(drop_postgres(url))
    return rows


def table(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    """Best and median req/s per (database, processes, scenario), with ratios to the
    ceilings of the same database and process count (bare Litestar) and database (raw tx)."""
    groups: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
    for row in rows:
        if "rps" in row:
            groups.setdefault((row["database"], row["workers"], row["scenario"]), []).append(row)
    lines = [
        f"{'database':<9}{'procs':>6} {'scenario':<20}{'best/s':>8}{'median/s':>9}"
        f"{'p50 ms':>8}{'p99 ms':>8}{'worst p99':>10}{'errors':>7}{'vs bare':>8}{'vs raw tx':>10}"
    ]
    for kind in args.databases:
        raw = groups.get((kind, 0, "raw submit tx"), [])
        raw_best = max((r["rps"] for r in raw), default=0.0)
        for workers in args.workers:
            bare = groups.get((kind, workers, "bare Litestar GET"), [])
            bare_best = max((r["rps"] for r in bare), default=0.0)
            for scenario in SCENARIOS:
                runs = groups.get((kind, workers, scenario), [])
                if not runs:
                    continue
                best = max(runs, key=lambda r: r["rps"])
                median = statistics.median(r["rps"] for r in runs)
                worst_p99 = max(r["p99"] for r in runs)
                errors = sum(r["errors"] for r in runs)
                vs_bare = best["rps"] / bare_best if bare_best else 0.0
                vs_raw = f"{best['rps'] / raw_best:.2f}" if "POST" in scenario and raw_best else ""
                lines.append(
                    f"{kind:<9}{workers:>6} {scenario:<20}{best['rps']:>8.0f}{median:>9.0f}"
                    f"{best['p50']:>8.1f}{best['p99']:>8.1f}{worst_p99:>10.1f}{errors:>7}"
                    f"{vs_bare:>8.2f}{vs_raw:>10}"
                )
        if raw:
            median = statistics.median(r["rps"] for r in raw)
            lines.append(f"{kind:<9}{'-':>6} {'raw submit tx':<20}{raw_best:>8.0f}{median:>9.0f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--raw-seconds", type=float, default=3)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    parser.add_argument("--rows-out", type=Path, help=argparse.SUPPRESS)  # one database's runs
    args = parser.parse_args()
    args.databases = args.databases.split(",")
    args.workers = [int(w) for w in args.workers.split(",")]
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    if args.rows_out:
        tmp = Path(tempfile.mkdtemp(prefix="rv-serve-bench-"))
        try:
            args.rows_out.write_text(json.dumps(bench_database(args.databases[0], args, tmp)))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    rows: list[dict[str, Any]] = []
    out = Path(tempfile.mkdtemp(prefix="rv-serve-bench-rows-"))
    for kind in args.databases:
        # Each database in its own process: the engine is chosen once, when piccolo_conf loads.
        rows_file = out / f"{kind}.json"
        subprocess.run(
            [sys.executable, __file__, *sys.argv[1:], "--databases", kind, "--rows-out",
             str(rows_file)],
            check=True,
        )  # fmt: skip
        rows += json.loads(rows_file.read_text())
    shutil.rmtree(out, ignore_errors=True)
    print(
        f"\nResident Voice serving benchmark: {args.connections} connections, {args.duration:g} s "
        f"per scenario after {WARM_UP} s warm-up, best and median of {args.repeat} runs; wrk "
        f"and the servers on the same {os.cpu_count()}-core machine"
        " (shared with other work: figures vary run to run)\n"
    )
    print(table(rows, args))
    errors = sum(r.get("errors", 0) for r in rows)
    consistent = all(r.get("consistent", True) for r in rows)
    worst = max((r["p99"] for r in rows if "p99" in r), default=0.0)
    print(
        f"\nnon-2xx/3xx or socket errors for valid tokens: {errors}; "
        f"used tokens == stored responses after every run: {'yes' if consistent else 'NO'}; "
        f"worst p99 {worst:.0f} ms"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    if errors or not consistent:
        sys.exit(1)


if __name__ == "__main__":
    main()
