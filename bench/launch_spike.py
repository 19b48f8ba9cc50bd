"""Survey-launch spike: many residents open their links and complete the survey at once while
background workers send reminders.

    .venv/bin/python bench/launch_spike.py [--database postgres|sqlite] [--opens 20000]
        [--completes 5000] [--reminders 5000] [--clients 64] [--server-workers 2]
        [--worker-processes 2] [--worker-command "resident-voice jobs run"]

Set-up (not timed): a fresh database with resident-satisfaction, `--opens` personal links, and
`--reminders` panel members (email, consent on record) who were invited 30 days ago and have
not answered, with their reminder send jobs queued (`fieldwork.queue_reminders`). Mail goes to
the outbox directory (files), so no mail server is needed.

The spike (timed): the service runs with `--server-workers` uvicorn processes on 127.0.0.1; at
the same moment `--worker-processes` copies of `--worker-command` start (default: the
in-process job engine, `resident-voice jobs run`, which runs every due job and exits; pass
`--worker-command "resident-voice worker --concurrency 4"` to measure SAQ workers, which are
stopped once every reminder is sent). `--clients` residents (httpx, async; in a separate load
process, so they do not share the servers' or workers' interpreter) open every link
(GET /s/{token}); one link in opens/completes is then answered through all six pages and
submitted.

Prints completes per second, p50/p99 per request kind, non-2xx/3xx answers, reminders sent
per second and worker jobs per second over the spike, and checks used links == complete
responses == acknowledged submits. Not a test: figures depend on the machine (2 cores,
shared with other work, on the development machine).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import live_server as live

# --------------------------------------------------------------------------- load process


async def load(base: str, tokens: list[str], every: int, clients: int) -> dict[str, Any]:
    """Open every link; complete every `every`-th. Returns latencies and counts."""
    import httpx

    queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
    for i, token in enumerate(tokens):
        queue.put_nowait((i, token))
    latencies: dict[str, list[float]] = {"open": [], "page": [], "submit": []}
    bad: list[str] = []
    acknowledged = 0
    completes_done: list[float] = []
    started = time.perf_counter()

    async def timed(kind: str, coro: Any) -> Any:
        t0 = time.perf_counter()
        response = await coro
        latencies[kind].append(time.perf_counter() - t0)
        if response.status_code >= 400:
            bad.append(f"{kind} {response.status_code}")
        return response

    async def resident() -> None:
        nonlocal acknowledged
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
            form = ""
            while not queue.empty():
                i, token = queue.get_nowait()
                await timed("open", client.get(f"/s/{token}"))
                if i % every:
                    continue
                if not form:
                    page = await client.get(f"/s/{token}/page/local_area")
                    form = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
                for page_id, qid in live.PAGES:
                    await timed(
                        "page",
                        client.post(
                            f"/s/{token}/page/{page_id}",
                            data={"_csrf_token": form, qid: live.ANSWERS[qid]},
                        ),
                    )
                done = await timed(
                    "submit", client.post(f"/s/{token}/check", data={"_csrf_token": form})
                )
                if done.status_code == 303 and done.headers["location"].endswith("/done"):
                    acknowledged += 1
                    completes_done.append(time.perf_counter() - started)

    await asyncio.gather(*[resident() for _ in range(clients)])
    elapsed = time.perf_counter() - started

    def pct(values: list[float], q: float) -> float:
        if not values:
            return 0.0
        ordered = sorted(values)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "seconds": elapsed,
        "acknowledged": acknowledged,
        "last_complete_s": max(completes_done, default=0.0),
        "bad": len(bad),
        "bad_examples": bad[:5],
        "latency": {
            kind: {
                "n": len(v),
                "p50": pct(v, 0.5),
                "p99": pct(v, 0.99),
                "mean": 1000 * statistics.fmean(v) if v else 0.0,
            }
            for kind, v in latencies.items()
        },
    }


# --------------------------------------------------------------------------- set-up


async def seed(opens: int, reminders: int) -> list[str]:
    """The links to open, and `reminders` invited members whose reminder jobs are queued."""
    from panel.services import CONSENT_WORDING_VERSION
    from panel.tables import Consent, Member
    from service import jobs
    from surveys.services import fieldwork, links
    from surveys.tables import SurveyInvitation

    await live.prepare_database()
    issued = await links.create_links(live.SLUG, count=opens)
    now = dt.datetime.now(dt.UTC)
    if reminders:
        members = [
            Member(
                reference=f"P-S{i:07d}",
                first_name=f"First{i}",
                last_name="Spike",
                email=f"spike{i}@example.org",
                preferred_contact="email",
            )
            for i in range(reminders)
        ]
        for start in range(0, reminders, 500):
            await Member.insert(*members[start : start + 500])
        ids = [int(r["id"]) for r in await Member.select(Member.id).order_by(Member.id)]
        consents = [
            Consent(member=m, purpose=p, wording_version=CONSENT_WORDING_VERSION, given_at=now)
            for m in ids
            for p in ("membership", "contact:email")
        ]
        for start in range(0, len(consents), 500):
            await Consent.insert(*consents[start : start + 500])
        await fieldwork.invite(live.SLUG, member_ids=ids)
        print(f"  sending {reminders} invitations first (set-up, not timed)", flush=True)
        await jobs.run_until_empty(limit=1_000_000)
        await SurveyInvitation.update(
            {SurveyInvitation.sent_at: now - dt.timedelta(days=30)}
        ).where(SurveyInvitation.state == "sent")
        queued = await fieldwork.queue_reminders(schedule=(7,), now=now)
        print(f"  {queued} reminders queued", flush=True)
    await live.close_engine()
    return [link.token for link in issued]


async def progress() -> dict[str, Any]:
    """Reminders sent and jobs done so far, from whichever engine runs the jobs: the job table,
    or SAQ's `saq_jobs` (it keeps finished jobs as `complete` for `saq_engine.KEEP_S`, longer
    than a spike). Before, this read the job table only, so SAQ workers showed 0 jobs/s."""
    from piccolo.querystring import QueryString

    from service import jobs
    from service.tables import Job
    from surveys.tables import SurveyInvitation

    reminded = await SurveyInvitation.count().where(SurveyInvitation.reminders_sent >= 1)
    if jobs.engine_name() == "saq":
        rows = await Job._meta.db.run_querystring(
            QueryString("SELECT status, COUNT(*) AS n FROM saq_jobs GROUP BY status")
        )
        by_status = {str(r["status"]): int(r["n"]) for r in rows}
        done = by_status.get("complete", 0)
        left = sum(by_status.get(k, 0) for k in ("new", "queued", "deferred", "active"))
    else:
        done = await Job.count().where(Job.status == "done")
        left = await Job.count().where(Job.status.is_in(["queued", "running"]))
    result = {"reminded": reminded, "jobs_done": done, "jobs_left": left}
    await live.close_engine()
    return result


async def final_counts() -> dict[str, int]:
    from surveys.tables import SurveyLink, SurveyResponse

    result = {
        "used_links": await SurveyLink.count().where(SurveyLink.status == "used"),
        "complete": await SurveyResponse.count().where(SurveyResponse.status == "complete"),
    }
    await live.close_engine()
    return result


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--opens", type=int, default=20_000)
    parser.add_argument("--completes", type=int, default=5_000)
    parser.add_argument("--reminders", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--worker-processes", type=int, default=2)
    parser.add_argument(
        "--worker-command",
        default=f"{Path(sys.executable).parent / 'resident-voice'} jobs run",
        help="the job worker to start (once per --worker-processes) when the spike starts",
    )
    parser.add_argument("--load", nargs=3, help=argparse.SUPPRESS)  # base, tokens file, every
    args = parser.parse_args()
    if args.load:
        base, path, every = args.load
        tokens = Path(path).read_text().split()
        print(json.dumps(asyncio.run(load(base, tokens, int(every), args.clients))))
        return

    tmp = Path(tempfile.mkdtemp(prefix="rv-spike-"))
    url = live.database_url(args.database, tmp)
    live.set_database(url)
    os.environ["OUTBOX_DIR"] = str(tmp / "outbox")
    every = max(1, args.opens // max(args.completes, 1))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        print(f"[{args.database}] set-up: {args.opens} links, {args.reminders} reminders")
        tokens = asyncio.run(seed(args.opens, args.reminders))
        (tmp / "tokens.txt").write_text("\n".join(tokens))
        before = asyncio.run(progress())
        port = live.free_port()
        base = f"http://127.0.0.1:{port}"
        server = live.start_server(
            "service.app:create_app", port, args.server_workers, dict(os.environ)
        )
        processes.append(server)
        live.wait_for(f"{base}/health", process=server)
        print(
            f"[{args.database}] spike: {args.clients} residents, {args.server_workers} server "
            f"process(es), {args.worker_processes} x `{args.worker_command}`",
            flush=True,
        )
        started = time.monotonic()
        workers = [
            # its own process group: `live.stop` signals the group (before, the group did not
            # exist, stop returned at once and the workers outlived the bench)
            subprocess.Popen(
                shlex.split(args.worker_command),
                cwd=live.ROOT,
                env=dict(os.environ),
                start_new_session=True,
            )
            for _ in range(args.worker_processes)
        ]
        processes += workers
        loader = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--clients",
                str(args.clients),
                "--load",
                base,
                str(tmp / "tokens.txt"),
                str(every),
            ],
            cwd=live.ROOT,
            env=dict(os.environ),
            stdout=subprocess.PIPE,
        )
        samples: list[tuple[float, dict[str, Any]]] = []
        while loader.poll() is None:
            time.sleep(2)
            samples.append((time.monotonic() - started, asyncio.run(progress())))
        assert loader.stdout is not None
        result = json.loads(loader.stdout.read().decode().strip().splitlines()[-1])
        spike_s = time.monotonic() - started
        # Let the workers finish what is queued (a worker that exits when the queue is empty
        # stops by itself; a long-running one is stopped once every reminder is sent).
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            now = asyncio.run(progress())
            samples.append((time.monotonic() - started, now))
            if now["reminded"] >= args.reminders and now["jobs_left"] == 0:
                break
            if all(w.poll() is not None for w in workers) and now["jobs_left"] == 0:
                break
            time.sleep(1)
        drained_s = time.monotonic() - started
        for worker in workers:
            if worker.poll() is None:
                live.stop(worker)
        live.stop(server)
        after = asyncio.run(progress())
        counts = asyncio.run(final_counts())
    finally:
        for process in processes:
            if process.poll() is None:
                live.stop(process)
        if args.database == "postgres":
            from scratch_databases import drop_postgres

            asyncio.run(drop_postgres(url))
        shutil.rmtree(tmp, ignore_errors=True)

    during = [s for s in samples if s[0] <= spike_s]
    reminded_in_spike = (during[-1][1]["reminded"] if during else 0) - before["reminded"]
    jobs_in_spike = (during[-1][1]["jobs_done"] if during else 0) - before["jobs_done"]
    reminded = after["reminded"] - before["reminded"]
    jobs_done = after["jobs_done"] - before["jobs_done"]
    lat = result["latency"]
    print(
        f"\nSurvey-launch spike, {args.database}: {args.opens} links opened, "
        f"{result['acknowledged']} surveys completed in {result['seconds']:.1f} s by "
        f"{args.clients} residents; {args.server_workers} server process(es); "
        f"{args.worker_processes} x `{args.worker_command}`; load generator, servers and "
        f"workers on the same {os.cpu_count()}-core machine (shared with other work)\n"
    )
    print(f"{'request':<22}{'count':>8}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}")
    for kind, name in (("open", "open link GET"), ("page", "answer page POST"),
                       ("submit", "submit POST")):  # fmt: skip
        r = lat[kind]
        print(f"{name:<22}{r['n']:>8}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['mean']:>9.1f}")
    print(
        f"\ncompletes/s {result['acknowledged'] / result['seconds']:.1f}; "
        f"all requests/s {sum(v['n'] for v in lat.values()) / result['seconds']:.0f}; "
        f"4xx/5xx answers {result['bad']} {result['bad_examples']}\n"
        f"reminders sent during the spike {reminded_in_spike} "
        f"({reminded_in_spike / spike_s:.1f}/s), worker jobs done {jobs_in_spike} "
        f"({jobs_in_spike / spike_s:.2f} jobs/s); all {reminded} reminders / {jobs_done} jobs "
        f"done after {drained_s:.1f} s ({reminded / drained_s:.1f} reminders/s)\n"
        f"used links {counts['used_links']}, complete responses {counts['complete']}, "
        f"acknowledged {result['acknowledged']}: "
        + (
            "OK"
            if counts["used_links"] == counts["complete"] == result["acknowledged"]
            else "MISMATCH"
        )
    )


if __name__ == "__main__":
    main()
