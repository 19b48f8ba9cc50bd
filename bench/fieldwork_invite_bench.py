"""Benchmark: inviting a 10,000-member draw, and making its personal links in bulk.

Usage:  .venv/bin/python bench/fieldwork_invite_bench.py [--members N] [--engine sqlite|postgres]

For each engine (its own process, a fresh migrated database): N active members with consent
for their channel (email, text or post in turn), a recorded draw of all of them, and the bank's
resident-satisfaction survey. Timed wall-clock, and printed:

- `fieldwork.invite(draw_id=...)`: contact targets, invitation rows and send jobs (one
  transaction), what the staff page and `resident-voice survey invite` run;
- `links.create_links(member_ids=...)` for the whole draw at once: one personal link each,
  after the contact check and retiring any open links (one transaction).

Nothing is sent (the jobs are left queued): the mail bench (`fieldwork_mail_bench.py`) times
sending.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch_databases import create_postgres, drop_postgres

ROOT = Path(__file__).resolve().parents[1]
CHANNELS = ("email", "sms", "post")


async def run(url: str, members: int, tmp: Path) -> None:
    os.environ.update(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-" + "x" * 40,
            "LETTERS_DIR": str(tmp / "letters"),
            "OUTBOX_DIR": str(tmp / "outbox"),
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    from piccolo.engine.postgres import PostgresEngine

    import piccolo_conf
    from panel.services import CONSENT_WORDING_VERSION
    from panel.tables import Consent, Draw, DrawMember, Member
    from service.migrations import migrate
    from surveys.bank import load_bank
    from surveys.services import definitions_store, fieldwork, links

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
            phone=f"+4477009{i:05d}",
            address_line1=f"{i} Bench Street",
            postcode="NB1 1AA",
            preferred_contact=CHANNELS[i % 3],
        )
        for i in range(members)
    ]
    for start in range(0, members, 500):
        await Member.insert(*rows[start : start + 500])
    ids = [r["id"] for r in await Member.select(Member.id).order_by(Member.id)]
    consents = [
        Consent(member=m, purpose=p, wording_version=CONSENT_WORDING_VERSION, given_at=now)
        for i, m in enumerate(ids)
        for p in ("membership", f"contact:{CHANNELS[i % 3]}")
    ]
    for start in range(0, len(consents), 500):
        await Consent.insert(*consents[start : start + 500])
    draw = (
        await Draw.insert(Draw(method="random", seed="1", size=members, eligible=ids)).returning(
            Draw.id
        )
    )[0]["id"]
    drawn = [DrawMember(draw=draw, member=m, position=i) for i, m in enumerate(ids, start=1)]
    for start in range(0, members, 500):
        await DrawMember.insert(*drawn[start : start + 500])

    name = url.split(":")[0]
    start = time.perf_counter()
    result = await fieldwork.invite("resident-satisfaction", draw_id=draw)
    invite_s = time.perf_counter() - start
    start = time.perf_counter()
    issued = await links.create_links("resident-satisfaction", member_ids=ids)
    links_s = time.perf_counter() - start
    print(
        f"{name:8s} draw of {members:,}: invite {invite_s:.2f} s ({result.total:,} invited, "
        f"{len(result.jobs)} jobs); create_links {links_s:.2f} s ({len(issued):,} links, "
        f"{len(issued) / links_s:,.0f} a second)"
    )
    assert result.total == members and len(issued) == members
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
    tmp = Path(tempfile.mkdtemp(prefix="rv-invite-bench-"))
    for engine in [args.engine] if args.engine else ["sqlite", "postgres"]:
        url = (
            f"sqlite:///{tmp}/bench.sqlite"
            if engine == "sqlite"
            else asyncio.run(create_postgres("rv_bench_invite"))
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
