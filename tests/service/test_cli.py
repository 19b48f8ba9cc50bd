"""The `resident-voice` command, run as a real subprocess: clear one-line errors, no tracebacks."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from panel.services import CONSENT_WORDING_VERSION
from panel.tables import Consent, Draw, DrawMember, Member
from surveys.bank import load_bank
from surveys.services.definitions_store import save_definition
from tests.service.conftest import seed

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from service.cli import entry; entry()"]


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://root@127.0.0.1/x", "scheme 'mysql' is not supported"),
        ("sqlite:/x.sqlite", "takes three slashes"),
        ("postgresql://postgres@127.0.0.1:1/test", "cannot reach the database"),
    ],
)
def test_bad_database_url_gives_one_line_and_non_zero_exit(url: str, expected: str):
    result = cli("migrate", DATABASE_URL=url)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert expected in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("Error")]) == 1


def test_migrate_demo_and_check_on_a_fresh_sqlite_file(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/fresh.sqlite"
    first = cli("migrate", DATABASE_URL=url)
    assert first.returncode == 0, first.stderr
    assert "Applied" in first.stdout
    assert "up to date" in cli("migrate", DATABASE_URL=url).stdout
    check = cli("check", DATABASE_URL=url)
    assert "ok   database" in check.stdout and "ok   migrations: current" in check.stdout


def test_check_reports_missing_chromium_clearly(tmp_path: Path):
    result = cli("check", DATABASE_URL=f"sqlite:///{tmp_path}/c.sqlite", CHROMIUM_PATH="/nope")
    assert result.returncode == 1
    assert "FAIL Chromium" in result.stdout and "apt-get install -y chromium" in result.stdout
    assert "Traceback" not in result.stderr


def test_user_create_validates_and_prints_the_password_once(migrated_sqlite: str):
    url = migrated_sqlite
    bad = cli(
        "user",
        "create",
        "--email",
        "not-an-email",
        "--name",
        "X",
        "--role",
        "admin",
        DATABASE_URL=url,
    )
    assert bad.returncode != 0 and "email:" in bad.stderr
    role = cli(
        "user", "create", "--email", "a@b.gov.uk", "--name", "X", "--role", "boss", DATABASE_URL=url
    )
    assert role.returncode != 0 and "boss" in role.stderr
    ok = cli(
        "user",
        "create",
        "--email",
        "A@B.gov.uk",
        "--name",
        "Ann",
        "--role",
        "web_team",
        DATABASE_URL=url,
    )
    assert ok.returncode == 0, ok.stderr
    assert "Password (shown once):" in ok.stdout
    again = cli(
        "user",
        "create",
        "--email",
        "a@b.gov.uk",
        "--name",
        "Ann",
        "--role",
        "web_team",
        DATABASE_URL=url,
    )
    assert again.returncode != 0 and "already exists" in again.stderr


async def _survey_and_consenting_member(reference: str, **extra: Any) -> Member:
    """The resident-satisfaction survey and one member who consented to email contact."""
    await save_definition(load_bank("resident-satisfaction"))
    m = Member(
        reference=reference,
        first_name="A",
        last_name="B",
        age_band="35-44",
        sex="female",
        ward="abbey",
        ethnicity="white",
        disability="no",
        imd_quintile=3,
        email="a@example.org",
        **extra,
    )
    await m.save()
    await Consent(
        member=m.id,
        purpose="contact:email",
        wording_version=CONSENT_WORDING_VERSION,
        given_at=dt.datetime.now(dt.UTC),
    ).save()
    return m


def test_survey_links_names_each_refused_member(migrated_sqlite: str):
    """`survey links` says which --member cannot have a link and why, in one line."""
    url = migrated_sqlite

    async def one_member() -> None:
        await _survey_and_consenting_member("P-CLI00001")

    seed(url, one_member)
    twice = ("--member", "P-CLI00001", "--member", "P-CLI00001")
    refused = cli("survey", "links", "resident-satisfaction", *twice, DATABASE_URL=url)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "--member P-CLI00001: is listed more than once" in refused.stderr
    once = ("--member", "P-CLI00001")
    issued = cli("survey", "links", "resident-satisfaction", *once, DATABASE_URL=url)
    assert issued.returncode == 0, issued.stderr
    assert issued.stdout.count("/s/") == 1


def test_survey_invite_a_draw(migrated_sqlite: str):
    """`survey invite SLUG --draw N` invites a recorded draw; a bad draw names --draw."""
    url = migrated_sqlite
    drawn: list[int] = []

    async def a_draw_of_one() -> None:
        m = await _survey_and_consenting_member(
            "P-CLI00002", preferred_contact="email", status="active"
        )
        d = Draw(method="random", seed="1", size=1, eligible=[m.id])
        await d.save()
        await DrawMember(draw=d.id, member=m.id, position=0).save()
        drawn.append(int(d.id))

    seed(url, a_draw_of_one)
    draw = str(drawn[0])
    missing = cli("survey", "invite", "resident-satisfaction", "--draw", "999", DATABASE_URL=url)
    assert missing.returncode != 0 and "Traceback" not in missing.stderr
    assert "--draw: no sample draw 999" in missing.stderr
    done = cli("survey", "invite", "resident-satisfaction", "--draw", draw, DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    assert "1 invited (1 by email); 0 skipped, 0 already invited" in done.stdout
    again = cli("survey", "invite", "resident-satisfaction", "--draw", draw, DATABASE_URL=url)
    assert again.returncode != 0 and "already invited" in again.stderr


def test_user_disable_and_enable(migrated_sqlite: str):
    url = migrated_sqlite
    made = cli(
        "user",
        "create",
        "--email",
        "d@b.gov.uk",
        "--name",
        "D",
        "--role",
        "admin",
        DATABASE_URL=url,
    )
    assert made.returncode == 0, made.stderr
    disabled = cli("user", "disable", "--email", "D@b.gov.uk", DATABASE_URL=url)
    assert disabled.returncode == 0 and "sessions have ended" in disabled.stdout
    assert cli("user", "enable", "--email", "d@b.gov.uk", DATABASE_URL=url).returncode == 0
    missing = cli("user", "disable", "--email", "nobody@b.gov.uk", DATABASE_URL=url)
    assert missing.returncode != 0 and "email:" in missing.stderr
