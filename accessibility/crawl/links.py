"""Link extraction from HTML with lxml: every ``<a href>`` (and ``<area href>``) target.

lxml's HTML parser copes with the broken markup real sites serve; ``<base href>`` is
honoured, and links marked ``rel="nofollow"`` are still recorded (they can be broken too).
"""

from __future__ import annotations

from lxml import html as lxml_html

from accessibility.crawl.urls import normalise_url

__all__ = ["extract_links"]


def extract_links(body: bytes | str, base_url: str) -> list[str]:
    """Normalised absolute http(s) URLs the page links to, in document order, de-duplicated."""
    if not body or (isinstance(body, bytes) and not body.strip()):
        return []
    try:
        document = lxml_html.document_fromstring(body)
    except Exception:  # lxml raises ParserError/ValueError for empty or odd documents
        return []
    base = base_url
    for element in document.iter("base"):
        href = element.get("href")
        if href:
            base = normalise_url(href, base_url) or base_url
            break
    seen: dict[str, None] = {}
    for element in document.iter("a", "area"):
        href = element.get("href")
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        normal = normalise_url(href, base)
        if normal is not None:
            seen.setdefault(normal, None)
    return list(seen)
