"""Stable fingerprints: the same problem gets the same id on every page and in every run.

A fingerprint is a hash of the rule, the element's selector with the parts that vary between
pages taken out, and the page's template. So a missing label in the site's search box is one
issue "on 300 pages", not 300 issues; and next month's run recognises it as the same issue
(still present, fixed, or back again).

The *template* is the page's skeleton — the landmarks (header, nav, main, footer…) with their
ids and classes, and the body's top-level elements — rather than its URL: pages a CMS renders
from one template share a skeleton whatever their addresses. When the skeleton cannot be read
(the page never answered), the URL's shape stands in (``/news/2024/bins`` → ``/news/N/*``).
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

__all__ = [
    "TEMPLATE_JS",
    "fingerprint",
    "normalise_selector",
    "template_from_skeleton",
    "template_from_url",
]

#: Read the page's skeleton in one round trip; digits are masked so ids like ``item-42`` match.
TEMPLATE_JS = """
() => {
  const norm = s => String(s || '').replace(/[0-9]+/g, 'N').trim();
  const sig = el => {
    if (!el) return '';
    let out = el.tagName.toLowerCase();
    if (el.id) out += '#' + norm(el.id);
    const classes = Array.from(el.classList || []).map(norm).sort();
    if (classes.length) out += '.' + classes.join('.');
    const role = el.getAttribute('role');
    if (role) out += '[' + role + ']';
    return out;
  };
  const landmarks = document.querySelectorAll(
    'header, nav, main, footer, aside, [role=banner], [role=navigation], [role=main], ' +
    '[role=contentinfo], [role=complementary], [role=search]');
  const parts = Array.from(landmarks).slice(0, 40).map(el => sig(el) + '<' + sig(el.parentElement));
  const body = document.body;
  const top = body ? Array.from(body.children).slice(0, 40).map(sig).join(',') : '';
  parts.push('body:' + top);
  return parts.join('|');
}
"""

_POSITIONAL = re.compile(
    r":nth-(?:last-)?(?:child|of-type)\([^)]*\)|:(?:first|last|only)-(?:child|of-type)"
)
_ATTRIBUTE_VALUE = re.compile(r"\[([\w:-]+)\s*[~|^$*]?=\s*(?:\"[^\"]*\"|'[^']*'|[^\]]*)\]")
_DIGITS = re.compile(r"\d+")
_SEGMENT_ID = re.compile(r"^(\d+|[0-9a-f]{8,}|[0-9a-f-]{32,36})$", re.IGNORECASE)


def normalise_selector(selector: str) -> str:
    """Remove what differs between pages of one template: positions, numbers, attribute values.

    ``#main > ul:nth-child(3) > li:nth-child(12) > a[href="/bins/42"]`` and
    ``#main > ul:nth-child(2) > li:nth-child(1) > a[href="/parking/7"]`` both become
    ``#main > ul > li > a[href]``.
    """
    text = _POSITIONAL.sub("", selector)
    text = _ATTRIBUTE_VALUE.sub(r"[\1]", text)
    text = _DIGITS.sub("N", text)
    return " ".join(text.split())


def template_from_skeleton(skeleton: str) -> str:
    """A short id for a page skeleton read with :data:`TEMPLATE_JS`."""
    return "t-" + hashlib.sha256(skeleton.encode()).hexdigest()[:12]


def template_from_url(url: str) -> str:
    """The URL's shape: ids and numbers masked, the last segment a wildcard below the root."""
    path = urlsplit(url).path or "/"
    segments = [s for s in path.split("/") if s]
    masked = ["N" if _SEGMENT_ID.match(s) else s for s in segments]
    if len(masked) > 1:
        masked[-1] = "*"
    return "u-/" + "/".join(masked)


def fingerprint(rule: str, selector: str, template: str) -> str:
    """The stable id of one problem: rule + normalised selector + page template."""
    key = "\x1f".join((rule, normalise_selector(selector), template))
    return hashlib.sha256(key.encode()).hexdigest()[:20]
