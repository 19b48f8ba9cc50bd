"""Importing panel members from a CSV or .xlsx file (`resident-voice panel import`).

Every problem is reported by spreadsheet row number (header row 1, first member row 2) and
column, so the person who prepared the file can fix it there. A real import is one
transaction: all rows or none, or with `valid_only` exactly the valid rows. Rows are written
with bulk inserts because councils bring tens of thousands of members at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from piccolo.table import Table

from panel.demographics import DISABILITY, ETHNIC_GROUPS, SEXES
from panel.duplicates import keys, normalise_phone
from panel.services import CHANNELS, CONTACT_FIELDS, age_band, new_reference
from panel.tables import Consent, Member
from service import audit

HEADER = [
    *CONTACT_FIELDS,
    "preferred_contact",
    "date_of_birth",
    "sex",
    "ethnicity",
    "disability",
    "consent_given_at",
    "consent_wording_version",
]
#: The panel's equality codes (what `panel.demographics` stores); blank is allowed.
CODES = {
    "sex": {*SEXES, "prefer_not_to_say"},
    "ethnicity": {*ETHNIC_GROUPS, "prefer_not_to_say"},
    "disability": {*DISABILITY, "prefer_not_to_say"},
}
#: The 19 detailed ethnic-group codes of the bank's equality-monitoring question (2021 Census
#: categories). Member.ethnicity holds the five high-level groups that samples and weights
#: use, so a detailed code is stored as its group (the part before the first underscore).
BANK_ETHNIC_CODES = frozenset(
    [
        "white_british",
        "white_irish",
        "white_gypsy_irish_traveller",
        "white_roma",
        "white_other",
        "mixed_white_black_caribbean",
        "mixed_white_black_african",
        "mixed_white_asian",
        "mixed_other",
        "asian_indian",
        "asian_pakistani",
        "asian_bangladeshi",
        "asian_chinese",
        "asian_other",
        "black_caribbean",
        "black_african",
        "black_other",
        "other_arab",
        "other_any",
    ]
)
# UK postcode shape (outward code, space optional, inward code); GIR 0AA is the one oddity.
_POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")
_BATCH = 500


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, header, format): nothing is imported."""


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


@dataclass
class ImportResult:
    rows: int
    problems: list[Problem]
    refused_rows: list[int]
    imported: int = 0
    dry_run: bool = False
    valid: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def exit_code(self) -> int:
        """0 only when something was imported and nothing refused."""
        return 0 if self.imported > 0 and not self.refused_rows else 1


