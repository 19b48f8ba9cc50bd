"""Canonical JSON and content hashes, so two uploads of the same survey are
recognisably the same version however their YAML was laid out."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(data: Any) -> str:
    """Sorted keys, no insignificant whitespace, UTF-8 text kept as is.

    Key order and YAML formatting carry no meaning in a definition, so they
    must not change the hash; list order (pages, questions, options) does.
    """
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def content_hash(data: Any) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``data``."""
    digest = hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()
    return f"sha256:{digest}"
