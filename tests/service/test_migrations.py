"""The migrations create every table the code defines, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from piccolo.conf.apps import Finder

from service.migrations import pending
from tests.conftest import database_tables

pytestmark = pytest.mark.db


async def test_every_table_has_a_migration(db: Any):
    present = await database_tables(db)
    defined = {t._meta.tablename for t in Finder().get_table_classes()}
    assert not defined - present, f"tables without a migration: {sorted(defined - present)}"
    assert await pending() == []
