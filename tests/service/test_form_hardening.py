"""Form posts that no handler should see get a 4xx naming what was wrong, and store nothing.

On a resident survey page, the panel sign-up and staff forms (paper entry, sign-in), on both
databases: an oversized body (413; the panel import upload keeps its own 20 MB limit), a body
that is not UTF-8 (400), a field sent twice (400) and a missing CSRF token (403). Each answers a
GOV.UK error page to a browser and `{status_code, detail, errors: [{path, message}]}` to a
program, and the database is checked afterwards.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from panel.tables import Member
from service.forms import FORM_MAX_BYTES
from service.tables import StaffSession
from surveys.tables import SurveyResponse
from tests.conftest import create_staff, csrf_token, post_form
from tests.panel.signup_helpers import ANSWERS
from tests.surveys.conftest import new_link, store_bank

pytestmark = pytest.mark.db

FORM = {"content-type": "application/x-www-form-urlencoded"}
HTML = {**FORM, "accept": "text/html"}


async def raw_post(client: Any, url: str, body: bytes, *, html: bool = False) -> Any:
    return await client.post(url, content=body, headers=HTML if html else FORM)


def encoded(pairs: list[tuple[str, str]]) -> bytes:
    return urlencode(pairs).encode()


def assert_json_error(response: Any, status: int, path: str, words: str) -> None:
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert body["status_code"] == status and words in body["detail"], body
    assert {"path": path, "message": body["errors"][0]["message"]} in body["errors"], body
    assert words in body["errors"][0]["message"] or words in body["detail"]


def assert_page(response: Any, status: int, title: str, *texts: str) -> None:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert f'<h1 class="govuk-heading-l">{title}</h1>' in response.text
    for text in texts:
        assert text in response.text, text


async def stored_responses() -> int:
    return int(await SurveyResponse.count())


async def test_resident_survey_page_refuses_bad_forms_and_stores_nothing(client: Any) -> None:
    await store_bank("all-question-types")
    token = await new_link("all-question-types")
    url = f"/s/{token}/page/p_single"
    csrf = await csrf_token(client)

    twice = await raw_post(
        client, url, encoded([("_csrf_token", csrf), ("q_lived", "lt_1"), ("q_lived", "gt_5")])
    )
    assert_json_error(twice, 400, "q_lived", "more than once")
    page = await raw_post(
        client,
        url,
        encoded([("_csrf_token", csrf), ("q_lived", "lt_1"), ("q_lived", "gt_5")]),
        html=True,
    )
    assert_page(page, 400, "There is a problem with the request", "<code>q_lived</code>")

    two_tokens = await raw_post(
        client, url, encoded([("_csrf_token", csrf), ("_csrf_token", csrf), ("q_lived", "lt_1")])
    )
    assert_json_error(two_tokens, 400, "_csrf_token", "more than once")

    not_utf8 = f"_csrf_token={csrf}&q_lived=lt_1%FF%FE".encode()
    assert_json_error(await raw_post(client, url, not_utf8), 400, "q_lived", "not valid UTF-8")
    raw_bytes = f"_csrf_token={csrf}&q_lived=".encode() + "caf\u00e9".encode()
    assert_json_error(await raw_post(client, url, raw_bytes), 400, "q_lived", "percent-encoded")

    huge = encoded([("_csrf_token", csrf), ("q_lived", "lt_1"), ("pad", "x" * FORM_MAX_BYTES)])
    assert_json_error(await raw_post(client, url, huge), 413, "body", "256 KB")
    assert_page(await raw_post(client, url, huge, html=True), 413, "What you sent is too large")

    no_csrf = await raw_post(client, url, encoded([("q_lived", "lt_1")]))
    assert_json_error(no_csrf, 403, "_csrf_token", "security token")
    wrong = await raw_post(client, url, encoded([("_csrf_token", "x" * 40), ("q_lived", "lt_1")]))
    assert wrong.status_code == 403
    assert_page(
        await raw_post(client, url, encoded([("q_lived", "lt_1")]), html=True),
        403,
        "Your form could not be sent",
        "Nothing was saved",
    )
    assert await stored_responses() == 0

    # The same page, well formed, is stored; a multiple-choice question's boxes may repeat.
    ok = await post_form(client, url, {"q_lived": "lt_1"})
    assert ok.status_code == 303, ok.text[:500]
    boxes = await post_form(
        client, f"/s/{token}/page/p_multiple", {"q_services": ["libraries", "parks"]}
    )
    assert boxes.status_code == 303, boxes.text[:500]
    rows = await SurveyResponse.select(SurveyResponse.answers).output(load_json=True)
    assert len(rows) == 1 and rows[0]["answers"]["q_services"] == ["libraries", "parks"]


async def walk_to_check(client: Any) -> None:
    expected = "/panel/join/name"
    for _, data in ANSWERS:
        response = await post_form(client, expected, data)
        assert response.status_code == 303, response.text[:1000]
        expected = response.headers["location"]
    assert expected == "/panel/join/check"


async def test_panel_sign_up_refuses_bad_forms_and_makes_no_member(client: Any) -> None:
    await walk_to_check(client)
    draft = client.cookies.get("rv_signup")
    csrf = await csrf_token(client)
    two_emails = await raw_post(
        client,
        "/panel/join/email",
        encoded([("_csrf_token", csrf), ("email", "a@example.org"), ("email", "b@example.org")]),
        html=True,
    )
    assert_page(two_emails, 400, "There is a problem with the request", "<code>email</code>")
    assert (
        "set-cookie" not in two_emails.headers
        or "rv_signup" not in two_emails.headers["set-cookie"]
    )
    assert client.cookies.get("rv_signup") == draft  # the draft is unchanged

    check = "/panel/join/check"
    assert_json_error(
        await raw_post(client, check, encoded([("_csrf_token", csrf), ("_csrf_token", csrf)])),
        400,
        "_csrf_token",
        "more than once",
    )
    assert_json_error(
        await raw_post(client, check, b"_csrf_token=" + csrf.encode() + b"&x=%C3%28"),
        400,
        "x",
        "not valid UTF-8",
    )
    big = encoded([("_csrf_token", csrf), ("pad", "x" * (FORM_MAX_BYTES + 1))])
    assert_json_error(await raw_post(client, check, big), 413, "body", "too large")
    assert_json_error(await raw_post(client, check, b""), 403, "_csrf_token", "security token")
    assert await Member.count() == 0

    made = await post_form(client, check, {})
    assert made.status_code == 303, made.text[:500]
    assert await Member.count() == 1  # the same draft, well formed, makes the member


async def test_staff_forms_refuse_bad_forms_and_store_nothing(client: Any) -> None:
    user, password = await create_staff("panel_manager")
    csrf = await csrf_token(client)
    sessions = await StaffSession.count()
    sign_in = "/staff/sign-in"
    twice = await raw_post(
        client,
        sign_in,
        encoded(
            [
                ("_csrf_token", csrf),
                ("email", user.email),
                ("email", "x@example.org"),
                ("password", password),
            ]
        ),
        html=True,
    )
    assert_page(twice, 400, "There is a problem with the request", "<code>email</code>")
    assert await StaffSession.count() == sessions  # not signed in

    signed = await post_form(client, sign_in, {"email": user.email, "password": password})
    assert signed.status_code == 303
    await store_bank("resident-satisfaction")
    enter = "/staff/surveys/resident-satisfaction/enter"
    pairs = [("_csrf_token", csrf), ("mode", "paper"), ("area_satisfaction", "very_satisfied")]
    doubled = await raw_post(
        client, enter, encoded([*pairs, ("area_satisfaction", "very_dissatisfied")]), html=True
    )
    assert_page(doubled, 400, "There is a problem with the request", "area_satisfaction")
    bad = encoded(pairs).replace(b"very_satisfied", b"very_%E9satisfied")
    assert (await raw_post(client, enter, bad)).status_code == 400
    big = encoded([*pairs, ("pad", "x" * FORM_MAX_BYTES)])
    assert (await raw_post(client, enter, big)).status_code == 413
    assert (await raw_post(client, enter, encoded(pairs[1:]))).status_code == 403
    assert await stored_responses() == 0


async def test_panel_import_keeps_its_larger_upload_limit(client: Any, staff_login: Any) -> None:
    from tests.panel.test_import_pages import csv_bytes, upload
    from tests.panel.test_imports import person

    await staff_login(client, "panel_manager")
    rows = [person(i) for i in range(1, 3000)]
    content = csv_bytes(rows)
    assert len(content) > FORM_MAX_BYTES  # over every other form's limit
    checked = await upload(client, content)
    assert checked.status_code == 200, checked.text[:500]
    assert "2999 rows" in checked.text
    assert await Member.count() == 0  # a dry run
