"""`resident-voice check`: is everything this installation needs in place?"""

from __future__ import annotations

from collections.abc import Callable

Report = Callable[[bool, str, str], None]

#: A due job waiting longer than this means no worker is running (table engine).
STALE_QUEUE_S = 300


async def run_checks(out: Callable[[str], None]) -> int:
    """Print one line per check; return the number of problems."""
    problems = 0

    def report(ok: bool, what: str, detail: str) -> None:
        nonlocal problems
        problems += 0 if ok else 1
        out(f"{'ok  ' if ok else 'FAIL'} {what}: {detail}")

    from service.db import describe, ping
    from service.settings import get_settings

    settings = get_settings()
    url = describe(settings.database_url)
    try:
        from service.tables import StaffUser

        await ping(StaffUser._meta.db)
        report(True, "database", url)
        from service.migrations import pending

        todo = await pending()
        report(
            not todo,
            "migrations",
            "current" if not todo else f"{len(todo)} pending: run `resident-voice migrate`",
        )
    except Exception as error:
        report(False, "database", f"cannot reach {url}: {error}")

    await check_jobs(report)

    from service.app import GOVUK_DIST, STATIC_DIR

    css = STATIC_DIR / "build" / "resident-voice.css"
    report(
        (GOVUK_DIST / "govuk-frontend.min.js").exists() and css.exists(),
        "GOV.UK Frontend",
        "installed" if css.exists() else "missing: run bin/setup (npm ci && npm run build)",
    )
    try:
        from accessibility.browser import ChromiumNotFound, find_chromium

        try:
            report(True, "Chromium", find_chromium())
        except ChromiumNotFound as error:
            report(False, "Chromium", str(error))
    except ImportError:
        report(False, "Chromium", "the accessibility package is not installed")
    return problems


async def check_jobs(report: Report) -> None:
    """The job engine in use, its queue, and each worker's last heartbeat.

    On SAQ every worker writes a stats row every few seconds; one not seen for
    `3 * WORKER_INFO_S` is reported as failing, and no worker at all is a failure (jobs would
    wait forever). The table engine's workers live in the web processes and write no
    heartbeat: due jobs left waiting for minutes are the sign that none is running.
    """
    from service import jobs

    engine = jobs.engine_name()
    if engine == "saq":
        from service.jobs import saq_engine

        try:
            counts = await saq_engine.counts()
            workers = await saq_engine.workers()
        except Exception as error:
            report(False, "job engine", f"SAQ over PostgreSQL: cannot reach the queue: {error}")
            return
        report(
            True,
            "job engine",
            f"SAQ over PostgreSQL, queue {saq_engine.QUEUE_NAME}: {counts['queued']} queued, "
            f"{counts['running']} running, {counts['scheduled']} scheduled",
        )
        if not workers:
            report(
                False,
                "job workers",
                "none has reported in the last few seconds: start `resident-voice worker` "
                "on at least one machine",
            )
        for worker in workers:
            age = worker["age_s"]
            fresh = age is not None and age <= 3 * saq_engine.WORKER_INFO_S
            report(
                fresh,
                f"job worker {worker['host']} pid {worker['pid']}",
                f"last heartbeat {age} s ago" if age is not None else "no heartbeat time",
            )
        return
    try:
        waiting, oldest_s, periodic_s = await jobs.table_health()
    except Exception as error:
        report(False, "job engine", f"job table: cannot read it: {error}")
        return
    report(True, "job engine", "job table, run by the in-process worker of each web process")
    last = f"{periodic_s:.0f} s ago" if periodic_s is not None else "never"
    report(
        oldest_s is None or oldest_s <= STALE_QUEUE_S,
        "job worker",
        f"{waiting} due job(s) waiting"
        + (f", the oldest for {oldest_s:.0f} s" if oldest_s is not None else "")
        + f"; last periodic task claimed {last}",
    )
