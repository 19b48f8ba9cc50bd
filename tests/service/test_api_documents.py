"""What `/schema/openapi.json` says each `/api` operation answers, against what it really sends.

The fuzz run (test_api_fuzz.py) checks generated requests against the document; these check the
document itself against the route table and the service's own lists (export formats, rate limits,
parameters), and the exact headers of answers the fuzzer cannot judge (files).
"""

from __future__ import annotations

import json
import re
import typing
from typing import Any

import jsonschema
import pytest
from prometheus_client import CONTENT_TYPE_LATEST

from surveys.controllers.api import ExportFormat
from surveys.services import exports
from tests.accessibility.platform.test_a11y_pages import seeded_runs
from tests.conftest import csrf_token
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS, store_bank
from tests.surveys.fieldwork.conftest import add_draw, add_member, smtp  # noqa: F401 (fixture)

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


# --- which errors each operation documents -------------------------------------------------

UNSAFE = {"post", "put", "patch", "delete"}
#: A real value for each path parameter, so a request reaches the check under test.
PATH_VALUES = {
    "slug": "resident-satisfaction",
    "measure_id": "council_satisfaction",
    "period": "2026",
}
#: Routes that answer 429: all HTML pages, none in the document (a test of each limit is in
#: tests/service/test_rate_limit_races.py, tests/panel and tests/surveys).
RATE_LIMITED_PAGES = ("/staff/sign-in", "/o/{slug}", "/panel/join/{step_id}", "/panel/link")


def api_operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        if path.startswith("/api/")
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _schema(parameter: dict[str, Any]) -> dict[str, Any]:
    """The parameter's schema, with an optional one's `oneOf: [X, null]` unwrapped."""
    schema = dict(parameter["schema"])
    for option in schema.pop("oneOf", []):
        if option.get("type") != "null":
            schema = {**option, **schema}
    return schema


def invalid_value(parameter: dict[str, Any]) -> str | None:
    """A value the document itself says is invalid, or None for a plain string."""
    schema = _schema(parameter)
    if "minimum" in schema:
        return str(int(schema["minimum"]) - 1)
    if "enum" in schema:
        return "not-one-of-these"
    if "pattern" in schema:
        return "!"
    if "minLength" in schema:
        return "x"
    if schema.get("type") in ("integer", "boolean") or schema.get("format") == "date":
        return "not-a-" + str(schema.get("format") or schema["type"])
    return None


def plain_path_string(parameter: dict[str, Any]) -> bool:
    return parameter["in"] == "path" and parameter["schema"] == {"type": "string"}


def test_400_is_documented_only_where_a_parameter_or_body_can_be_invalid(app: Any) -> None:
    without = []
    for path, method, operation in api_operations(openapi(app)):
        parameters = operation.get("parameters", [])
        could = (
            method in UNSAFE
            or "requestBody" in operation
            or not all(plain_path_string(p) for p in parameters)
        )
        assert ("400" in operation["responses"]) == could, (method, path)
        if not could:
            without.append(f"{method.upper()} {path}")
    assert "GET /api/surveys/{slug}" in without and "GET /api/panel/composition" in without
    assert len(without) >= 8, without


def test_429_is_documented_on_no_api_operation(app: Any) -> None:
    document = openapi(app)
    documented = [(m, p) for p, m, op in api_operations(document) if "429" in op["responses"]]
    assert documented == []
    # the rate-limited routes are pages, outside the document, not forgotten API operations
    assert not set(RATE_LIMITED_PAGES) & set(document["paths"])
    paths = {re.sub(r":\w+}", "}", route.path) for route in app.routes}
    assert set(RATE_LIMITED_PAGES) <= paths


async def test_every_documented_400_can_be_had(client: Any, staff_login: Any, app: Any) -> None:
    """For each operation that documents 400, a request the document says is invalid gets it
    (an unsafe one: a form body that is not UTF-8, which every unsafe route refuses)."""
    await store_bank("resident-satisfaction")
    await staff_login(client, "admin")
    token = await csrf_token(client)
    tried = 0
    for path, method, operation in api_operations(openapi(app)):
        if "400" not in operation["responses"]:
            continue
        parameters = operation.get("parameters", [])
        values = {
            p["name"]: PATH_VALUES.get(p["name"], "1") for p in parameters if p["in"] == "path"
        }
        query: dict[str, str] = {
            p["name"]: "2026" for p in parameters if p["in"] == "query" and p["required"]
        }
        content = b""
        headers = {"x-csrftoken": token}
        if method in UNSAFE:
            content = b"name=%FF"
            headers["content-type"] = "application/x-www-form-urlencoded"
            field = "name"
        else:
            bad = next(p for p in parameters if invalid_value(p) is not None)
            field = bad["name"]
            (values if bad["in"] == "path" else query)[field] = str(invalid_value(bad))
        answer = await client.request(
            method.upper(), path.format(**values), params=query, content=content, headers=headers
        )
        assert answer.status_code == 400, (method, path, answer.status_code, answer.text)
        assert field in {e["path"] for e in answer.json()["errors"]}, (method, path, answer.text)
        tried += 1
    assert tried >= 18


