"""The JSON API, staff pages, open and short links, Welsh, over HTTP."""

from __future__ import annotations

import json
from typing import Any

from surveys.bank import load_bank
from surveys.services import definitions_store
from surveys.tables import SurveyLink, SurveyResponse, SurveyVersion
from tests.conftest import csrf_token, post_form
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS, new_link, store_bank

ANSWERS = RESIDENT_SATISFACTION_ANSWERS


async def _api(
    client: Any, method: str, url: str, body: Any = None, raw: bytes | None = None, **headers: str
) -> Any:
    token = await csrf_token(client)
    content = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    return await client.request(
        method,
        url,
        content=content,
        headers={"x-csrftoken": token, "content-type": "application/json", **headers},
    )


async def test_api_needs_a_signed_in_staff_role(client: Any, staff_login: Any) -> None:
    assert (await client.get("/api/surveys")).status_code == 401
    await staff_login(client, "web_team")
    assert (await client.get("/api/surveys")).status_code == 403


async def test_api_upload_versions_and_bad_bodies(client: Any, staff_login: Any) -> None:
    await staff_login(client, "research_officer")
    data = load_bank("customer-satisfaction")
    created = await _api(client, "POST", "/api/surveys", data)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1 and created.json()["created"] is True
    again = await _api(client, "POST", "/api/surveys", data)
    assert again.status_code == 200 and again.json()["created"] is False

    malformed = await _api(client, "POST", "/api/surveys", raw=b'{"slug": "x",')
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["path"] == "body"
    assert "line 1" in malformed.json()["errors"][0]["message"]

    bad = dict(data)
    bad["pages"] = [
        {"id": "p1", "questions": [{"id": "q", "type": "single_choice", "text": {"en": "Q"}}]}
    ]
    invalid = await _api(client, "POST", "/api/surveys", bad)
    assert invalid.status_code == 400
    assert any(e["path"].startswith("pages[0].questions[0]") for e in invalid.json()["errors"])

    yaml_body = b"slug: [unclosed"
    broken_yaml = await _api(
        client, "POST", "/api/surveys", raw=yaml_body, **{"content-type": "application/yaml"}
    )
    assert broken_yaml.status_code == 400 and broken_yaml.json()["errors"][0]["path"] == "body"
    assert await SurveyVersion.count() == 1

    listed = await client.get("/api/surveys")
    assert [s["slug"] for s in listed.json()] == ["customer-satisfaction"]
    detail = await client.get("/api/surveys/customer-satisfaction")
    assert detail.json()["versions"] == [1]
    assert (await client.get("/api/surveys/nope")).status_code == 404


