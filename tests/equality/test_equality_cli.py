"""`resident-voice equality report`: from a stored survey to a finished report (both databases)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.db]

BIN = Path(sys.executable).parent / "resident-voice"


async def _responses(count: int) -> None:
    from service.accounts import create_user
    from surveys.services import responses
    from tests.surveys.conftest import store_bank

    await store_bank("equality-monitoring")
    staff = await create_user("eq@council.example.gov.uk", "RO", "research_officer", "x" * 16)
    for i in range(count):
        answers = {
            "age": "age_25_34" if i % 2 else "age_65_74",
            "sex": "female" if i % 3 else "male",
            "long_term_condition": "yes" if i % 4 == 0 or (i % 2 == 0 and i % 5 == 0) else "no",
            "carer": "no",
        }
        await responses.record_assisted(
            "equality-monitoring", answers, mode="paper", entered_by=int(staff.id)
        )


def _run(args: list[str], url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [str(BIN), "equality", "report", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


async def test_report_command_writes_the_report(db: Any, db_engine: Any, tmp_path: Path) -> None:
    await _responses(48)
    out = tmp_path / "eqia.html"
    margins = tmp_path / "margins.csv"
    margins.write_text(
        "dimension,group,population\nage,age_25_34,18900\nage,age_65_74,12000\n", encoding="utf-8"
    )
    done = _run(
        [
            "equality-monitoring",
            "--outcome",
            "long_term_condition=yes",
            "--characteristics",
            "age,sex",
            "--weight-to",
            str(margins),
            "--output",
            str(out),
        ],
        db_engine.url,
    )
    assert done.returncode == 0, done.stderr
    assert f"Wrote {out}" in done.stdout
    html = out.read_text()
    assert "Age" in html and "Sex" in html and "raked to population margins" in html
    assert "25 to 34" in html and "65 to 74" in html


async def test_report_command_names_what_is_wrong(db: Any, db_engine: Any, tmp_path: Path) -> None:
    """Mistakes found in the data, on each database."""
    await _responses(12)
    cases = [
        (["--outcome", "nope=yes"], "outcome column 'nope' is not in the data"),
        (
            ["--outcome", "long_term_condition=yes", "--characteristics", "religion"],
            "nobody who answered the outcome answered 'Religion or belief'",
        ),
    ]
    for extra, message in cases:
        done = _run(
            ["equality-monitoring", *extra, "--output", str(tmp_path / "r.html")], db_engine.url
        )
        assert done.returncode != 0 and message in done.stderr, (extra, done.stderr)
    assert not (tmp_path / "r.html").exists()


# These mistakes are in the options alone: the command names them before it reads the
# database, so one backend is enough (a subprocess each, ~3 s of CPU).
@pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
async def test_report_command_names_bad_options(db: Any, db_engine: Any, tmp_path: Path) -> None:
    await _responses(12)
    shape = _run(
        [
            "equality-monitoring",
            "--outcome",
            "long_term_condition",
            "--output",
            str(tmp_path / "r.html"),
        ],
        db_engine.url,
    )
    assert shape.returncode != 0 and "QUESTION=LEVEL" in shape.stderr, shape.stderr
    assert not (tmp_path / "r.html").exists()
    bad = _run(
        ["equality-monitoring", "--outcome", "sex=female", "--output", str(tmp_path / "r.docx")],
        db_engine.url,
    )
    assert bad.returncode != 0 and ".html or .pdf" in bad.stderr
    assert not (tmp_path / "r.docx").exists()
