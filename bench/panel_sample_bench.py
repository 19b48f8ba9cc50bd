"""Benchmark: a quota sample of 1,000 from 100,000 members, 5 quota dimensions, contact rules.

Usage:  .venv/bin/python bench/panel_sample_bench.py [--members 100000] [--engine sqlite|postgres]

For each engine: a fresh migrated database with N synthetic members (age band, sex, ward,
ethnicity, disability drawn at random; consent for email), 10 % of them invited in the last
30 days and 5 % invited four times this year, so the contact rules have work to do. Then one
`panel.sampling.draw_sample` call is timed wall-clock: the contact rules over the whole panel,
quota selection with sortition-algorithms (`legacy` algorithm, indexed pool) and recording the
draw (eligible list, profiles, drawn members) in one transaction; then a replay. Goal: under
5 s. Each engine runs in its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch_databases import create_postgres, drop_postgres

ROOT = Path(__file__).resolve().parents[1]
SIZE = 1000
CHUNK = 500
QUOTAS = """dimension,group,min,max
age_band,16-24,120,160
age_band,75+,100,150
sex,female,480,540
sex,male,460,520
ward,abbey,70,100
ward,brookside,70,100
ethnicity,white,700,820
ethnicity,asian,60,110
disability,limited_a_lot,60,120
"""


async def populate(members: int) -> None:
    from panel.demographics import AGE_BANDS, DISABILITY, ETHNIC_GROUPS, WARDS
    from panel.services import CONSENT_WORDING_VERSION
    from panel.tables import Consent, ContactEvent, Member

    rng = random.Random(1)
    now = dt.datetime.now(dt.UTC)
    ethnic = list(ETHNIC_GROUPS)
    async with Member._meta.db.transaction():
        # 500 a statement: a member row has about 40 columns, and PostgreSQL takes at most
        # 32,767 parameters in one statement.
        for start in range(0, members, CHUNK):
            rows = [
                Member(
                    reference=f"P-B{i:07d}",
                    first_name="Bench",
                    last_name=str(i),
                    email=f"b{i}@example.org",
                    address_line1=f"{i} Bench Road",
                    postcode="NB1 1AA",
                    age_band=rng.choice(AGE_BANDS),
                    sex=rng.choice(["female", "male"]),
                    ward=rng.choice(WARDS).code,
                    ethnicity=rng.choices(ethnic, [80, 5, 8, 4, 3])[0],
                    disability=rng.choices(list(DISABILITY), [8, 10, 82])[0],
                    imd_quintile=rng.randint(1, 5),
                )
                for i in range(start, min(start + CHUNK, members))
            ]
            ids = [r["id"] for r in await Member.insert(*rows).returning(Member.id)]
            await Consent.insert(
                *[
                    Consent(
                        member=m,
                        purpose=p,
                        wording_version=CONSENT_WORDING_VERSION,
                        given_at=now,
                    )
                    for m in ids
                    for p in ("membership", "contact:email")
                ]
            )
            events = []
            for m in ids:
                if rng.random() < 0.10:
                    events.append((m, 10))
                elif rng.random() < 0.05:
                    events.extend((m, d) for d in (60, 120, 200, 300))
            if events:
                await ContactEvent.insert(
                    *[
                        ContactEvent(
                            member=m,
                            kind="invitation",
                            channel="email",
                            subject="bench",
                            at=now - dt.timedelta(days=d),
                        )
                        for m, d in events
                    ]
                )


async def run(url: str, members: int) -> None:
    os.environ.update({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40})
    sys.path.insert(0, str(ROOT))
    from piccolo.engine.postgres import PostgresEngine

    import piccolo_conf
    from panel.contact_rules import ContactRules
    from panel.sampling import DrawRequest, draw_sample, parse_quotas, replay_draw
    from service.migrations import migrate

    engine = piccolo_conf.DB
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=4)
    await migrate()
    start = time.perf_counter()
    await populate(members)
    setup_s = time.perf_counter() - start
    rules = ContactRules(not_invited_within_days=30, max_invitations_12_months=4)
    request = DrawRequest(
        size=SIZE, rules=rules, method="quota", quotas=parse_quotas(QUOTAS), seed=2026
    )
    start = time.perf_counter()
    result = await draw_sample(request)
    draw_s = time.perf_counter() - start
    start = time.perf_counter()
    replay = await replay_draw(result.draw_id)
    replay_s = time.perf_counter() - start
    name = url.split(":")[0]
    print(
        f"{name:8s} members={members} eligible={result.eligible} drawn={len(result.drawn)} "
        f"quota draw={draw_s:.2f}s replay={replay_s:.2f}s same={replay.same} "
        f"(set-up {setup_s:.0f}s)"
    )
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--engine", choices=["sqlite", "postgres"])
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.url:
        asyncio.run(run(args.url, args.members))
        return
    print(f"quota sample of {SIZE} from {args.members} members, 5 dimensions; goal < 5 s")
    tmp = Path(tempfile.mkdtemp(prefix="rv-sample-bench-"))
    for engine in [args.engine] if args.engine else ["sqlite", "postgres"]:
        url = (
            f"sqlite:///{tmp}/bench.sqlite"
            if engine == "sqlite"
            else asyncio.run(create_postgres("rv_bench_sample"))
        )
        try:
            subprocess.run(
                [sys.executable, __file__, "--url", url, "--members", str(args.members)],
                check=True,
            )
        finally:
            if engine == "postgres":
                asyncio.run(drop_postgres(url))


if __name__ == "__main__":
    main()