async def test_api_links_assisted_entry_and_counts(client: Any, staff_login: Any) -> None:
    await store_bank("resident-satisfaction")
    await staff_login(client, "panel_manager")
    bad = await _api(client, "POST", "/api/surveys/resident-satisfaction/links", {"count": "three"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "count"
    unknown = await _api(
        client,
        "POST",
        "/api/surveys/resident-satisfaction/links",
        {"member_references": ["P-NOBODY01"]},
    )
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["path"] == "member_references[0]"
    made = await _api(client, "POST", "/api/surveys/resident-satisfaction/links", {"count": 2})
    assert made.status_code == 201
    urls = [link["url"] for link in made.json()["links"]]
    assert len(urls) == 2 and all("/s/" in u for u in urls)
    assert await SurveyLink.count() == 2

    no_csrf = await client.post(
        "/api/surveys/resident-satisfaction/responses", json={"mode": "paper", "answers": ANSWERS}
    )
    assert no_csrf.status_code == 403
    wrong = await _api(
        client,
        "POST",
        "/api/surveys/resident-satisfaction/responses",
        {"mode": "paper", "answers": {**ANSWERS, "trust": "lots"}},
    )
    assert wrong.status_code == 400
    assert wrong.json()["errors"] == [
        {"path": "answers.trust", "message": wrong.json()["errors"][0]["message"]}
    ]
    entered = await _api(
        client,
        "POST",
        "/api/surveys/resident-satisfaction/responses",
        {"mode": "paper", "answers": ANSWERS},
    )
    assert entered.status_code == 201, entered.text
    assert entered.json()["mode"] == "paper"
    listed = (await client.get("/api/surveys")).json()
    assert listed[0]["counts"]["complete"] == {"paper": 1}
    assert await SurveyResponse.count() == 1


async def test_exports_by_role_and_personal_data(client: Any, staff_login: Any) -> None:
    await store_bank("resident-satisfaction")
    await staff_login(client, "panel_manager")
    await _api(
        client,
        "POST",
        "/api/surveys/resident-satisfaction/responses",
        {"mode": "phone", "answers": ANSWERS},
    )
    client.cookies.clear()
    await staff_login(client, "research_officer")
    csv = await client.get("/api/surveys/resident-satisfaction/export?format=csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "respondent_id,response_id,survey,version,mode,status" in csv.text
    assert 'filename="resident-satisfaction-v1.csv"' in csv.headers["content-disposition"]
    personal = await client.get("/api/surveys/resident-satisfaction/export?include_personal=true")
    assert personal.status_code == 403
    sav = await client.get("/staff/surveys/resident-satisfaction/export?format=sav")
    assert sav.status_code == 200 and sav.content[:4] == b"$FL2"
    xlsx = await client.get("/api/surveys/resident-satisfaction/export?format=xlsx&mode=phone")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    bad_date = await client.get("/api/surveys/resident-satisfaction/export?since=yesterday")
    assert bad_date.status_code == 400
    bad_mode = await client.get("/api/surveys/resident-satisfaction/export?mode=fax")
    assert bad_mode.status_code == 400 and bad_mode.json()["errors"][0]["path"] == "mode"
    bad_format = await client.get("/api/surveys/resident-satisfaction/export?format=pdf")
    assert bad_format.status_code == 400 and bad_format.json()["errors"][0]["path"] == "format"
    client.cookies.clear()
    await staff_login(client, "admin")
    personal = await client.get("/api/surveys/resident-satisfaction/export?include_personal=true")
    assert personal.status_code == 200 and "email" in personal.text.splitlines()[0]


async def test_staff_pages_show_counts_and_open_link(client: Any, staff_login: Any) -> None:
    await store_bank("resident-satisfaction")
    await staff_login(client, "panel_manager")
    index = await client.get("/staff/surveys")
    assert index.status_code == 200 and "Your local area and council" in index.text
    made = await post_form(client, "/staff/surveys/from-bank", {"name": "digital-inclusion"})
    assert (
        made.status_code == 303 and made.headers["location"] == "/staff/surveys/digital-inclusion"
    )
    on = await post_form(
        client, "/staff/surveys/resident-satisfaction/open-link", {"enabled": "yes"}
    )
    assert on.status_code == 303
    detail = await client.get("/staff/surveys/resident-satisfaction")
    assert "/o/resident-satisfaction" in detail.text and "/r/" in detail.text
    png = await client.get("/staff/surveys/resident-satisfaction/qr/png")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    svg = await client.get("/staff/surveys/resident-satisfaction/qr/svg")
    assert svg.status_code == 200 and b"<svg" in svg.content


async def test_staff_assisted_entry_page(client: Any, staff_login: Any) -> None:
    await store_bank("resident-satisfaction")
    await staff_login(client, "panel_manager")
    form = await client.get("/staff/surveys/resident-satisfaction/enter")
    assert form.status_code == 200 and 'name="area_satisfaction"' in form.text
    missing = await post_form(
        client,
        "/staff/surveys/resident-satisfaction/enter",
        {"area_satisfaction": "very_satisfied"},
    )
    assert missing.status_code == 400 and 'href="#mode"' in missing.text
    assert 'value="very_satisfied" checked' in missing.text
    assert await SurveyResponse.count() == 0
    ok = await post_form(
        client, "/staff/surveys/resident-satisfaction/enter", {**ANSWERS, "mode": "face_to_face"}
    )
    assert ok.status_code == 303, ok.text[:2000]
    row = await SurveyResponse.select(SurveyResponse.mode, SurveyResponse.entered_by).first()
    assert row is not None and row["mode"] == "face_to_face" and row["entered_by"] is not None


async def test_open_link_resumes_and_limits_duplicates(client: Any) -> None:
    await store_bank("resident-satisfaction")
    closed = await client.get("/o/resident-satisfaction")
    assert closed.status_code == 404
    row = await definitions_store.set_open_link("resident-satisfaction", True)
    start = await client.get("/o/resident-satisfaction")
    assert start.status_code == 200 and "What we keep" in start.text and "cookie" in start.text
    begun = await post_form(client, "/o/resident-satisfaction", {})
    assert begun.status_code == 303 and begun.headers["location"].startswith("/s/")
    assert any(name.startswith("rv_open_") for name in client.cookies)
    again = await client.get("/o/resident-satisfaction")
    assert again.status_code == 303 and again.headers["location"] == begun.headers["location"]
    short = await client.get(f"/r/{row['short_code'].lower()}")
    assert short.status_code == 303 and short.headers["location"] == "/o/resident-satisfaction"
    assert (await client.get("/r/ZZZZZZZ")).status_code == 404

    for _ in range(9):
        client.cookies.clear()
        assert (await post_form(client, "/o/resident-satisfaction", {})).status_code == 303
    client.cookies.clear()
    limited = await post_form(client, "/o/resident-satisfaction", {})
    assert limited.status_code == 429 and "Too many" in limited.text
    assert await SurveyLink.count() == 10


async def test_welsh_is_remembered_in_the_response(client: Any) -> None:
    await store_bank("all-question-types")
    token = await new_link("all-question-types")
    start = await client.get(f"/s/{token}?lang=cy")
    assert (
        start.status_code == 200
        and '<html lang="cy"' in start.text
        and "Dechrau nawr" in start.text
    )
    assert 'hreflang="en"' in start.text
    await post_form(client, f"/s/{token}/page/p_single", {"q_lived": "lt_1"})
    client.cookies.delete("rv_lang")
    row = await SurveyResponse.select(SurveyResponse.lang).first()
    assert row is not None and row["lang"] == "cy"
    page = await client.get(f"/s/{token}/page/p_multiple")
    assert '<html lang="cy"' in page.text and "Parhau" in page.text
