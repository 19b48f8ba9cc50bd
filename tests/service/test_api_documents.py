"""What `/schema/openapi.json` says each `/api` operation answers, against what it really sends.

The fuzz run (test_api_fuzz.py) checks generated requests against the document; these check the
document itself against the route table and the service's own lists (export formats, rate limits,
parameters), and the exact headers of answers the fuzzer cannot judge (files).
"""

from __future__ import annotations

import typing
from typing import Any

import pytest
from prometheus_client import CONTENT_TYPE_LATEST

from surveys.controllers.api import ExportFormat
from surveys.services import exports
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS, store_bank

#: What each export's Content-Type header must be, exactly: one charset, on text only.
EXPORT_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
    "codebook": "application/json",
}
#: The first bytes of each file, so a header cannot be right on the wrong body.
EXPORT_MAGIC = {"csv": b"\xef\xbb\xbf", "xlsx": b"PK", "sav": b"$FL2", "codebook": b"{"}

EXPORT = "/api/surveys/{slug}/export"


def openapi(app: Any) -> dict[str, Any]:
    document: dict[str, Any] = app.openapi_schema.to_schema()
    return document


def test_the_export_formats_are_one_list() -> None:
    assert set(EXPORT_CONTENT_TYPES) == set(exports.FORMATS)
    assert typing.get_args(ExportFormat) == tuple(exports.FORMATS)


@pytest.mark.parametrize("where", ["/api/surveys", "/staff/surveys"])
async def test_every_export_sends_its_media_type_once(
    client: Any, staff_login: Any, where: str
) -> None:
    await store_bank("resident-satisfaction")
    await staff_login(client, "research_officer")
    for fmt, expected in EXPORT_CONTENT_TYPES.items():
        answer = await client.get(f"{where}/resident-satisfaction/export?format={fmt}")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == expected, fmt
        assert answer.headers.get_list("content-type") == [expected]
        assert answer.content.startswith(EXPORT_MAGIC[fmt]), fmt
        suffix = exports.FORMATS[fmt][1]
        assert answer.headers["content-disposition"] == (
            f'attachment; filename="resident-satisfaction-v1.{suffix}"'
        )


def test_the_export_operation_documents_each_media_type(app: Any) -> None:
    operation = openapi(app)["paths"][EXPORT]["get"]
    content = operation["responses"]["200"]["content"]
    assert sorted(content) == sorted(media for media, _ in exports.FORMATS.values())
    assert all("charset" not in media for media in content)
    assert content["text/csv"]["schema"] == {"type": "string"}
    for binary in ("application/x-spss-sav", exports.FORMATS["xlsx"][0]):
        assert content[binary]["schema"] == {"type": "string", "format": "binary"}
    codebook = content["application/json"]["schema"]
    assert codebook["required"] == ["survey", "title", "version", "variables"]
    assert codebook["properties"]["variables"]["items"]["required"] == [
        "name",
        "label",
        "type",
        "ordered",
        "values",
        "missing",
    ]
    (format_parameter,) = [p for p in operation["parameters"] if p["name"] == "format"]
    assert format_parameter["schema"]["enum"] == list(exports.FORMATS)


async def test_the_codebook_export_has_the_documented_keys(client: Any, staff_login: Any) -> None:
    await store_bank("resident-satisfaction")
    await staff_login(client, "panel_manager")
    from tests.surveys.test_survey_http import _api

    entered = await _api(
        client,
        "POST",
        "/api/surveys/resident-satisfaction/responses",
        {"mode": "paper", "answers": RESIDENT_SATISFACTION_ANSWERS},
    )
    assert entered.status_code == 201, entered.text
    client.cookies.clear()
    await staff_login(client, "research_officer")
    codebook = await client.get(f"{EXPORT.format(slug='resident-satisfaction')}?format=codebook")
    body = codebook.json()
    assert {"survey", "title", "version", "variables"} <= set(body)
    assert body["survey"] == "resident-satisfaction" and body["version"] == 1
    for variable in body["variables"]:
        assert {"name", "label", "type", "ordered", "values", "missing"} <= set(variable)
        assert all(isinstance(v, str) for v in variable["values"].values())


def test_api_metrics_is_documented_as_prometheus_text_for_administrators(app: Any) -> None:
    document = openapi(app)
    assert "/metrics" not in document["paths"]  # the session-cookie twin of /api/metrics
    operation = document["paths"]["/api/metrics"]["get"]
    assert operation["responses"]["200"]["content"] == {
        "text/plain": {"schema": {"type": "string"}}
    }
    assert CONTENT_TYPE_LATEST in operation["responses"]["200"]["description"]
    assert {"401", "403"} <= set(operation["responses"])
    assert "administrator" in operation["description"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["apiToken"]["scheme"] == "bearer"
    assert schemes["sessionCookie"]["name"] == "rv_session"
    assert {"apiToken": []} in document["security"]
    assert {"sessionCookie": []} in document["security"]


async def test_api_metrics_answers_what_its_document_says(client: Any, staff_login: Any) -> None:
    assert (await client.get("/api/metrics")).status_code == 401
    await staff_login(client, "research_officer")
    assert (await client.get("/api/metrics")).status_code == 403
    client.cookies.clear()
    await staff_login(client, "admin")
    scrape = await client.get("/api/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"] == CONTENT_TYPE_LATEST
    assert "# TYPE resident_voice_requests_total counter" in scrape.text