def template() -> str:
    return ",".join(HEADER)


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, values by column) for each non-empty member row."""
    if path.suffix.lower() == ".xlsx":
        table = _xlsx_rows(path)
    else:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ImportFileError(
                f"{path.name} is not UTF-8 text (byte {error.start}); save it as "
                "'CSV UTF-8' and try again"
            ) from None
        table = list(csv.reader(io.StringIO(text, newline="")))
    if not table:
        raise ImportFileError(f"{path.name} is empty: the first row must be the header")
    header = [h.strip() for h in table[0]]
    while header and header[-1] == "":
        header.pop()
    unknown = [h for h in header if h not in HEADER]
    missing = [h for h in HEADER if h not in header]
    if unknown or missing or len(set(header)) != len(header):
        parts = []
        if unknown:
            parts.append("unknown column(s): " + ", ".join(repr(h) for h in unknown))
        if missing:
            parts.append("missing column(s): " + ", ".join(missing))
        if len(set(header)) != len(header):
            parts.append("a column appears twice")
        raise ImportFileError("wrong header row: " + "; ".join(parts) + ". Expected: " + template())
    rows = []
    for number, values in enumerate(table[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        rows.append(
            (
                number,
                {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)},
            )
        )
    return rows


def _xlsx_rows(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise ImportFileError(f"{path.name} is not a readable .xlsx workbook: {error}") from None
    sheet = book.worksheets[0]
    table = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return table


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _name_key(first: str, last: str, postcode: str) -> tuple[str, str, str]:
    return (first.casefold(), last.casefold(), postcode.replace(" ", "").upper())


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None


def _check_row(number: int, raw: dict[str, str], today: dt.date) -> tuple[dict, list[Problem]]:
    problems: list[Problem] = []

    def bad(column: str, message: str) -> None:
        problems.append(Problem(number, column, message))

    row: dict[str, Any] = {}
    for column in ("first_name", "last_name"):
        if not raw[column]:
            bad(column, "missing")
        row[column] = raw[column]
    row["email"] = None
    if raw["email"]:
        try:
            row["email"] = validate_email(raw["email"], check_deliverability=False).normalized
        except EmailNotValidError as error:
            bad("email", f"invalid email address: {error}")
    row["phone"] = None
    if raw["phone"]:
        row["phone"] = normalise_phone(raw["phone"])
        if row["phone"] is None:
            bad("phone", f"invalid phone number {raw['phone']!r}")
    postcode = raw["postcode"].upper()
    if postcode and not _POSTCODE.match(postcode):
        bad("postcode", f"not a UK postcode: {raw['postcode']!r}")
    elif postcode:
        compact = postcode.replace(" ", "")
        postcode = f"{compact[:-3]} {compact[-3:]}"
    row["postcode"] = postcode
    row["address_line1"], row["town"] = raw["address_line1"], raw["town"]
    channel = raw["preferred_contact"].lower()
    if channel not in CHANNELS:
        bad("preferred_contact", f"must be one of {', '.join(CHANNELS)}")
    elif channel == "email" and not raw["email"]:
        bad("email", "missing, but preferred_contact is email")
    elif channel in ("sms", "phone") and not raw["phone"]:
        bad("phone", f"missing, but preferred_contact is {channel}")
    elif channel == "post" and not (raw["address_line1"] and postcode):
        bad("address_line1", "address and postcode needed when preferred_contact is post")
    row["preferred_contact"] = channel
    row["date_of_birth"], row["age_band"] = None, ""
    if raw["date_of_birth"]:
        born = _date(raw["date_of_birth"])
        if born is None or born > today:
            bad("date_of_birth", f"not a past date as YYYY-MM-DD: {raw['date_of_birth']!r}")
        else:
            row["date_of_birth"], row["age_band"] = born, age_band(born, today)
    for column, codes in CODES.items():
        value = raw[column]
        if column == "ethnicity" and value in BANK_ETHNIC_CODES:
            value = value.split("_", 1)[0]
        if value and value not in codes:
            bad(column, f"unknown code {value!r} (one of {', '.join(sorted(codes))})")
        row[column] = value
    given = _date(raw["consent_given_at"]) if raw["consent_given_at"] else None
    if not raw["consent_given_at"]:
        bad("consent_given_at", "missing: without consent the row is refused")
    elif given is None or given > today:
        bad("consent_given_at", f"not a past date as YYYY-MM-DD: {raw['consent_given_at']!r}")
    row["consent_given_at"] = (
        dt.datetime.combine(given, dt.time(), tzinfo=dt.UTC) if given else None
    )
    if not raw["consent_wording_version"]:
        bad("consent_wording_version", "missing")
    row["consent_version"] = raw["consent_wording_version"]
    return row, problems


async def _existing_keys() -> tuple[set[str], set[str], set[tuple[str, str, str]]]:
    members = await Member.select(
        Member.email, Member.phone, Member.first_name, Member.last_name, Member.postcode
    )
    emails, phones, names = set(), set(), set()
    for m in members:
        if m["email"]:
            emails.add(m["email"].strip().casefold())
        if m["phone"]:
            phones.add(normalise_phone(m["phone"]) or m["phone"])
        if m["postcode"]:
            names.add(_name_key(m["first_name"], m["last_name"], m["postcode"]))
    return emails, phones, names


async def check(rows: Iterable[tuple[int, dict[str, str]]]) -> ImportResult:
    """Every problem in the rows (including duplicates of members and of other rows)."""
    today = dt.date.today()
    emails, phones, names = await _existing_keys()
    seen: dict[Any, int] = {}
    problems: list[Problem] = []
    valid, refused, count = [], [], 0
    for number, raw in rows:
        count += 1
        row, row_problems = _check_row(number, raw, today)
        keys: list[tuple[str, Any, set[Any]]] = [
            ("email", row["email"] and row["email"].casefold(), emails),
            ("phone", row["phone"], phones),
            (
                "name",
                _name_key(row["first_name"], row["last_name"], row["postcode"])
                if row["postcode"]
                else None,
                names,
            ),
        ]
        for column, key, existing in keys:
            if not key:
                continue
            label = "first_name" if column == "name" else column
            what = "name and postcode" if column == "name" else column
            if key in existing:
                row_problems.append(
                    Problem(number, label, f"duplicate {what} of an existing member")
                )
            elif (column, key) in seen:
                row_problems.append(
                    Problem(number, label, f"duplicate {what} of row {seen[(column, key)]}")
                )
            else:
                seen[(column, key)] = number
        if row_problems:
            problems.extend(row_problems)
            refused.append(number)
        else:
            valid.append(row)
    return ImportResult(rows=count, problems=problems, refused_rows=refused, valid=valid)


async def import_file(
    path: Path, *, dry_run: bool = False, valid_only: bool = False, by: Any = None
) -> ImportResult:
    """Check the file and, unless it is a dry run, import it in one transaction.

    `by` is the signed-in staff user for the audit log (None: the command line).

    Without `valid_only` any problem means nothing is imported. ImportFileError when the
    file as a whole is unreadable.
    """
    result = await check(read_rows(path))
    result.dry_run = dry_run
    if dry_run or not result.valid or (result.problems and not valid_only):
        return result
    result.imported = await _insert(result.valid, by)
    return result


async def _insert(rows: list[dict[str, Any]], by: Any = None) -> int:
    async with Member._meta.db.transaction():
        taken = {r["reference"] for r in await Member.select(Member.reference)}
        for row in rows:
            row["reference"] = new_reference()
            while row["reference"] in taken:
                row["reference"] = new_reference()
            taken.add(row["reference"])
        await _bulk_insert(
            Member,
            [{**row, **keys(row), "status": "active", "source": "import"} for row in rows],
        )
        ids = {
            r["reference"]: r["id"]
            for r in await Member.select(Member.id, Member.reference).where(
                Member.source == "import"
            )
        }
        await _bulk_insert(
            Consent,
            [
                {
                    "member": ids[row["reference"]],
                    "purpose": purpose,
                    "wording_version": row["consent_version"],
                    "given_at": row["consent_given_at"],
                    "method": "import",
                }
                for row in rows
                for purpose in ("membership", f"contact:{row['preferred_contact']}")
            ],
        )
        # In the same transaction: an import that rolls back leaves no record, and no import
        # is committed without one.
        await audit.record(
            by, "change", "panel import", detail=f"{len(rows)} members added with contact details"
        )
    return len(rows)


async def _bulk_insert(table: type[Table], rows: list[dict[str, Any]]) -> None:
    """Multi-row INSERTs written once, with the table's Piccolo defaults for absent columns.

    Piccolo's `insert(*objects)` builds a Table object and a query string per row: two thirds
    of the time of a 50,000-member import. This sends the same values as parameters.
    """
    columns = [c for c in table._meta.columns if not c._meta.primary_key]
    defaults = {}
    for column in columns:
        default = column.get_default_value()
        defaults[column._meta.name] = default.python() if hasattr(default, "python") else default
    names = ", ".join(f'"{c._meta.db_column_name}"' for c in columns)
    one = "(" + ", ".join(["{}"] * len(columns)) + ")"
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        values = [row.get(c._meta.name, defaults[c._meta.name]) for row in batch for c in columns]
        # Only the table's own identifiers are formatted in; every value is a parameter.
        sql = f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES '  # noqa: S608
        await table.raw(sql + ", ".join([one] * len(batch)), *values)