# --- success bodies ----------------------------------------------------------------------------


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def typed(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Not `{}` and not a bare object or array of bare objects: the schema names what comes
    back (a Struct's properties, a string for files and text)."""
    schema = _resolve(document, schema)
    if schema.get("type") == "array":
        return typed(document, schema.get("items", {}))
    if schema.get("type") == "object" or "properties" in schema:
        return bool(schema.get("properties")) and bool(schema.get("required"))
    return schema.get("type") == "string"


def test_every_api_operation_documents_a_typed_success_body(app: Any) -> None:
    document = openapi(app)
    operations = api_operations(document)
    assert len(operations) >= 28
    for path, method, operation in operations:
        successes = {c: r for c, r in operation["responses"].items() if c.startswith("2")}
        assert successes, (method, path)
        for code, response in successes.items():
            content = response.get("content")
            assert content, (method, path, code)
            for media, body in content.items():
                assert typed(document, body["schema"]), (method, path, code, media, body)


def test_every_api_handler_is_in_the_document(app: Any) -> None:
    from litestar.routes import HTTPRoute

    documented = {(path, method.upper()) for path, method, _ in api_operations(openapi(app))}
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api/"):
            continue
        path = re.sub(r":\w+}", "}", route.path)
        for handler in route.route_handlers:
            for method in handler.http_methods - {"OPTIONS", "HEAD"}:
                assert handler.resolve_include_in_schema(), (method, path)
                assert (path, method) in documented, (method, path)


# --- answers with data in them, against their schemas ------------------------------------------
# The fuzz run sees mostly empty tables (no members, draws or finished runs), so the nested
# parts of these schemas are checked here, on answers that carry them.


def conforms(document: dict[str, Any], path: str, method: str, answer: Any) -> None:
    """The answer's status is documented and its JSON body validates against its schema."""
    responses = document["paths"][path][method]["responses"]
    assert str(answer.status_code) in responses, (method, path, answer.status_code, answer.text)
    schema = responses[str(answer.status_code)]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator({**schema, "components": document["components"]})
    problems = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(answer.json())
    ]
    assert not problems, (method, path, problems[:5])


@pytest.mark.usefixtures("smtp")  # the fieldwork invite's mail goes to a local server
async def test_answers_with_data_conform_to_their_schemas(
    client: Any, staff_login: Any, app: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("AUDITS_DIR", str(tmp_path / "audits"))
    document = openapi(app)
    await store_bank("resident-satisfaction")
    members = [await add_member(), await add_member(channel="sms"), await add_member()]
    draw = await add_draw(members)
    site_id, run_id, _ = await seeded_runs()
    await staff_login(client, "admin")
    token = await csrf_token(client)
    slug = "resident-satisfaction"
    calls: list[tuple[str, str, dict[str, Any] | None, dict[str, Any]]] = [
        ("post", "/api/surveys/{slug}/links", {"count": 2}, {"slug": slug}),
        ("post", "/api/surveys/{slug}/open-link", {"enabled": True}, {"slug": slug}),
        (
            "post",
            "/api/surveys/{slug}/responses",
            {"mode": "paper", "answers": RESIDENT_SATISFACTION_ANSWERS},
            {"slug": slug},
        ),
        ("post", "/api/surveys/{slug}/fieldwork", {"draw_id": draw}, {"slug": slug}),
        ("get", "/api/surveys/{slug}/fieldwork", None, {"slug": slug}),
        ("get", "/api/surveys", None, {}),
        ("get", "/api/surveys/{slug}", None, {"slug": slug}),
        ("get", "/api/surveys/{slug}/versions/{version}", None, {"slug": slug, "version": 1}),
        ("post", "/api/panel/samples", {"size": 2, "seed": 7}, {}),
        ("get", "/api/panel/samples", None, {}),
        ("get", "/api/panel/samples/{draw_id}", None, {"draw_id": draw}),
        ("post", "/api/panel/samples/{draw_id}/replay", None, {"draw_id": draw}),
        ("get", "/api/panel/composition", None, {}),
        ("get", "/api/panel/representativeness", None, {}),
        ("get", "/api/panel/health", None, {}),
        ("get", "/api/accessibility/sites", None, {}),
        ("get", "/api/accessibility/runs/{run_id}", None, {"run_id": run_id}),
        (
            "post",
            "/api/accessibility/sites",
            {"name": "Libraries", "start_urls": ["https://libraries.example.gov.uk/"]},
            {},
        ),
        ("post", "/api/accessibility/sites/{site_id}/runs", None, {"site_id": site_id}),
        ("get", "/api/audit", None, {}),
    ]
    for method, path, body, values in calls:
        answer = await client.request(
            method.upper(),
            path.format(**values),
            content=json.dumps(body).encode() if body is not None else b"",
            headers={"x-csrftoken": token, "content-type": "application/json"},
        )
        assert answer.status_code < 300, (method, path, answer.text)
        conforms(document, path, method, answer)
    queued = (await client.get("/api/accessibility/sites")).json()
    assert queued[0]["last_run"] is not None
    run = (await client.get(f"/api/accessibility/runs/{run_id}")).json()
    assert run["status"] == "done" and run["pages"][0]["findings"], run
    health = (await client.get("/api/panel/health")).json()
    assert health["by_sample"], health
