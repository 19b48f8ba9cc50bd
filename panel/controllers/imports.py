"""The imports staff page: upload a CSV or .xlsx, see the dry run's report by row and column,
then import (all or nothing, or the valid rows only). A thin wrapper over `panel.imports`,
which the `resident-voice panel import` command uses too.

Between the dry run and the import the upload waits in a private temporary folder under an
unguessable name (0600), and is deleted when imported or after `STASH_MAX_AGE_S`.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Response, Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_404_NOT_FOUND

from panel.controllers.staff import panel_staff
from panel.imports import HEADER, ImportFileError, ImportResult, import_file, template
from service.security import new_token

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
STASH_MAX_AGE_S = 3600
_STASH_NAME = re.compile(r"^[A-Za-z0-9_-]{43}\.(csv|xlsx)$")


def stash_dir() -> Path:
    path = Path(tempfile.gettempdir()) / "resident-voice-imports"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def _clean_stash() -> None:
    cutoff = time.time() - STASH_MAX_AGE_S
    for old in stash_dir().iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def _stash(raw: bytes, suffix: str) -> str:
    name = f"{new_token()}.{suffix}"
    descriptor = os.open(stash_dir() / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(raw)
    return name


def _stashed(name: str) -> Path | None:
    if not _STASH_NAME.match(name):
        return None
    path = stash_dir() / name
    return path if path.is_file() else None


def _report(result: ImportResult) -> dict[str, Any]:
    refused = len(result.refused_rows)
    return {
        "rows": result.rows,
        "valid": result.rows - refused,
        "refused": refused,
        "problems": [
            {"row": p.row, "column": p.column, "message": p.message} for p in result.problems
        ],
        "imported": result.imported,
    }


class ImportPages(Controller):
    path = "/staff/panel/imports"
    guards = [panel_staff]  # noqa: RUF012
    include_in_schema = False

    def _page(
        self,
        *,
        error: str | None = None,
        report: dict[str, Any] | None = None,
        upload: str = "",
        filename: str = "",
        done: bool = False,
        status_code: int = HTTP_200_OK,
    ) -> Template:
        return Template(
            "panel/imports.html",
            context={
                "header": HEADER,
                "error": error,
                "has_errors": bool(error),
                "report": report,
                "upload": upload,
                "filename": filename,
                "done": done,
            },
            status_code=status_code,
        )

    @get("/")
    async def form(self) -> Template:
        return self._page()

    @get("/template.csv")
    async def template_csv(self) -> Response[str]:
        return Response(
            template() + "\r\n",
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="panel-import-template.csv"'},
        )

    @post("/", status_code=HTTP_200_OK, request_max_body_size=MAX_UPLOAD_BYTES + 64 * 1024)
    async def check(self, request: Request[Any, Any, Any]) -> Template:
        """Keep the upload and show the dry run's report; nothing is imported yet."""
        _clean_stash()
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return self._page(
                error="Choose a CSV or Excel (.xlsx) file", status_code=HTTP_400_BAD_REQUEST
            )
        suffix = Path(upload.filename).suffix.lower().lstrip(".")
        raw = await upload.read(MAX_UPLOAD_BYTES + 1)
        await upload.close()
        if suffix not in ("csv", "xlsx"):
            return self._page(
                error="The file must be a .csv or .xlsx file", status_code=HTTP_400_BAD_REQUEST
            )
        if not raw:
            return self._page(error=f"{upload.filename} is empty", status_code=HTTP_400_BAD_REQUEST)
        if len(raw) > MAX_UPLOAD_BYTES:
            return self._page(
                error="The file must be smaller than 20 MB", status_code=HTTP_400_BAD_REQUEST
            )
        name = _stash(raw, suffix)
        try:
            result = await import_file(stash_dir() / name, dry_run=True)
        except ImportFileError as error:
            (stash_dir() / name).unlink(missing_ok=True)
            return self._page(
                error=f"{upload.filename}: {error}. Nothing was imported.",
                status_code=HTTP_400_BAD_REQUEST,
            )
        return self._page(report=_report(result), upload=name, filename=upload.filename)

    @post("/{upload:str}", status_code=HTTP_200_OK)
    async def run(self, request: Request[Any, Any, Any], upload: str) -> Template:
        """Import the checked file: all or nothing, or with `mode=valid_only` the valid rows."""
        path = _stashed(upload)
        if path is None:
            return self._page(
                error="That upload has expired or was already imported: upload the file again",
                status_code=HTTP_404_NOT_FOUND,
            )
        form = await request.form()
        valid_only = form.get("mode") == "valid_only"
        try:
            result = await import_file(path, valid_only=valid_only, by=request.user)
        except ImportFileError as error:
            return self._page(
                error=f"{error}. Nothing was imported.", status_code=HTTP_400_BAD_REQUEST
            )
        if result.imported:
            path.unlink(missing_ok=True)
        return self._page(
            report=_report(result), done=True, upload="" if result.imported else upload
        )
