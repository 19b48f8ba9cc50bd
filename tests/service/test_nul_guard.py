"""U+0000 in a path, query, JSON/YAML body or form is refused before any handler runs.

PostgreSQL cannot store it in text: before `service.nul_guard`, a slug, member reference, site
name or answer holding one answered 500 on PostgreSQL (each case here did; SQLite stored it).
"""

from __future__ import annotations

import json
from typing import Any

from accessibility.tables import Site
from surveys.tables import Survey, SurveyLink, SurveyResponse
from tests.conftest import csrf_token
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS, store_bank

SLUG = "resident-satisfaction"


async def _post(client: Any, url: str, body: bytes, content_type: str) -> Any:
    token = await csrf_token(client)
    return await client.post(
        url, content=body, headers={"x-csrftoken": token, "content-type": content_type}
    )


def _fields(answer: Any) -> list[str]:
    return [e["path"] for e in answer.json()["errors"]]


async def test_nul_in_paths_and_queries(client: Any, staff_login: Any) -> None:
    await store_bank(SLUG)
    await staff_login(client, "admin")
    for url in ("/api/surveys/a%00b", f"/api/surveys/a%00{SLUG}/fieldwork"):
        answer = await client.get(url)
        assert answer.status_code == 404, (url, answer.text)
        assert _fields(answer) == ["path"]
    answer = await client.get(f"/api/surveys/{SLUG}/export?mode=pa%00per&reason=ok")
    assert answer.status_code == 400 and _fields(answer) == ["mode"], answer.text
    assert (await client.get(f"/api/surveys/{SLUG}/export?reason=ok")).status_code == 200


async def test_nul_in_json_and_yaml_bodies_stores_nothing(client: Any, staff_login: Any) -> None:
    await store_bank(SLUG)
    await staff_login(client, "admin")
    answers = RESIDENT_SATISFACTION_ANSWERS
    cases = [
        (
            f"/api/surveys/{SLUG}/links",
            {"member_references": ["P-1", "P-\u0000"]},
            "member_references[1]",
        ),
        (
            f"/api/surveys/{SLUG}/responses",
            {"mode": "paper", "answers": answers, "member_reference": "P\u0000"},
            "member_reference",
        ),
        (
            f"/api/surveys/{SLUG}/responses",
            {"mode": "paper", "answers": answers, "lang": "e\u0000"},
            "lang",
        ),
        (
            "/api/accessibility/sites",
            {"name": "Li\u0000braries", "start_urls": ["https://libraries.example.gov.uk/"]},
            "name",
        ),
    ]
    for url, body, field in cases:
        answer = await _post(client, url, json.dumps(body).encode(), "application/json")
        assert answer.status_code == 400, (url, answer.text)
        assert _fields(answer) == [field], (url, answer.text)
    yaml_body = b'slug: nul-survey\ntitle: "Bins\\0"\n'
    answer = await _post(client, "/api/surveys", yaml_body, "application/yaml")
    assert answer.status_code == 400 and _fields(answer) == ["title"], answer.text
    assert await SurveyLink.count() == 0
    assert await SurveyResponse.count() == 0
    assert await Site.count() == 0
    assert await Survey.count() == 1
    # a backslash then "u0000" is ordinary text, not U+0000: the handler sees it (no such member)
    literal = {"mode": "paper", "answers": answers, "member_reference": "P-\\u0000"}
    body = json.dumps(literal).encode()
    assert b"\\\\u0000" in body
    answer = await _post(client, f"/api/surveys/{SLUG}/responses", body, "application/json")
    assert answer.status_code == 404 and _fields(answer) == ["member_reference"], answer.text


async def test_nul_in_a_form_field(client: Any) -> None:
    token = await csrf_token(client)
    answer = await client.post(
        "/staff/sign-in",
        content=f"email=a%00b%40example.org&password=x&_csrf_token={token}".encode(),
        headers={"content-type": "application/x-www-form-urlencoded", "accept": "application/json"},
    )
    assert answer.status_code == 400, answer.text
    assert _fields(answer) == ["email"]
