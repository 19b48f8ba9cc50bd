"""Benchmark: resident survey page GET and answer POSTs with single-use tokens, on SQLite.

    .venv/bin/python bench/survey_bench.py [--duration 10] [--connections 64] [--workers 1]

Runs the real service (uvicorn, `service.app:create_app`) on 127.0.0.1 against a fresh SQLite
file and drives it with `wrk` on the same machine. In the same run it measures a bare Litestar
endpoint (the ceiling for any handler on this machine and server set-up) and the raw database
transaction rate for the submit transaction (claim the link, complete the response) with 64
concurrent tasks in one process, and prints our figures as ratios to both.

Scenarios:
  GET    /s/{token}/page/{page}   a question page of resident-satisfaction (token resolved,
                                   definition from cache, Jinja render); the same token each time
  POST   /s/{token}/page/{page}   answer the first page with a fresh token each request:
                                   parse, validate, insert the partial response (one transaction)
  POST   /s/{token}/check         submit with a fresh token each request: validate all answers,
                                   claim the link and complete the response in one transaction

Afterwards it checks used links == complete responses and that every page POST stored exactly
one response. Not a test: numbers depend on the machine and on what else is running.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SLUG = "resident-satisfaction"
ANSWERS = {
    "area_satisfaction": "very_satisfied",
    "council_satisfaction": "fairly_satisfied",
    "value_for_money": "tend_to_agree",
    "acts_on_concerns": "fair_amount",
    "keeps_informed": "dont_know",
    "trust": "not_very_much",
}

WRK_TOKENS_LUA = textwrap.dedent(
    """
    -- Each request takes the next unused token: thread k uses tokens k, k+T, k+2T, ...
    local tokens = {}
    for line in io.lines(os.getenv("RV_TOKENS")) do tokens[#tokens + 1] = line end
    local threads = tonumber(os.getenv("RV_THREADS"))
    local counter = 0
    local index = 0
    local n = 0
    function setup(thread)
      thread:set("tid", n)
      n = n + 1
    end
    function init(args)
      index = tid + tonumber(os.getenv("RV_OFFSET") or "0")
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
WARM_UP_TOKENS = 8000  # tokens kept for warm-up runs (more than 2 s can use)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


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
    duration: int,
    connections: int,
    script: Path | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    threads = 2
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "10s",
    ]
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


