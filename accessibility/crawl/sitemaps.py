"""Sitemaps and sitemap indexes (sitemaps.org protocol), parsed with lxml.

The parser refuses external entities and network access, so a hostile sitemap cannot make us
read local files or other hosts (XXE). Gzipped sitemaps (``sitemap.xml.gz``) are unpacked.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field

from lxml import etree

__all__ = ["Sitemap", "SitemapError", "parse_sitemap"]

_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
#: A sitemap may list at most 50,000 URLs and be 50 MB uncompressed (sitemaps.org).
MAX_BYTES = 50 * 1024 * 1024


class SitemapError(ValueError):
    """The document is not a sitemap we can read."""


@dataclass
class Sitemap:
    """Page URLs (``<urlset>``) and child sitemaps (``<sitemapindex>``) found in one document."""

    pages: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


def _locs(root: etree._Element, item: str) -> list[str]:
    out = []
    for element in root.iter(f"{_NS}{item}", item):
        loc = element.find(f"{_NS}loc")
        if loc is None:
            loc = element.find("loc")
        if loc is not None and loc.text and loc.text.strip():
            out.append(loc.text.strip())
    return out


def parse_sitemap(body: bytes) -> Sitemap:
    """Read a sitemap or a sitemap index (raises SitemapError for anything else)."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except OSError as error:
            raise SitemapError(f"bad gzip data: {error}") from None
    if len(body) > MAX_BYTES:
        raise SitemapError("sitemap is larger than the 50 MB the protocol allows")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as error:
        raise SitemapError(f"not well-formed XML: {error}") from None
    tag = etree.QName(root).localname
    if tag == "urlset":
        return Sitemap(pages=_locs(root, "url"))
    if tag == "sitemapindex":
        return Sitemap(children=_locs(root, "sitemap"))
    raise SitemapError(f"root element is <{tag}>, not <urlset> or <sitemapindex>")
