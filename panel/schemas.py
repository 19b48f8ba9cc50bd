"""Request bodies of the panel JSON API, typed so OpenAPI describes them.

The values are still checked by the same parser as the staff form (`panel.sample_requests`),
which names each bad field; these types only say what a client may send.
"""

from __future__ import annotations

from typing import Any, TypedDict


class SampleRequestBody(TypedDict, total=False):
    """`POST /api/panel/samples`: every key is optional (a simple random draw of `size`)."""

    size: int
    method: str  # random | stratified | quota
    quotas: list[dict[str, Any]]  # [{dimension, group, min, max}]
    stratify: list[str] | str
    rules: dict[str, Any]
    seed: int
