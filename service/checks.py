"""`resident-voice check`: is everything this installation needs in place?"""

from __future__ import annotations

from collections.abc import Callable


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
