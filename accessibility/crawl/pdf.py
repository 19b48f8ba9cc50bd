"""Checks on PDF documents linked from the site, with pypdf.

The browser never opens a PDF, yet councils publish many (agendas, forms, plans) and the
regulations cover them. We check what can be known from the file itself:

- tagged (``/MarkInfo /Marked true`` and a structure tree): without tags a screen reader gets
  a flat stream of text, or nothing (WCAG 1.3.1);
- a title in the document information or XMP metadata, and ``DisplayDocTitle`` so readers
  show it instead of the file name (WCAG 2.4.2);
- the document's language (``/Lang``) so a screen reader speaks it correctly (WCAG 3.1.1);
- some extractable text: a scanned image with no text layer cannot be read aloud (1.1.1).
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, field
from typing import Any, cast

from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import DictionaryObject

__all__ = ["PdfCheck", "check_pdf"]


@dataclass
class PdfCheck:
    """What we found in one PDF; ``problems`` are messages a web editor can act on."""

    tagged: bool = False
    title: str | None = None
    displays_title: bool = False
    language: str | None = None
    pages: int = 0
    has_text: bool = False
    problems: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _problem(rule: str, wcag: str, level: str, message: str) -> dict[str, Any]:
    return {"rule": rule, "wcag": [wcag], "level": level, "message": message}


def check_pdf(body: bytes) -> PdfCheck:
    """Check one PDF's accessibility basics; an unreadable file is reported, not raised."""
    result = PdfCheck()
    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                result.error = "the PDF is encrypted and cannot be opened without a password"
                result.problems.append(
                    _problem(
                        "pdf-encrypted",
                        "1.3.1",
                        "A",
                        "This PDF is locked with a "
                        "password, so assistive technology may not be able to read it.",
                    )
                )
                return result
        catalog = cast(DictionaryObject, reader.trailer["/Root"].get_object())
        mark_info = catalog.get("/MarkInfo")
        marked = bool(mark_info and cast(DictionaryObject, mark_info.get_object()).get("/Marked"))
        result.tagged = marked and "/StructTreeRoot" in catalog
        lang = catalog.get("/Lang")
        result.language = str(lang).strip() or None if lang is not None else None
        prefs = catalog.get("/ViewerPreferences")
        if prefs is not None:
            viewer = cast(DictionaryObject, prefs.get_object())
            result.displays_title = bool(viewer.get("/DisplayDocTitle"))
        title = reader.metadata.title if reader.metadata else None
        if not title and reader.xmp_metadata is not None:
            titles = reader.xmp_metadata.dc_title or {}
            title = next(iter(titles.values()), None) if titles else None
        result.title = (str(title).strip() or None) if title else None
        result.pages = len(reader.pages)
        for page in list(reader.pages)[:3]:
            if (page.extract_text() or "").strip():
                result.has_text = True
                break
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as error:
        result.error = f"the PDF could not be read: {type(error).__name__}: {error}"[:300]
        result.problems.append(
            _problem(
                "pdf-unreadable",
                "4.1.1",
                "A",
                "This PDF could not be opened; check the file is a valid PDF.",
            )
        )
        return result
    if not result.tagged:
        result.problems.append(
            _problem(
                "pdf-untagged",
                "1.3.1",
                "A",
                "This PDF is not tagged, so screen readers cannot tell headings, lists and tables "
                "apart. Export it again with tags switched on, or publish it as a web page.",
            )
        )
    if not result.title:
        result.problems.append(
            _problem(
                "pdf-title",
                "2.4.2",
                "A",
                "This PDF has no title in its document properties. Add a title that says what the "
                "document is.",
            )
        )
    elif not result.displays_title:
        result.problems.append(
            _problem(
                "pdf-display-title",
                "2.4.2",
                "A",
                "This PDF has a title but readers will show its file name instead. Set the "
                "document to show its title in the window (DisplayDocTitle).",
            )
        )
    if not result.language:
        result.problems.append(
            _problem(
                "pdf-language",
                "3.1.1",
                "A",
                "This PDF does not say what language it is in, so screen readers may read it with "
                "the wrong pronunciation. Set the document language.",
            )
        )
    if result.pages and not result.has_text:
        result.problems.append(
            _problem(
                "pdf-no-text",
                "1.1.1",
                "A",
                "No text could be found in this PDF: it may be a scanned image. Screen readers "
                "cannot read it; provide the text (OCR it, or publish it as a web page).",
            )
        )
    return result
