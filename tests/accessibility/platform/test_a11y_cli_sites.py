"""`resident-voice accessibility sites|run` as a real subprocess on a fresh SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CLI = [sys.executable, "-c", "from service.cli import entry; entry()"]

# Seven subprocesses, one of them a real audit in its own Chromium: about 25 s on a quiet
# machine, but past the suite's 180 s limit on a heavily loaded one (where pytest-timeout then
# ended the whole xdist worker), so it gets the sum of its own subprocess limits' worth.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )


def test_list_and_run_a_configured_site(tmp_path: Path, a11y_site: str) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite",
        "AUDITS_DIR": str(tmp_path / "audits"),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    assert run(*CLI, "migrate", env=env).returncode == 0
    assert "No sites yet" in run(*CLI, "accessibility", "sites", env=env).stdout
    missing = run(*CLI, "accessibility", "run", "999", env=env)
    assert missing.returncode == 1 and "site_id: no site with id 999" in missing.stderr
    site = (
        f"SiteIn(name='Fixture', start_urls=['{a11y_site}/index.html'], allow_private=True, "
        "include_patterns=[r'^/(index|barriers/headings)\\.html$'], rate_limit=50)"
    )
    create = (
        "import asyncio\n"
        "from accessibility import services\n"
        "from accessibility.schemas import SiteIn\n"
        "from service.cli import close_database\n"
        "async def main():\n"
        f"    print(await services.create_site({site}))\n"
        "    await close_database()\n"
        "asyncio.run(main())\n"
    )
    made = run(sys.executable, "-c", create, env=env)
    assert made.returncode == 0, made.stderr
    site_id = made.stdout.strip()
    audited = run(*CLI, "accessibility", "run", site_id, env=env)
    assert audited.returncode == 0, audited.stderr
    assert "Run 1: 2 pages" in audited.stdout and "/staff/accessibility/runs/1" in audited.stdout
    listed = run(*CLI, "accessibility", "sites", env=env).stdout
    assert "Fixture" in listed and "run 1 done" in listed