def start_server(
    app: str, port: int, workers: int, env: dict[str, str], factory: bool = True
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    if factory:
        command.append("--factory")
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


async def seed(n_fresh: int, n_submit: int, fresh_get: bool = True) -> dict[str, Any]:
    """A migrated database with the survey, one GET token, fresh tokens for page POSTs and
    tokens whose answers are all saved, ready to submit."""
    from service.migrations import migrate
    from surveys.bank import load_bank
    from surveys.services import definitions_store, links
    from surveys.services.responses import new_public_id, new_respondent_id
    from surveys.tables import SurveyResponse

    await migrate()
    stored = (await definitions_store.save_definition(load_bank(SLUG))).stored
    get_link = (await links.create_links(SLUG, count=1))[0] if fresh_get else None
    fresh = await links.create_links(SLUG, count=n_fresh) if n_fresh else []
    ready = await links.create_links(SLUG, count=n_submit)
    rows = [
        SurveyResponse(
            public_id=new_public_id(),
            survey=stored.survey_id,
            version=stored.version,
            link=link.link_id,
            respondent_id=new_respondent_id(),
            answers=json.dumps(ANSWERS),
            last_page="trust",
        )
        for link in ready
    ]
    async with SurveyResponse._meta.db.transaction():
        for i in range(0, len(rows), 500):
            await SurveyResponse.insert(*rows[i : i + 500])
    ids = {
        int(r["link"]): int(r["id"])
        for r in await SurveyResponse.select(SurveyResponse.id, SurveyResponse.link).where(
            SurveyResponse.link.is_in([link.link_id for link in ready])
        )
    }
    return {
        "get": get_link.token if get_link else None,
        "fresh": [link.token for link in fresh],
        "ready": [link.token for link in ready],
        "ready_ids": [(link.link_id, ids[link.link_id]) for link in ready],
        "survey_id": stored.survey_id,
    }


async def raw_transactions(seconds: float, concurrency: int) -> float:
    """Submit transactions per second straight on the engine (no HTTP), `concurrency` tasks.

    Runs the service's own submit transaction (`responses.claim_and_complete`: claim the link,
    complete its response), so on SQLite it is group-committed exactly as under HTTP.
    """
    import datetime as dt

    from surveys.services.responses import claim_and_complete

    data = await seed(0, 20000, fresh_get=False)
    pairs = data["ready_ids"]
    text = json.dumps(ANSWERS)
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

    from service.db import SharedSQLiteEngine
    from surveys.tables import SurveyLink

    engine = SurveyLink._meta.db
    before = engine.group_commit_stats() if isinstance(engine, SharedSQLiteEngine) else (0, 0)
    started = time.perf_counter()
    await asyncio.gather(*[worker(k) for k in range(concurrency)])
    rate = done / (time.perf_counter() - started)
    if isinstance(engine, SharedSQLiteEngine):
        units, commits = (a - b for a, b in zip(engine.group_commit_stats(), before, strict=True))
        per = units / max(commits, 1)
        print(f"raw submits: {units} units in {commits} commits ({per:.1f} per commit)")
    return rate


async def counts(survey_id: int) -> dict[str, int]:
    from surveys.tables import SurveyLink, SurveyResponse

    return {
        "used_links": await SurveyLink.count().where(SurveyLink.status == "used"),
        "complete": await SurveyResponse.count().where(SurveyResponse.status == "complete"),
        "responses": await SurveyResponse.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")

    tmp = Path(tempfile.mkdtemp(prefix="rv-bench-"))
    db_url = f"sqlite:///{tmp}/bench.sqlite"
    secret = "bench-" + "x" * 40
    os.environ.update(
        {
            "DATABASE_URL": db_url,
            "SECRET_KEY": secret,
            "RUN_WORKER": "false",
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    budget = 4000 * args.duration + WARM_UP_TOKENS  # more tokens than any run can use
    data = asyncio.run(seed(budget, budget))
    env = {**os.environ, "PUBLIC_URL": "http://127.0.0.1"}

    results: dict[str, dict[str, Any]] = {}
    warm: dict[str, int] = {}  # requests sent by each POST scenario's warm-up run
    bare_port = free_port()
    bare_app = tmp / "bare_app.py"
    bare_app.write_text(
        "from litestar import Litestar, get\n\n"
        "@get('/')\nasync def hello() -> str:\n    return 'hello'\n\n"
        "app = Litestar([hello])\n"
    )
    bare = start_server(
        "bare_app:app", bare_port, args.workers, {**env, "PYTHONPATH": str(tmp)}, factory=False
    )
    try:
        wait_for(f"http://127.0.0.1:{bare_port}/")
        results["bare Litestar GET"] = run_wrk(
            f"http://127.0.0.1:{bare_port}/", args.duration, args.connections
        )
    finally:
        stop(bare)

    import httpx

    port = free_port()
    server = start_server("service.app:create_app", port, args.workers, env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/health")
        page = httpx.get(f"{base}/s/{data['get']}/page/local_area")
        assert page.status_code == 200, page.status_code
        cookie = f"rv_csrf={page.cookies['rv_csrf']}"
        form_token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        # Each scenario is measured after a 2-second warm-up run of the same requests (templates
        # compiled, page cache filled, connections accepted): wrk reports the steady state.
        run_wrk(f"{base}/s/{data['get']}/page/local_area", WARM_UP, args.connections)
        results["survey page GET"] = run_wrk(
            f"{base}/s/{data['get']}/page/local_area", args.duration, args.connections
        )
        script = tmp / "tokens.lua"
        script.write_text(WRK_TOKENS_LUA)
        for name, key, path, body in (
            ("answer page POST (fresh token)", "fresh", "/s/TOKEN/page/local_area",
             f"_csrf_token={form_token}&area_satisfaction=fairly_satisfied"),
            ("submit POST (claim token)", "ready", "/s/TOKEN/check", f"_csrf_token={form_token}"),
        ):  # fmt: skip
            tokens = tmp / f"{key}.txt"
            tokens.write_text("\n".join(data[key]) + "\n")
            wrk_env = {
                "RV_TOKENS": str(tokens), "RV_PATH": path, "RV_COOKIE": cookie, "RV_BODY": body,
            }  # fmt: skip
            # Warm up on tokens from the far end of the list, so the measured run's are fresh.
            warm_env = {**wrk_env, "RV_OFFSET": str(len(data[key]) - WARM_UP_TOKENS)}
            warm[name] = run_wrk(base, WARM_UP, args.connections, script, warm_env)["requests"]
            results[name] = run_wrk(base, args.duration, args.connections, script, wrk_env)
    finally:
        stop(server)

    after = asyncio.run(counts(data["survey_id"]))
    results_requests = {name: r["requests"] for name, r in results.items()}
    tx_rate = asyncio.run(raw_transactions(5, args.connections))
    bare_rps = results["bare Litestar GET"]["rps"]
    print(
        f"\nResident Voice survey benchmark: SQLite, {args.connections} connections, "
        f"{args.duration}s per scenario, {args.workers} uvicorn worker(s), "
        "wrk on the same machine\n"
    )
    head = ("scenario", "req/s", "p50 ms", "p99 ms", "errors", "vs bare", "vs raw tx")
    print(f"{head[0]:<34}" + "".join(f"{h:>9}" for h in head[1:6]) + f"{head[6]:>11}")
    for name, r in results.items():
        vs_tx = f"{r['rps'] / tx_rate:.2f}" if "POST" in name else ""
        print(
            f"{name:<34}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['errors']:>8}"
            f"{r['rps'] / bare_rps:>9.2f}{vs_tx:>11}"
        )
    print(f"{'raw submit transactions (no HTTP)':<34}{tx_rate:>9.0f}")
    posted = sum(r["answer page POST (fresh token)"] for r in (results_requests, warm))
    submitted = sum(r["submit POST (claim token)"] for r in (results_requests, warm))
    print(
        f"\nAfter the POST runs: {after['used_links']} links used, {after['complete']} complete "
        f"responses ({submitted} submit requests sent, warm-up included); "
        f"{after['responses'] - budget} responses created by {posted} page POSTs."
    )
    # wrk does not count requests still in flight when it stops, which the server may finish.
    ok = (
        after["used_links"] == after["complete"]
        and after["complete"] >= submitted
        and after["responses"] - budget >= posted
    )
    print("Check: used tokens == stored complete responses:", "OK" if ok else "MISMATCH")
    shutil.rmtree(tmp, ignore_errors=True)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
