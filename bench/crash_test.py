"""Crash test: residents keep submitting while the server is killed with SIGKILL and restarted.

    .venv/bin/python bench/crash_test.py [--database sqlite|postgres] [--kills 5]
        [--clients 16] [--links 3000] [--json]

The real service (uvicorn, `service.app:create_app`, one process) runs on a free 127.0.0.1 port
against a fresh database (SQLite in WAL mode with synchronous=FULL, or a scratch PostgreSQL
database). `--clients` residents (httpx, async, one connection each) take single-use personal
links from a queue and answer resident-satisfaction as a browser would: six page POSTs, then
the submit POST on "check your answers". Meanwhile the server is SIGKILLed `--kills` times, at
moments when requests are in flight (after 5-40 requests since it came back), and restarted.
A resident whose request fails because the server died waits for it and sends the same request
again, as a person pressing the button again would; one whose *submit* failed gives up half
the time (walks away), so some links are left in whatever state the crash left them.

Afterwards, with the server stopped, the database is read directly and checked:

- acknowledged: submits answered 303 -> /done (the confirmation page). Each must have its
  link used and exactly one complete response, with exactly the answers sent.
- duplicates: links with more than one response (the unique `link` column forbids them).
- orphans: used links without a complete response, and complete responses whose link is not
  used: a submit that was half-written.
- half-written: complete responses without every answer or a submitted_at, and partial
  responses whose stored answers are not exactly the answers sent so far.
- 5xx: any 5xx answer from the server (a crash is not a server error).

Exits 1 if any check fails; `--json` prints the tallies as one JSON line (the test suite's
tests/surveys/test_crash_recovery.py runs this script in that form). Not a benchmark: the
figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import live_server as live

SUBMIT_GIVE_UP = 0.5  # chance that a resident whose submit failed in a crash walks away


@dataclass
class Tally:
    """What the residents saw."""

    acknowledged: set[str] = field(default_factory=set)
    abandoned: set[str] = field(default_factory=set)  # submit failed in a crash, not retried
    sent: dict[str, int] = field(default_factory=dict)  # token -> pages sent (answers stored)
    requests: int = 0
    transport_errors: int = 0
    retried_submits: int = 0
    server_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


ZYGOTE = """
import os, signal, sys
import uvicorn
from service.app import create_app

app = create_app()  # imported and built once: each forked server starts in a fraction of a second
environment = app.template_engine.engine
for name in environment.list_templates(filter_func=lambda n: n.endswith(".html")):
    environment.get_template(name)  # compiled once here too, not again in every child
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
port = int(sys.argv[1])
print("ready", flush=True)
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                access_log=False, lifespan="on")
        uvicorn.Server(config).run()
        os._exit(0)
    print(pid, flush=True)
