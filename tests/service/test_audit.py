"""The staff audit log: written with what it records, shown to administrators only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from panel import imports
from panel.tables import Member
from service import audit
from service.tables import AuditEvent
from tests.panel.test_imports import person, write_csv


async def test_a_panel_import_is_recorded_in_its_own_transaction(db: Any, tmp_path: Path) -> None:
    result = await imports.import_file(write_csv(tmp_path / "m.csv", [person(1), person(2)]))
    assert result.imported == 2
    [event] = await AuditEvent.select()
    assert event["action"] == "change" and event["subject"] == "panel import"
    assert event["staff_email"] == "command line" and "2 members" in event["detail"]


async def test_an_import_whose_record_fails_is_not_committed(
    db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(imports.audit, "record", broken)
    with pytest.raises(RuntimeError):
        await imports.import_file(write_csv(tmp_path / "m.csv", [person(1)]))
    assert await Member.count() == 0


async def test_unknown_actions_are_refused(db: Any) -> None:
    with pytest.raises(ValueError, match="action"):
        await audit.record(None, "peek", "x")


async def test_administrators_see_the_log_as_a_page_and_json(client: Any, staff_login: Any) -> None:
    officer = await staff_login(client, "research_officer")
    await audit.record(officer, "export", "survey s", detail="csv", reason="checking a figure")
    assert (await client.get("/staff/audit")).status_code == 403
    assert (await client.get("/api/audit")).status_code == 403
    client.cookies.clear()
    await staff_login(client, "panel_manager")
    assert (await client.get("/api/audit")).status_code == 403
    client.cookies.clear()
    await staff_login(client, "admin")
    page = await client.get("/staff/audit")
    assert page.status_code == 200
    assert officer.email in page.text and "checking a figure" in page.text
    assert 'href="/staff/audit"' in page.text  # in the administrators' navigation
    data = (await client.get("/api/audit")).json()
    assert data[0]["staff_email"] == officer.email and data[0]["reason"] == "checking a figure"
    assert data[0]["action"] == "export" and data[0]["at"].startswith("20")
    bad = await client.get("/api/audit?limit=0")
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "limit"


def test_a_command_line_export_is_recorded(tmp_path: Path, migrated_sqlite: str) -> None:
    import sqlite3

    from tests.service.test_cli import cli

    url = migrated_sqlite
    bank = "surveys/bank/resident-satisfaction.yaml"
    assert cli("survey", "upload", bank, DATABASE_URL=url).returncode == 0
    out = tmp_path / "x.csv"
    done = cli("survey", "export", "resident-satisfaction", "--out", str(out), DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        rows = conn.execute("SELECT staff_email, action, subject, detail FROM staff_audit_event")
        [(who, action, subject, detail)] = rows.fetchall()
    assert (who, action, subject) == ("command line", "export", "survey resident-satisfaction")
    assert "as stored" in detail and "x.csv" in detail
