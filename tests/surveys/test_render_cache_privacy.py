"""The render cache holds no resident's answers.

Before: every rendered question page was kept in process memory keyed by the resident's
answers so far, with those answers pre-filled in the HTML (special-category ones included).
Now only pages of residents who have answered nothing are kept.
"""

from __future__ import annotations

from typing import Any

from surveys.controllers import render_cache
from tests.conftest import post_form
from tests.surveys.conftest import new_link, store_bank


async def test_pages_showing_answers_are_never_cached(client: Any) -> None:
    render_cache._PAGES.clear()
    await store_bank("resident-satisfaction")
    token = await new_link("resident-satisfaction")
    first = await client.get(f"/s/{token}/page/local_area")
    assert first.status_code == 200
    assert len(render_cache._PAGES) == 1  # a page with nothing answered yet is kept
    saved = await post_form(
        client, f"/s/{token}/page/local_area", {"area_satisfaction": "very_satisfied"}
    )
    assert saved.status_code == 303
    again = await client.get(f"/s/{token}/page/local_area")
    assert again.status_code == 200 and "checked" in again.text  # the answer is shown…
    nxt = await client.get(f"/s/{token}/page/council_runs_things")
    assert nxt.status_code == 200
    # …but it is not kept: neither in a key nor in a kept page.
    assert all("very_satisfied" not in repr(key) for key in render_cache._PAGES)
    assert not any("checked" in page for page in render_cache._PAGES.values())
    assert len(render_cache._PAGES) == 1
