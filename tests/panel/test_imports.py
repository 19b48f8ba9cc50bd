"""`panel import`: problems by spreadsheet row and column, all or nothing, --valid-only."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import Workbook

from panel.cli import panel_group
from panel.imports import BANK_ETHNIC_CODES, HEADER, ImportFileError, import_file, read_rows
from panel.tables import Consent, Member

GOOD = {
    "first_name": "Asha",
    "last_name": "Patel",
    "email": "Asha.Patel@example.org",
    "phone": "07700 900123",
    "address_line1": "1 Mill Lane",
    "town": "Northbridge",
    "postcode": "nb1 2ab",
    "preferred_contact": "email",
    "date_of_birth": "1980-05-17",
    "sex": "female",
    "ethnicity": "asian",
    "disability": "",
    "consent_given_at": "2026-03-01",
    "consent_wording_version": "2026-01",
}


def person(i: int, **changes: str) -> dict[str, str]:
    row = dict(GOOD, first_name=f"Asha{i}", email=f"asha{i}@example.org", phone=f"07700 9{i:05d}")
    row.update(changes)
    return row


def write_csv(path: Path, rows: list[dict[str, str]], bom: bool = False) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(("\ufeff" if bom else "") + out.getvalue(), encoding="utf-8")
    return path


async def test_dry_run_reports_every_problem_by_row_and_column_and_changes_nothing(
    db: Any, tmp_path: Path
):
    rows = [
        person(1),
        person(2, postcode="NOT A CODE"),
        person(3, email="not-an-email"),
        person(4, phone="12345"),
        person(5, ethnicity="martian"),
        person(6, consent_given_at=""),
        person(7, email="ASHA1@example.org"),  # same email as row 2
    ]
    result = await import_file(write_csv(tmp_path / "m.csv", rows), dry_run=True)
    found = {(p.row, p.column) for p in result.problems}
    assert found == {
        (3, "postcode"),
        (4, "email"),
        (5, "phone"),
        (6, "ethnicity"),
        (7, "consent_given_at"),
        (8, "email"),
    }
    assert "row 2" in next(p.message for p in result.problems if p.row == 8)
    assert result.refused_rows == [3, 4, 5, 6, 7, 8]
    assert result.imported == 0 and result.exit_code == 1
    assert await Member.count() == 0 and await Consent.count() == 0


async def test_duplicates_of_existing_members_by_email_phone_and_name_postcode(
    db: Any, tmp_path: Path
):
    await import_file(write_csv(tmp_path / "first.csv", [person(1)]))
    rows = [
        person(2, email=" asha1@EXAMPLE.org"),
        person(3, phone="+44 7700 900001"),
        person(4, first_name="asha1", postcode="NB12AB"),
        person(5),
    ]
    result = await import_file(write_csv(tmp_path / "m.csv", rows), dry_run=True)
    assert [(p.row, p.column) for p in result.problems] == [
        (2, "email"),
        (3, "phone"),
        (4, "first_name"),
    ]
    assert all("existing member" in p.message for p in result.problems)


async def test_real_import_is_all_or_nothing(db: Any, tmp_path: Path):
    path = write_csv(tmp_path / "m.csv", [person(1), person(2), person(3, postcode="X")])
    result = await import_file(path)
    assert result.imported == 0 and result.refused_rows == [4] and result.exit_code == 1
    assert await Member.count() == 0 and await Consent.count() == 0


async def test_valid_only_imports_exactly_the_valid_rows_with_consent(db: Any, tmp_path: Path):
    path = write_csv(
        tmp_path / "m.csv",
        [
            person(1),
            person(2, consent_given_at=""),
            person(3, preferred_contact="sms", ethnicity="black_caribbean"),
        ],
    )
    result = await import_file(path, valid_only=True)
    assert result.imported == 2 and result.refused_rows == [3] and result.exit_code == 1
    members = await Member.select().order_by(Member.first_name)
    assert [m["first_name"] for m in members] == ["Asha1", "Asha3"]
    first = members[0]
    assert (first["status"], first["source"], first["age_band"]) == ("active", "import", "45-54")
    assert first["email"] == "asha1@example.org" and first["phone"] == "+447700900001"
    assert first["postcode"] == "NB1 2AB"
    assert [m["ethnicity"] for m in members] == ["asian", "black"]  # bank code -> its group
    # Columns the file has no say in get the table's defaults (written by the bulk insert).
    assert (first["language"], first["contact_opt_in"], first["wants_thank_you"]) == (
        "en",
        True,
        True,
    )
    assert first["joined_at"] is not None and first["last_contacted_at"] is None
    consents = await Consent.select(
        Consent.member, Consent.purpose, Consent.wording_version, Consent.method
    ).order_by(Consent.id)
    by_member = {m["id"]: m["first_name"] for m in members}
    assert sorted((by_member[c["member"]], c["purpose"]) for c in consents) == [
        ("Asha1", "contact:email"),
        ("Asha1", "membership"),
        ("Asha3", "contact:sms"),
        ("Asha3", "membership"),
    ]
    assert {(c["wording_version"], c["method"]) for c in consents} == {("2026-01", "import")}


async def test_clean_file_imports_everything_with_exit_0(db: Any, tmp_path: Path):
    result = await import_file(write_csv(tmp_path / "m.csv", [person(1), person(2)], bom=True))
    assert result.imported == 2 and result.exit_code == 0
    assert await Member.count() == 2 and await Consent.count() == 4


async def test_xlsx_rows_are_numbered_as_the_spreadsheet_shows(db: Any, tmp_path: Path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(list(person(1).values()))
    sheet.append([None] * len(HEADER))  # an empty row 3 is skipped but still counted
    sheet.append(list(person(2, sex="unknown").values()))
    book.save(tmp_path / "m.xlsx")
    result = await import_file(tmp_path / "m.xlsx", dry_run=True)
    assert [(p.row, p.column) for p in result.problems] == [(4, "sex")]
    assert result.rows == 2


def test_bom_and_multiline_cells_keep_spreadsheet_row_numbers(tmp_path: Path):
    rows = [person(1, address_line1="Flat 2\nMill House"), person(2)]
    numbered = read_rows(write_csv(tmp_path / "m.csv", rows, bom=True))
    assert [n for n, _ in numbered] == [2, 3]
    assert numbered[0][1]["first_name"] == "Asha1"  # the BOM is not part of the first header


def test_wrong_header_and_bad_encoding_are_refused_whole(tmp_path: Path):
    bad_header = tmp_path / "h.csv"
    bad_header.write_text(",".join([*HEADER[:-1], "shoe_size"]) + "\n", encoding="utf-8")
    with pytest.raises(
        ImportFileError, match=r"unknown column.*shoe_size.*missing.*consent_wording"
    ):
        read_rows(bad_header)
    latin = tmp_path / "l.csv"
    latin.write_bytes((",".join(HEADER) + "\nJosé\n").encode("latin-1"))
    with pytest.raises(ImportFileError, match="not UTF-8"):
        read_rows(latin)


def test_cli_template_and_refused_header_exit_codes(tmp_path: Path):
    runner = CliRunner()
    out = runner.invoke(panel_group, ["import", "--template"])
    assert out.exit_code == 0 and out.output.strip() == ",".join(HEADER)
    bad = tmp_path / "h.csv"
    bad.write_text("name,email\n", encoding="utf-8")
    out = runner.invoke(panel_group, ["import", str(bad)])
    assert out.exit_code == 1
    assert "wrong header row" in out.output and "Nothing was imported" in out.output


def test_detailed_ethnic_codes_are_the_banks():
    bank = yaml.safe_load(Path("surveys/bank/equality-monitoring.yaml").read_text())
    question = next(
        q for page in bank["pages"] for q in page["questions"] if q["id"] == "ethnic_group"
    )
    assert {o["code"] for o in question["options"]} == BANK_ETHNIC_CODES
