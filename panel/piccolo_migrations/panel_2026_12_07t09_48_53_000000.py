"""A unique index on panel_member.email_normalised, and the normalised email of existing rows.

A separate migration because Piccolo runs raw steps before a migration's column changes, and
because SQLite cannot add a UNIQUE column: a unique index (NULLs allowed more than once on both
SQLite and PostgreSQL) gives the same guarantee. Existing rows get `lower(trim(email))`, except
addresses already shared by two members, which staff resolve as duplicates.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T09:48:53:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique normalised email for panel members"

BACKFILL = """
UPDATE panel_member SET email_normalised = lower(trim(email))
WHERE email IS NOT NULL AND trim(email) <> '' AND lower(trim(email)) NOT IN (
    SELECT lower(trim(email)) FROM panel_member WHERE email IS NOT NULL
    GROUP BY lower(trim(email)) HAVING count(*) > 1
)
"""
UNIQUE_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS panel_member_email_normalised_unique "
    "ON panel_member (email_normalised)"
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="panel", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(BACKFILL)
        await engine.run_ddl(UNIQUE_INDEX)

    async def run_backwards() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl("DROP INDEX IF EXISTS panel_member_email_normalised_unique")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
