"""Run and inspect Piccolo migrations for every app, quietly, from code.

Piccolo's migration commands print as they go; the CLI and the test fixtures want a summary,
so output is captured and returned instead.
"""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.check import CheckMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards


class MigrationFailed(RuntimeError):
    pass


async def pending() -> list[str]:
    """Migrations that exist in the code but have not run against this database."""
    with contextlib.redirect_stdout(io.StringIO()):
        statuses = await CheckMigrationManager("all").get_migration_statuses()
    return [f"{s.app_name}:{s.migration_id}" for s in statuses if not s.has_ran]


async def migrate() -> list[str]:
    """Apply every pending migration; returns what ran. Raises MigrationFailed with the output."""
    todo = await pending()
    if not todo:
        return []
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        result = await run_forwards("all")
    if not result.success:
        raise MigrationFailed(f"migrations failed: {result.message or output.getvalue()[-2000:]}")
    return todo
