"""`/api/measures`: one measure, its targets, and setting a target through the JSON API.

Typed bodies with bounds, a target on the wrong scale or a negative tolerance refused with the
field named and nothing written, and every operation documented in OpenAPI with the API's
error body.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.conftest import csrf_token
from tests.surveys.conftest import store_bank

NOW = dt.datetime.now(dt.UTC)
PERIOD = f"{NOW.year}-H{1 if NOW.month <= 6 else 2}"


async def _mean_measure() -> None:
    """A council measure: the mean household size (a number question, 1 to 30)."""
    from surveys.services.measures_store import add_council_measure, effective_measures

    stored = await store_bank("all-question-types")
    await add_council_measure(
        None,
        {"id": "household_size", "name": "Household size", "definition": "People per household.",
         "survey": stored.stored.survey.slug, "question": "q_household", "statistic": "mean",
         "weighting": "unweighted", "higher_is_better": "yes"},
        await effective_measures(),
    )  # fmt: skip


async def test_a_target_set_through_the_api_is_checked_stored_and_used(
    client: Any, staff_login: Any
) -> None:
    from service import audit
    from surveys.tables import MeasureTarget

    await _mean_measure()
    user = await staff_login(client, "research_officer")
    headers = {"x-csrftoken": await csrf_token(client)}
    url = f"/api/measures/household_size/targets/{PERIOD}"
    refused = [
        # a percentage target on a mean: by the unit given, or by a value off the question's scale
        ({"value": 75, "unit": "percent"}, "unit", "household_size is a mean, not a percent"),
        ({"value": 75}, "value", "outside it (a percentage, perhaps?)"),
        ({"value": 3, "tolerance": -1}, "tolerance", ">= 0"),
        ({"value": "three"}, "value", "Expected `float`"),
        ({"value": 3, "colour": "red"}, "colour", "unknown field"),
        ({"value": 1e12}, "value", "<= 1000000000"),
        ({}, "value", "missing required field"),
    ]
    for body, field, words in refused:
        answer = await client.put(url, json=body, headers=headers)
        assert answer.status_code == 400, (body, answer.text)
        errors = answer.json()["errors"]
        assert [e["path"] for e in errors] == [field], (body, errors)
        assert words in errors[0]["message"], (body, errors)
    bad_period = await client.put(
        "/api/measures/household_size/targets/2026-H3", json={"value": 3}, headers=headers
    )
    assert bad_period.status_code == 400 and bad_period.json()["errors"][0]["path"] == "period"
    year_zero = await client.put(
        "/api/measures/household_size/targets/0000", json={"value": 3}, headers=headers
    )
    assert year_zero.status_code == 400 and year_zero.json()["errors"][0]["path"] == "period"
    percent = await client.put(
        f"/api/measures/trust/targets/{PERIOD}", json={"value": 120}, headers=headers
    )
    assert percent.status_code == 400 and percent.json()["errors"][0]["path"] == "value"
    # nothing of the refusals was written
    assert await MeasureTarget.count() == 0
    assert not [e for e in await audit.recent() if "target" in e["subject"]]
    unknown = await client.put(
        f"/api/measures/no_such_measure/targets/{PERIOD}", json={"value": 3}, headers=headers
    )
    assert unknown.status_code == 404
    no_csrf = await client.put(url, json={"value": 3})
    assert no_csrf.status_code == 403

    ok = await client.put(
        url, json={"value": 2.5, "tolerance": 0.2, "unit": "mean"}, headers=headers
    )
    assert ok.status_code == 200, ok.text
    saved = ok.json()
    assert saved["measure"] == "household_size" and saved["unit"] == "mean"
    assert saved["target"]["period"] == PERIOD and saved["target"]["value"] == 2.5
    assert saved["target"]["tolerance"] == 0.2 and saved["target"]["set_in"] == "staff page"
    assert saved["target"]["set_by"] == user.email
    again = await client.put(url, json={"value": 2.8}, headers=headers)
    assert again.status_code == 200 and again.json()["target"]["tolerance"] == 0.0
    assert await MeasureTarget.count() == 1  # replaced, not added
    events = [
        e for e in await audit.recent() if e["subject"] == f"measure household_size target {PERIOD}"
    ]
    assert len(events) == 2 and {e["staff_email"] for e in events} == {user.email}
    assert any(
        "target set to 2.8 (tolerance 0); was 2.5 (tolerance 0.2)" in e["detail"] for e in events
    )

    targets = (await client.get("/api/measures/household_size/targets")).json()
    assert targets["unit"] == "mean"
    assert [(t["period"], t["value"], t["set_in"]) for t in targets["targets"]] == [
        (PERIOD, 2.8, "staff page")
    ]
    shipped = (await client.get("/api/measures/council_satisfaction/targets")).json()
    assert {t["set_in"] for t in shipped["targets"]} == {"measures file"}
    one = await client.get(f"/api/measures/household_size?period={PERIOD}")
    assert one.status_code == 200, one.text
    measure = one.json()
    assert measure["id"] == "household_size" and measure["target"] == {
        "value": 2.8,
        "tolerance": 0.0,
    }
    assert measure["status"] == "no figure for the period"  # no responses yet: said plainly
    assert [v["period"] for v in measure["values"]][-1] == PERIOD
    assert (await client.get("/api/measures/household_size?period=2026-H9")).status_code == 400
    assert (await client.get(f"/api/measures/nothing_here?period={PERIOD}")).status_code == 404


async def test_roles_and_the_openapi_document(client: Any, staff_login: Any) -> None:
    url = f"/api/measures/trust/targets/{PERIOD}"
    assert (await client.put(url, json={"value": 60})).status_code in (401, 403)
    await staff_login(client, "web_team")
    headers = {"x-csrftoken": await csrf_token(client)}
    assert (await client.put(url, json={"value": 60}, headers=headers)).status_code == 403
    assert (await client.get("/api/measures/trust/targets")).status_code == 403

    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    put = paths["/api/measures/{measure_id}/targets/{period}"]["put"]
    assert set(put["responses"]) >= {"200", "400", "401", "403", "404", "413"}
    body = put["requestBody"]["content"]["application/json"]["schema"]
    target_in = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert target_in["required"] == ["value"]
    tolerance = next(
        o
        for o in target_in["properties"]["tolerance"].get(
            "oneOf", [target_in["properties"]["tolerance"]]
        )
        if o.get("type") == "number"
    )
    assert tolerance["minimum"] == 0
    error = put["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    assert error.endswith("/ErrorBody")
    for path, method in (("/api/measures", "get"), ("/api/measures/{measure_id}", "get"),
                         ("/api/measures/{measure_id}/targets", "get")):  # fmt: skip
        operation = paths[path][method]
        assert "$ref" in str(operation["responses"]["200"]), path  # a typed answer, not "any"
        assert {"400", "401", "403"} <= set(operation["responses"]), path
    assert "404" in paths["/api/measures/{measure_id}"]["get"]["responses"]
    period = next(p for p in paths["/api/measures"]["get"]["parameters"] if p["name"] == "period")
    assert period["required"] is True and period["schema"]["maxLength"] == 7
