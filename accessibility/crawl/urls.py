"""URL normalisation and the crawl's scope.

Two spellings of one address (``HTTP://Example.org:80/a/./b?utm_source=x#top`` and
``http://example.org/a/b``) must be one page, or the crawl audits it twice and the report
counts its problems twice. Normalising is deliberately conservative: it never changes what a
server would return (no lower-casing of paths, no dropping of ordinary query parameters).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

__all__ = ["Scope", "normalise_url", "origin"]

#: Query parameters that only track campaigns; they never change a page's content.
TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|gclid|fbclid|mc_[a-z]+|_ga)$", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _clean_path(path: str) -> str:
    if not path:
        return "/"
    trailing = path.endswith("/")
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    if trailing and cleaned != "/":
        cleaned += "/"
    return cleaned


def normalise_url(url: str, base: str | None = None) -> str | None:
    """The canonical form of ``url`` (resolved against ``base``), or None if not http(s).

    Lower-cases scheme and host, drops default ports, fragments and tracking parameters,
    resolves ``.``/``..`` segments and sorts the query so parameter order does not matter.
    """
    url = url.strip()
    if base is not None:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(
        sorted(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not TRACKING_PARAMS.match(k)
        )
    )
    return urlunsplit((scheme, netloc, _clean_path(parts.path), query, ""))


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a normalised URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Scope:
    """Which URLs belong to the site being audited.

    A URL is in scope when it has the origin of one of the start URLs, matches one of the
    ``include`` patterns (when there are any) and none of the ``exclude`` patterns. Patterns
    are regular expressions searched in the URL's path and query (``/news/``, ``\\.aspx$``).
    """

    origins: set[str]
    include: list[re.Pattern[str]] = field(default_factory=list)
    exclude: list[re.Pattern[str]] = field(default_factory=list)

    @classmethod
    def for_urls(
        cls,
        start_urls: Sequence[str],
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
    ) -> Scope:
        """Scope from the start URLs' origins; raises ValueError naming a bad pattern."""
        origins = set()
        for url in start_urls:
            normal = normalise_url(url)
            if normal is None:
                raise ValueError(f"start URL {url!r} is not an http(s) URL")
            origins.add(origin(normal))
        return cls(origins, _compile(include, "include"), _compile(exclude, "exclude"))

    def contains(self, url: str) -> bool:
        """Is the (normalised) URL part of the site?"""
        if origin(url) not in self.origins:
            return False
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if self.include and not any(p.search(target) for p in self.include):
            return False
        return not any(p.search(target) for p in self.exclude)


def _compile(patterns: Sequence[str], name: str) -> list[re.Pattern[str]]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as error:
            message = f"{name} pattern {pattern!r} is not a valid regular expression: {error}"
            raise ValueError(message) from None
    return compiled
