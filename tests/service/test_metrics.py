"""`/metrics`: Prometheus text for administrators only, labelled by route template (never a
token), with job, audit and response figures read from the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from prometheus_client.parser import text_string_to_metric_families

from accessibility.tables import AuditRun, Site
from service import api_tokens
from service.jobs import enqueue
from surveys.tables import Survey, SurveyResponse
from tests.conftest import create_staff, post_form, sign_in

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
UNKNOWN_TOKEN = "ZZZZ0000ZZZZ0000ZZZZ0000ZZ"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample in the exposition, keyed by name and labels (this also proves it parses)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: dict[Any, float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def admin_metrics(client: Any) -> dict[Any, float]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    kind = response.headers["content-type"]
    assert kind.startswith("text/plain; version=") and kind.count("charset") == 1, kind
    assert UNKNOWN_TOKEN not in response.text
    return samples(response.text)


async def test_metrics_are_for_administrators_only(client: Any, staff_login: Any):
    anonymous = await client.get("/metrics")
    assert anonymous.status_code in (401, 303) and "resident_voice_" not in anonymous.text
    await staff_login(client, "research_officer")
    refused = await client.get("/metrics")
    assert refused.status_code == 403 and "resident_voice_" not in refused.text


async def test_requests_are_counted_by_route_template_and_token_guesses_by_route(
    client: Any, staff_login: Any
):
    await staff_login(client, "admin")
    before = await admin_metrics(client)
    for _ in range(3):
        assert (await client.get(f"/s/{UNKNOWN_TOKEN}")).status_code == 404
    assert (await client.get(f"/panel/me/{UNKNOWN_TOKEN}")).status_code == 404
    after = await admin_metrics(client)

    route = "/s/{token}"
    total = "resident_voice_requests_total"
    assert (
        value(after, total, method="GET", route=route, status="404")
        - value(before, total, method="GET", route=route, status="404")
        == 3
    )
    failures = "resident_voice_token_lookup_failures_total"
    assert value(after, failures, route=route) - value(before, failures, route=route) == 3
    me = "/panel/me/{token}"
    assert value(after, failures, route=me) - value(before, failures, route=me) == 1
    count = "resident_voice_request_duration_seconds_count"
    assert (
        value(after, count, method="GET", route=route)
        - value(before, count, method="GET", route=route)
        == 3
    )
    inf = "resident_voice_request_duration_seconds_bucket"
    assert value(after, inf, method="GET", route=route, le="+Inf") >= 3
    assert not [key for key in after if any(UNKNOWN_TOKEN in v for _, v in key[1])]


async def test_api_token_scrape_and_wrong_api_tokens_counted(client: Any):
    admin, _password = await create_staff("admin")
    made = await api_tokens.create(admin, "prometheus")
    scrape = await client.get("/api/metrics", headers={"authorization": f"Bearer {made.token}"})
    assert scrape.status_code == 200 and "resident_voice_requests_total" in scrape.text
    before = samples(scrape.text)
    wrong = await client.get(
        "/api/metrics", headers={"authorization": f"Bearer rv_{UNKNOWN_TOKEN}"}
    )
    assert wrong.status_code == 401
    after = samples(
        (await client.get("/api/metrics", headers={"authorization": f"Bearer {made.token}"})).text
    )
    failures = "resident_voice_token_lookup_failures_total"
    route = "/api/metrics"
    assert value(after, failures, route=route) - value(before, failures, route=route) == 1
    assert UNKNOWN_TOKEN not in str(after)


async def test_jobs_audit_runs_and_responses_are_read_from_the_database(
    client: Any, staff_login: Any
):
    await staff_login(client, "admin")
    empty = await admin_metrics(client)
    assert value(empty, "resident_voice_jobs", status="queued") == 0
    assert value(empty, "resident_voice_audit_runs", status="failed") == 0
    assert value(empty, "resident_voice_survey_responses", status="complete") == 0

    await enqueue("service.purge_sessions")
    await enqueue("service.purge_sessions")
    site = Site(name="Council site")
    await site.save()
    for status in ("failed", "done", "done"):
        await AuditRun(site=site.id, status=status).save()
    survey = Survey(slug="metrics-survey", title="Metrics")
    await survey.save()
    for i, status in enumerate(("complete", "complete", "partial")):
        await SurveyResponse(
            public_id=f"R{i}", survey=survey.id, version=1, respondent_id=f"X{i}", status=status
        ).save()

    found = await admin_metrics(client)
    assert value(found, "resident_voice_jobs", status="queued") == 2
    assert value(found, "resident_voice_jobs", status="failed") == 0
    assert value(found, "resident_voice_audit_runs", status="failed") == 1
    assert value(found, "resident_voice_audit_runs", status="done") == 2
    assert value(found, "resident_voice_survey_responses", status="complete") == 2
    assert value(found, "resident_voice_survey_responses", status="partial") == 1


async def test_signup_attempts_are_counted_by_outcome(client: Any, staff_login: Any):
    user, password = await create_staff("admin")
    await sign_in(client, user.email, password)
    before = await admin_metrics(client)
    # With nothing answered, the final step sends the applicant back to the start: refused.
    sent_back = await post_form(client, "/panel/join/check", {})
    assert sent_back.status_code == 303 and sent_back.headers["location"] == "/panel/join"
    after = await admin_metrics(client)
    name = "resident_voice_signup_attempts_total"
    assert value(after, name, outcome="refused") - value(before, name, outcome="refused") == 1
    assert value(after, name, outcome="accepted") == value(before, name, outcome="accepted")


@pytest.mark.slow  # two Python subprocesses
def test_multiprocess_mode_sums_every_process(tmp_path: Path):
    """With PROMETHEUS_MULTIPROC_DIR, each process writes its own file and a scrape sums them."""
    script = (
        "from service.metrics import observe\n"
        "scope = {'type': 'http', 'method': 'GET', 'path_template': '/s/{token}',\n"
        "         'headers': []}\n"
        "observe(scope, 404, '', 0.01)\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    assert len(list(tmp_path.glob("counter_*.db"))) == 2  # one file per process
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(tmp_path))  # type: ignore[no-untyped-call]
    found = samples(generate_latest(registry).decode())
    route = "/s/{token}"
    assert (
        value(found, "resident_voice_requests_total", method="GET", route=route, status="404") == 2
    )
    assert value(found, "resident_voice_token_lookup_failures_total", route=route) == 2
