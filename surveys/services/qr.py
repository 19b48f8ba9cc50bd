"""QR codes for survey links, for letters and posters (segno: pure Python, well kept)."""

from __future__ import annotations

import io

import segno


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """A PNG QR code for `url`, with error correction M (survives a creased letter)."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_svg(url: str, *, title: str = "") -> bytes:
    """An SVG QR code for `url`; `title` becomes its accessible name when embedded."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", scale=8, border=4, title=title or None, xmldecl=False
    )
    return buffer.getvalue()
