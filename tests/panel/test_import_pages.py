"""The imports staff page: upload, dry-run report by row and column, then import."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from panel.imports import HEADER
from panel.tables import Member
from service.tables import AuditEvent
from tests.conftest import csrf_token, post_form
from tests.panel.test_imports import person

pytestmark = pytest.mark.db


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


async def upload(client: Any, content: bytes, name: str = "members.csv") -> Any:
    return await client.post(
        "/staff/panel/imports",
        data={"_csrf_token": await csrf_token(client)},
        files={"file": (name, content, "text/csv")},
    )


async def test_dry_run_then_valid_rows_only(client: Any, staff_login: Any) -> None:
    assert (await client.get("/staff/panel/imports")).status_code == 401
    user = await staff_login(client, "panel_manager")
    form = await client.get("/staff/panel/imports")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    template = await client.get("/staff/panel/imports/template.csv")
    assert template.text.strip() == ",".join(HEADER)

    checked = await upload(
        client, csv_bytes([person(1), person(2, postcode="NOT A CODE"), person(3)])
    )
    assert checked.status_code == 200, checked.text[:500]
    assert "3 rows: 2 valid, 1 with problems" in checked.text
    assert re.search(r">3</td>\s*<td[^>]*><code>postcode</code>", checked.text)
    assert await Member.count() == 0  # a dry run changes nothing
    action = re.search(r'action="(/staff/panel/imports/[^"]+)"', checked.text)
    assert action and "Import the 2 valid rows" in checked.text

    done = await post_form(client, action.group(1), {"mode": "valid_only"})
    assert done.status_code == 200 and "Imported 2 members" in done.text
    assert await Member.count() == 2
    again = await post_form(client, action.group(1), {"mode": "valid_only"})
    assert again.status_code == 404  # the upload is gone once imported
    log = await AuditEvent.select().where(AuditEvent.subject == "panel import").first()
    assert (log["action"], log["staff_email"]) == ("change", user.email)


async def test_all_or_nothing_imports_nothing_when_a_row_is_bad(
    client: Any, staff_login: Any
) -> None:
    await staff_login(client, "panel_manager")
    checked = await upload(client, csv_bytes([person(1), person(2, email="nope")]))
    action = re.search(r'action="(/staff/panel/imports/[^"]+)"', checked.text)
    assert action
    done = await post_form(client, action.group(1), {"mode": "all"})
    assert "Nothing was imported" in done.text and await Member.count() == 0


async def test_a_wrong_header_or_file_type_is_refused_and_named(
    client: Any, staff_login: Any
) -> None:
    await staff_login(client, "panel_manager")
    wrong = await upload(client, b"name,email\nA,a@example.org\n")
    assert wrong.status_code == 400 and "wrong header row" in wrong.text
    assert "missing column(s)" in wrong.text
    typed = await upload(client, b"hello", name="members.txt")
    assert typed.status_code == 400 and ".csv or .xlsx" in typed.text
    assert await Member.count() == 0