"""


class Server:
    """The service process, which the killer replaces; residents wait for `up`.

    Each server is a uvicorn process forked from a parent that has already imported and built
    the app (as gunicorn's --preload does): a fresh interpreter takes 5-7 s of CPU to import
    and build it (tens of seconds on a busy machine), which would make five restarts too slow
    for the test suite. The forked child is a real, separate server process: it opens its own
    database connections and is killed with SIGKILL, so nothing in it survives.
    """

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = live.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "PUBLIC_URL": self.base}
        self.log = log.open("ab")
        self.up = asyncio.Event()
        self.zygote: Any = None
        self.pid = 0
        self.kills = 0
        self.restart_seconds: list[float] = []
        self.parent_seconds = 0.0
        self.launched = 0.0

    def launch_parent(self) -> None:
        """Start the parent that imports and builds the app (slow); `start` waits for it."""
        import subprocess

        self.launched = time.monotonic()
        self.zygote = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, str(self.port)],
            cwd=live.ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            start_new_session=True,
        )

    async def start(self) -> None:
        if self.zygote is None:
            self.launch_parent()
        if not self.parent_seconds:
            ready = await asyncio.to_thread(self.zygote.stdout.readline)
            if ready.strip() != b"ready":
                raise RuntimeError("the server parent did not start; see its log")
            self.parent_seconds = time.monotonic() - self.launched
        started = time.monotonic()
        self.zygote.stdin.write(b"spawn\n")
        self.zygote.stdin.flush()
        self.pid = int(await asyncio.to_thread(self.zygote.stdout.readline))
        await asyncio.to_thread(live.wait_for, f"{self.base}/health", 90)
        self.restart_seconds.append(time.monotonic() - started)
        self.up.set()

    def kill(self) -> None:
        import os
        import signal

        self.up.clear()
        os.kill(self.pid, signal.SIGKILL)
        self.kills += 1
        while True:  # until the kernel has reaped it and its socket is closed
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.01)

    def stop(self) -> None:
        """SIGKILL the parent and its server together (one process group)."""
        self.up.clear()
        if self.zygote is not None:
            live.kill(self.zygote)
        self.log.close()


async def _send(
    client: Any, server: Server, tally: Tally, path: str, data: dict[str, str], *, submit: bool
) -> Any | None:
    """POST until the server answers; None if the resident walks away after a failed submit."""
    import httpx

    failed = False
    while True:
        await server.up.wait()
        tally.requests += 1
        try:
            response = await client.post(path, data=data)
        except httpx.TransportError:
            tally.transport_errors += 1
            if submit and not failed:
                if random.random() < SUBMIT_GIVE_UP:
                    return None
                tally.retried_submits += 1
            failed = True
            await asyncio.sleep(0.05)  # the killer clears `up` right after the kill
            continue
        if response.status_code >= 500:
            tally.server_errors.append(f"{response.status_code} {path}")
        return response


async def resident(
    queue: asyncio.Queue[str], server: Server, tally: Tally, stop_at: asyncio.Event
) -> None:
    """Answer surveys through links from `queue` until `stop_at` is set."""
    import httpx

    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        form_token = ""
        while not stop_at.is_set():
            if queue.empty():
                return
            token = queue.get_nowait()
            if not form_token:
                await server.up.wait()
                try:
                    page = await client.get(f"/s/{token}/page/local_area")
                except httpx.TransportError:
                    queue.put_nowait(token)  # not touched yet: someone can have it
                    await asyncio.sleep(0.05)
                    continue
                found = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
                if not found:
                    tally.unexpected.append(f"GET {page.status_code}: no form")
                    return
                form_token = found.group(1)
            tally.sent[token] = 0
            for number, (page_id, qid) in enumerate(live.PAGES, start=1):
                answer = {"_csrf_token": form_token, qid: live.ANSWERS[qid]}
                response = await _send(
                    client, server, tally, f"/s/{token}/page/{page_id}", answer, submit=False
                )
                assert response is not None
                if response.status_code != 303:
                    tally.unexpected.append(f"page {page_id}: {response.status_code}")
                    break
                tally.sent[token] = number
            else:
                response = await _send(
                    client,
                    server,
                    tally,
                    f"/s/{token}/check",
                    {"_csrf_token": form_token},
                    submit=True,
                )
                if response is None:
                    tally.abandoned.add(token)
                elif response.status_code == 303 and response.headers["location"].endswith("/done"):
                    tally.acknowledged.add(token)
                else:
                    tally.unexpected.append(f"submit: {response.status_code}")


async def killer(server: Server, tally: Tally, kills: int, stop_at: asyncio.Event) -> None:
    """Kill the server `kills` times, each while requests are in flight: after a random
    number (5-40) of requests since it came back, or 10 s, whichever is first."""
    for _ in range(kills):
        since = tally.requests
        wanted = random.randint(5, 40)
        deadline = time.monotonic() + 10
        # A count of requests, not an event, is awaited: polling it is the simple way.
        while tally.requests - since < wanted and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        server.kill()
        await server.start()
    await asyncio.sleep(1.0)  # a last stretch of load on the restarted server
    stop_at.set()


async def drive(args: argparse.Namespace, tokens: list[str], server: Server) -> Tally:
    tally = Tally()
    queue: asyncio.Queue[str] = asyncio.Queue()
    for token in tokens:
        queue.put_nowait(token)
    stop_at = asyncio.Event()
    await server.start()
    try:
        await asyncio.gather(
            killer(server, tally, args.kills, stop_at),
            *[resident(queue, server, tally, stop_at) for _ in range(args.clients)],
        )
    finally:
        server.stop()
    return tally


async def seed(count: int) -> tuple[int, dict[str, int]]:
    from surveys.services import links

    survey_id = await live.prepare_database()
    issued = await links.create_links(live.SLUG, count=count)
    await live.close_engine()
    return survey_id, {link.token: link.link_id for link in issued}


async def inspect(tally: Tally, token_links: dict[str, int]) -> dict[str, Any]:
    """Read what the database holds after the last crash and check it against `tally`."""
    from surveys.tables import SurveyLink, SurveyResponse

    links = {
        int(r["id"]): str(r["status"])
        for r in await SurveyLink.select(SurveyLink.id, SurveyLink.status)
    }
    rows = await SurveyResponse.select(
        SurveyResponse.id,
        SurveyResponse.link,
        SurveyResponse.status,
        SurveyResponse.answers,
        SurveyResponse.submitted_at,
    )
    await live.close_engine()
    by_link: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_link.setdefault(int(row["link"]), []).append(row)
    complete_links = {int(r["link"]) for r in rows if r["status"] == "complete"}
    used = {link for link, status in links.items() if status == "used"}
    link_token = {link: token for token, link in token_links.items()}

    def answers(row: dict[str, Any]) -> dict[str, Any]:
        value = row["answers"]
        return json.loads(value) if isinstance(value, str) else dict(value)

    half_written = []
    for row in rows:
        got = answers(row)
        if row["status"] == "complete":
            if got != live.ANSWERS or row["submitted_at"] is None:
                half_written.append(int(row["id"]))
            continue
        # A partial response holds exactly the first k answers, for some k the resident sent
        # (k - 1 when the crash came after the commit and before the answer reached them).
        sent = tally.sent.get(link_token.get(int(row["link"]), ""), 0)
        firsts = [dict(list(live.ANSWERS.items())[:k]) for k in range(1, len(live.PAGES) + 1)]
        if got not in firsts[: sent + 1]:
            half_written.append(int(row["id"]))
    acknowledged_links = {token_links[t] for t in tally.acknowledged}
    abandoned_links = {token_links[t] for t in tally.abandoned}
    return {
        "acknowledged": len(tally.acknowledged),
        "stored": len(complete_links),
        "acknowledged_not_stored": len(acknowledged_links - (complete_links & used)),
        "duplicates": sum(len(v) - 1 for v in by_link.values() if len(v) > 1),
        "orphans": len(used ^ complete_links),
        "half_written": len(half_written),
        "stored_not_acknowledged": len(complete_links - acknowledged_links),
        "abandoned_after_crash": len(abandoned_links),
        "abandoned_stored": len(abandoned_links & complete_links),
        "partial_responses": sum(1 for r in rows if r["status"] == "partial"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--links", type=int, default=3000)
    parser.add_argument("--json", action="store_true", help="print the tallies as JSON")
    parser.add_argument("--seed", type=int, default=None, help="random seed (kill moments)")
    args = parser.parse_args(argv)
    random.seed(args.seed)

    tmp = Path(tempfile.mkdtemp(prefix="rv-crash-"))
    url = live.database_url(args.database, tmp)
    live.set_database(url)
    started = time.monotonic()
    server = Server(dict(os.environ), tmp / "server.log")
    try:
        # The server's parent imports and builds the app while this process seeds the database.
        server.launch_parent()
        _, token_links = asyncio.run(seed(args.links))
        seeded = time.monotonic() - started
        tally = asyncio.run(drive(args, list(token_links), server))
        result = asyncio.run(inspect(tally, token_links))
    finally:
        server.stop()
        if args.database == "postgres":
            from scratch_databases import drop_postgres

            asyncio.run(drop_postgres(url))
    result.update(
        {
            "database": args.database,
            "kills": server.kills,
            "clients": args.clients,
            "requests": tally.requests,
            "transport_errors": tally.transport_errors,
            "retried_submits": tally.retried_submits,
            "server_errors": len(tally.server_errors),
            "unexpected": tally.unexpected[:10],
            "restart_seconds": [round(s, 2) for s in server.restart_seconds],
            "seed_seconds": round(seeded, 1),
            "server_parent_seconds": round(server.parent_seconds, 1),
            "seconds": round(time.monotonic() - started, 1),
        }
    )
    failures = [
        name
        for name in (
            "acknowledged_not_stored",
            "duplicates",
            "orphans",
            "half_written",
            "server_errors",
        )
        if result[name]
    ]
    if tally.unexpected:
        failures.append("unexpected")
    if result["acknowledged"] == 0 or server.kills < args.kills:
        failures.append("no load")
    result["failures"] = failures
    log_text = (tmp / "server.log").read_text(errors="replace")
    if failures and log_text:
        result["server_log_tail"] = log_text[-2000:]
    shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"Crash test, {args.database}: {server.kills} SIGKILLs, {args.clients} residents, "
            f"{result['seconds']} s\n"
            f"  acknowledged {result['acknowledged']}, stored {result['stored']}, "
            f"duplicates {result['duplicates']}, orphans {result['orphans']}, "
            f"half-written {result['half_written']}, acknowledged but not stored "
            f"{result['acknowledged_not_stored']}\n"
            f"  submits cut off by a crash: {result['abandoned_after_crash']} walked away "
            f"({result['abandoned_stored']} of them stored anyway), "
            f"{result['retried_submits']} pressed again\n"
            f"  {result['requests']} requests, {result['transport_errors']} cut off, "
            f"{result['server_errors']} 5xx; partial responses left {result['partial_responses']}"
            f"\n  set-up {result['seed_seconds']} s, server parent (imports, app) "
            f"{result['server_parent_seconds']} s, restarts took {result['restart_seconds']} s\n"
            f"  {'FAILED: ' + ', '.join(failures) if failures else 'all checks OK'}"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
