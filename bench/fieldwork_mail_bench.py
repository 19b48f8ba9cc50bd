"""Benchmark: 10,000 email invitations from the job worker to a local SMTP server (aiosmtpd).

Usage:  .venv/bin/python bench/fieldwork_mail_bench.py [--members 10000] [--engine sqlite|postgres]

For each engine: a fresh migrated database with N active members who prefer email and have
consent on record, the bank's resident-satisfaction survey, and aiosmtpd on 127.0.0.1. Timed
wall-clock: `fieldwork.invite` (invitation rows and send jobs, one transaction) and then the
in-process worker (`service.jobs.run_until_empty`) sending every message: personal link, the
unsubscribe link, a 'sending' row, SMTP, then state + Message-ID + contact history in one
transaction per message. Prints messages per second and checks every message arrived once.
Each engine runs in its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch_databases import create_postgres, drop_postgres

ROOT = Path(__file__).resolve().parents[1]


#: The SMTP server runs in its own process (as a real one would), so it does not share the
#: worker's interpreter lock; on SIGTERM it writes the recipients it received, one a line.
SERVER = """
import signal, sys, time
from aiosmtpd.controller import Controller

class Count:
    def __init__(self):
        self.recipients = []

    async def handle_DATA(self, server, session, envelope):
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"

handler = Count()
controller = Controller(handler, hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)

def stop(*_):
    controller.stop()
    with open(sys.argv[2], "w") as out:
        out.write("\\n".join(handler.recipients))
    sys.exit(0)

signal.signal(signal.SIGTERM, stop)
while True:
    time.sleep(1)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def run(url: str, members: int, tmp: Path) -> None:
    port = free_port()
    received = tmp / "received.txt"
    server = subprocess.Popen(  # noqa: ASYNC220 - set-up, before anything is timed
        [sys.executable, "-c", SERVER, str(port), str(received)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    os.environ.update(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-" + "x" * 40,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(port),
            "LETTERS_DIR": str(tmp / "letters"),
            "OUTBOX_DIR": str(tmp / "outbox"),
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    import structlog
    from piccolo.engine.postgres import PostgresEngine

    import piccolo_conf
    from panel.services import CONSENT_WORDING_VERSION
    from panel.tables import Consent, Member
    from service import jobs
    from service.migrations import migrate
    from surveys.bank import load_bank
    from surveys.services import definitions_store, fieldwork

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))
    engine = piccolo_conf.DB
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=4)
    await migrate()
    await definitions_store.save_definition(load_bank("resident-satisfaction"))
    now = dt.datetime.now(dt.UTC)
    rows = [
        Member(
            reference=f"P-B{i:07d}",
            first_name=f"First{i}",
            last_name="Bench",
            email=f"member{i}@example.org",
            preferred_contact="email",
        )
        for i in range(members)
    ]
    for start in range(0, members, 1000):
        await Member.insert(*rows[start : start + 1000])
    ids = [r["id"] for r in await Member.select(Member.id).order_by(Member.id)]
    consents = [
        Consent(member=m, purpose=p, wording_version=CONSENT_WORDING_VERSION, given_at=now)
        for m in ids
        for p in ("membership", "contact:email")
    ]
    for start in range(0, len(consents), 1000):
        await Consent.insert(*consents[start : start + 1000])

    name = url.split(":")[0]
    start = time.perf_counter()
    result = await fieldwork.invite("resident-satisfaction", member_ids=ids)
    invite_s = time.perf_counter() - start
    start = time.perf_counter()
    ran = await jobs.run_until_empty(limit=100_000)
    send_s = time.perf_counter() - start
    server.terminate()
    server.wait(timeout=30)
    recipients = [r for r in received.read_text().splitlines() if r]
    delivered = len(recipients)
    unique = len(set(recipients))
    print(
        f"{name:8s} invited={result.total} jobs={ran} invite={invite_s:.1f}s "
        f"send={send_s:.1f}s -> {delivered / send_s:.0f} messages/s "
        f"(delivered={delivered}, unique={unique})"
    )
    assert delivered == unique == members, "every member gets exactly one message"
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--engine", choices=["sqlite", "postgres"])
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.url:
        asyncio.run(run(args.url, args.members, args.tmp))
        return
    tmp = Path(tempfile.mkdtemp(prefix="rv-mail-bench-"))
    print(f"{args.members} email invitations through aiosmtpd on 127.0.0.1")
    for engine in [args.engine] if args.engine else ["sqlite", "postgres"]:
        url = (
            f"sqlite:///{tmp}/bench.sqlite"
            if engine == "sqlite"
            else asyncio.run(create_postgres("rv_bench_mail"))
        )
        try:
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--url",
                    url,
                    "--members",
                    str(args.members),
                    "--tmp",
                    str(tmp),
                ],
                check=True,
            )
        finally:
            if engine == "postgres":
                asyncio.run(drop_postgres(url))


if __name__ == "__main__":
    main()
