"""Schemathesis against the live service: every `/api` operation, signed in as each staff role.

The requests are generated from `/schema/openapi.json` (valid ones, on the stored survey's slug,
and invalid ones); every answer must be below 500, conform to the document (status code
listed, content type, body schema) and, when it is a 4xx, carry `errors` with a message. This is
what keeps `service/openapi.py` and the typed request bodies honest. Bounded: administrators
(who pass every guard) get `ADMIN_EXAMPLES` cases per operation and mode, the other roles a
couple each (mostly the 403 path). On both databases: PostgreSQL refuses what SQLite
stores (U+0000 in text answered 500 there only, see service/nul_guard.py).
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import create_staff
from tests.surveys.conftest import store_bank

pytestmark = pytest.mark.parametrize("db_engine", ["sqlite", "postgres"], indirect=True)

ROLES = ("admin", "panel_manager", "research_officer", "web_team")
ADMIN_EXAMPLES = 4
OTHER_EXAMPLES = 1
#: Links and draws are made for real: big counts would only measure the database.
MAX_COUNT = 50


STATUSES: dict[int, int] = {}  # answers by status, printed with -s
AUTH_HEADERS = {GenerationMode.POSITIVE: 0, GenerationMode.NEGATIVE: 0}  # made-up tokens seen
CHECKED_4XX = [0]  # how many 4xx answers `useful_4xx` looked at


def useful_4xx(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 4xx says what was wrong: `errors` is a non-empty list of `{path, message}`."""
    if not 400 <= response.status_code < 500:
        return None
    CHECKED_4XX[0] += 1
    body = response.json()
    errors = body.get("errors") if isinstance(body, dict) else None
    assert errors, f"{response.status_code} without errors: {body}"
    for item in errors:
        assert item.get("path") and item.get("message"), f"unhelpful error item: {item}"
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    useful_4xx,
]


def staff_session(base_url: str, email: str, password: str) -> requests.Session:
    """A signed-in session that sends the CSRF token on every request, as staff tools do."""
    session = requests.Session()
    session.get(f"{base_url}/staff/sign-in", timeout=10)
    token = session.cookies["rv_csrf"]
    signed_in = session.post(
        f"{base_url}/staff/sign-in",
        data={"email": email, "password": password, "next": "/staff", "_csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code in (302, 303), signed_in.text
    session.headers["x-csrftoken"] = token
    return session


def small(case: Any) -> bool:
    body = case.body if isinstance(case.body, dict) else {}
    return all(
        not isinstance(body.get(key), int) or body[key] <= MAX_COUNT for key in ("count", "size")
    )


def fuzz(operation: Any, session: requests.Session, base_url: str, mode: Any, **kw: Any) -> int:
    """Run `examples` generated cases of one operation; returns how many were sent."""
    sent = 0
    examples = kw.pop("examples")

    @given(case=operation.as_strategy(generation_mode=mode, **kw).filter(small))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        nonlocal sent
        AUTH_HEADERS[mode] += "Authorization" in (case.headers or {})
        if mode == GenerationMode.POSITIVE and case.headers:
            # the document offers an API token or the session cookie; schemathesis fills in a
            # made-up bearer token, which would turn every valid case into a 401: valid cases
            # use the signed-in session (negative ones keep the made-up token, for the 401s)
            case.headers.pop("Authorization", None)
        # schemathesis builds each request's cookies itself: pass the session's explicitly
        response = case.call(
            base_url=base_url,
            session=session,
            cookies=dict(session.cookies),
            headers=dict(session.headers),
            timeout=30,
        )
        sent += 1
        STATUSES[response.status_code] = STATUSES.get(response.status_code, 0) + 1
        case.validate_response(response, checks=CHECKS)

    run()
    return sent


async def test_every_api_operation_survives_fuzzing_for_each_role(
    db: Any, live_server: Any
) -> None:
    STATUSES.clear()  # counts are per database
    CHECKED_4XX[0] = 0
    stored = await store_bank("resident-satisfaction")
    slug = stored.stored.slug
    sessions = {}
    for role in ROLES:
        user, password = await create_staff(role)
        sessions[role] = staff_session(live_server.url, user.email, password)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/schema/openapi.json")
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().path.startswith("/api/")
    ]
    assert len(operations) >= 28, [op.label for op in operations]
    sent = 0
    for role in ROLES:
        examples = ADMIN_EXAMPLES if role == "admin" else OTHER_EXAMPLES
        for operation in operations:
            real = {"slug": slug} if "{slug}" in operation.path else {}
            for mode, path in (
                (GenerationMode.POSITIVE, real),
                (GenerationMode.NEGATIVE, {}),
            ):
                sent += fuzz(
                    operation,
                    sessions[role],
                    live_server.url,
                    mode,
                    path_parameters=path or None,
                    examples=examples,
                )
    print(f"schemathesis sent {sent} requests; by status {sorted(STATUSES.items())}")
    print(f"made-up bearer tokens generated: {AUTH_HEADERS}")
    assert CHECKED_4XX[0] > len(operations), "the 4xx check never ran"
    assert sent >= len(operations) * 2 * (ADMIN_EXAMPLES + 3 * OTHER_EXAMPLES) // 2
