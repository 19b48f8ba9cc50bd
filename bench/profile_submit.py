"""Profile the resident submit path (POST /s/{token}/check) in one process, with pyinstrument.

    .venv/bin/python bench/profile_submit.py [--database sqlite|postgres] [--requests 3000]
        [--concurrency 64] [--html profile.html]

pyinstrument is not a project dependency: install it into your environment first
(`uv pip install pyinstrument`). The app runs in this process and thread behind httpx's ASGI
transport (no sockets, no uvicorn), so the profile shows our code, Litestar and the database
driver, not the HTTP server; `--concurrency` submits are in flight at once, as under wrk.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import tempfile
import time
from pathlib import Path

import live_server as live


async def run(args: argparse.Namespace) -> None:
    import httpx
    from piccolo.engine.postgres import PostgresEngine
    from pyinstrument import Profiler
    from serve_bench import seed

    from service.app import create_app
    from surveys.tables import SurveyLink

    data = await seed(0, args.requests + 1)
    app = create_app(run_worker=False)
    engine = SurveyLink._meta.db
    if isinstance(engine, PostgresEngine):  # as the app's lifespan does (not run here)
        await engine.start_connection_pool(min_size=1, max_size=10)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        first = data["ready"][0]
        page = await client.get(f"/s/{first}/check")
        form = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        queue = list(data["ready"][1:])
        statuses: dict[int, int] = {}

        async def worker() -> None:
            while queue:
                token = queue.pop()
                response: httpx.Response = await client.post(
                    f"/s/{token}/check", data={"_csrf_token": form}
                )
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        profiler.start()
        await asyncio.gather(*[worker() for _ in range(args.concurrency)])
        profiler.stop()
        elapsed = time.perf_counter() - started
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    print(
        f"{args.requests} submits in {elapsed:.1f} s ({args.requests / elapsed:.0f}/s in-process)"
    )
    print("statuses:", statuses)
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        args.html.write_text(profiler.output_html())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--html", type=Path)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rv-profile-"))
    url = live.database_url(args.database, tmp)
    live.set_database(url)
    try:
        asyncio.run(run(args))
    finally:
        if args.database == "postgres":
            from scratch_databases import drop_postgres

            asyncio.run(drop_postgres(url))
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
