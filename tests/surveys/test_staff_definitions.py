"""Staff pages for survey definitions: upload (file or text box), versions, YAML download.

Over HTTP, on SQLite and PostgreSQL: the happy path, faults listed with their paths and the
text kept, an identical upload, locked versions, roles, CSRF, size and encoding limits.
"""

from __future__ import annotations

import html
import re
from typing import Any

import yaml

from surveys.bank import bank_path, load_bank
from surveys.services import definition_uploads, definitions_store, responses
from surveys.tables import Survey, SurveyVersion
from tests.conftest import csrf_token
from tests.surveys.conftest import RESIDENT_SATISFACTION_ANSWERS

PARKS = """\
slug: parks-2025
languages: [en]
title: {en: Parks survey}
pages:
  - id: visits
    questions:
      - id: visited
        type: single_choice
        required: true
        text: {en: "Have you visited a park this year?"}
        options:
          - {code: "yes", label: {en: "Yes"}}
          - {code: "no", label: {en: "No"}}
  - id: which
    show_if:
      and:
        - answered: {question: visited}
        - equals: {question: visited, value: "yes"}
    questions:
      - id: favourite
        type: short_text
        text: {en: "Which park do you visit most?"}
"""
#: The same survey with a typo in a routing condition on the second page.
PARKS_TYPO = PARKS.replace("equals: {question: visited", "equals: {question: visted")
TYPO_PATH = "pages[1].show_if.and[1].equals.question"

RESIDENT_ANSWERS = RESIDENT_SATISFACTION_ANSWERS


async def _upload(
    client: Any,
    url: str,
    text: str = "",
    file: tuple[str, bytes, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """POST the upload form as a browser does: multipart, with the CSRF field."""
    files = {"file": file} if file else {"file": ("", b"", "application/octet-stream")}
    return await client.post(
        url,
        data={"definition": text, "_csrf_token": await csrf_token(client)},
        files=files,
        headers=headers,
    )


def _summary(page: str) -> list[str]:
    """The entries of the GOV.UK error summary, as plain text."""
    block = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert block, "no error summary on the page"
    items = re.findall(r"<a href=\"(#[\w-]+)\">(.*?)</a>", block.group(0), re.S)
    return [f"{href} {html.unescape(re.sub(r'<[^>]+>', '', text)).strip()}" for href, text in items]


def _textarea(page: str) -> str:
    match = re.search(r'<textarea[^>]*name="definition"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no definition text box"
    return html.unescape(match.group(1))


async def test_add_survey_from_a_file_then_versions_and_download(
    client: Any, staff_login: Any
) -> None:
    await staff_login(client, "research_officer")
    index = await client.get("/staff/surveys")
    assert 'href="/staff/surveys/from-definition"' in index.text
    assert "Add a survey from a definition" in index.text

    form = await client.get("/staff/surveys/from-definition")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.text and 'name="_csrf_token"' in form.text

    made = await _upload(
        client,
        "/staff/surveys/from-definition",
        file=("parks.yaml", PARKS.encode(), "application/yaml"),
    )
    assert made.status_code == 303, made.text
    assert (
        made.headers["location"] == "/staff/surveys/parks-2025/versions?saved=new_survey&version=1"
    )

    versions = await client.get(made.headers["location"])
    assert versions.status_code == 200
    assert "Survey added: version 1 is its first version." in versions.text
    stored = await definitions_store.get_version("parks-2025")
    assert stored.survey.data["pages"][1]["show_if"]["and"][1]["equals"]["question"] == "visited"
    assert definition_uploads.short_hash(stored.content_hash) in versions.text
    assert "Current" in versions.text and "No responses yet" in versions.text
    assert 'href="/staff/surveys/parks-2025/versions/new"' in versions.text

    detail = await client.get("/staff/surveys/parks-2025")
    assert 'href="/staff/surveys/parks-2025/versions"' in detail.text

    download = await client.get("/staff/surveys/parks-2025/versions/1/definition.yaml")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/yaml")
    assert 'filename="parks-2025-v1.yaml"' in download.headers["content-disposition"]
    assert download.text.startswith("# parks-2025, version 1 (sha256:")
    assert yaml.safe_load(download.text)["slug"] == "parks-2025"
    assert (
        await client.get("/staff/surveys/parks-2025/versions/9/definition.yaml")
    ).status_code == 404


async def test_faults_are_listed_with_their_paths_and_the_text_is_kept(
    client: Any, staff_login: Any
) -> None:
    await staff_login(client, "panel_manager")
    refused = await _upload(client, "/staff/surveys/from-definition", text=PARKS_TYPO)
    assert refused.status_code == 400
    assert "<title>Error: " in refused.text
    assert _summary(refused.text) == [
        f"#definition {TYPO_PATH}: refers to unknown question 'visted'"
    ]
    assert _textarea(refused.text) == PARKS_TYPO  # nothing the person wrote is lost
    assert 'id="definition-error"' in refused.text
    assert await Survey.count() == 0

    # A file's text goes into the box, so it can be corrected there.
    from_file = await _upload(
        client,
        "/staff/surveys/from-definition",
        file=("parks.yaml", PARKS_TYPO.encode(), "application/yaml"),
    )
    assert from_file.status_code == 400
    assert _textarea(from_file.text) == PARKS_TYPO
    assert "The text of" in from_file.text and "parks.yaml" in from_file.text

    # Schema faults: one entry each, every one with its path.
    broken = PARKS.replace("type: short_text", "type: essay").replace(
        "title: {en: Parks survey}", "title: {en: Parks survey}\ncolour: green"
    )
    many = await _upload(client, "/staff/surveys/from-definition", text=broken)
    entries = _summary(many.text)
    assert len(entries) == 2, entries
    assert any(e.startswith("#definition (top level): ") and "colour" in e for e in entries)
    assert any(e.startswith("#definition pages[1].questions[0].type: ") for e in entries)

    syntax = await _upload(client, "/staff/surveys/from-definition", text="slug: [unclosed\n")
    assert syntax.status_code == 400
    (entry,) = _summary(syntax.text)
    assert entry.startswith("#definition malformed YAML: ") and "line 2" in entry

    json_text = '{"slug": "parks-2025",\n "title": }'
    bad_json = await _upload(client, "/staff/surveys/from-definition", text=json_text)
    (entry,) = _summary(bad_json.text)
    assert entry.startswith("#definition malformed JSON: ") and "line 2" in entry
    assert _textarea(bad_json.text) == json_text

    nothing = await _upload(client, "/staff/surveys/from-definition", text="  ")
    assert _summary(nothing.text) == ["#definition Choose a file, or paste a survey definition"]

    fixed = await _upload(client, "/staff/surveys/from-definition", text=PARKS)
    assert fixed.status_code == 303
    assert await Survey.count() == 1


async def test_json_definitions_are_accepted_too(client: Any, staff_login: Any) -> None:
    await staff_login(client, "research_officer")
    import json

    body = json.dumps(load_bank("customer-satisfaction")).encode()
    made = await _upload(
        client, "/staff/surveys/from-definition", file=("c.json", body, "application/json")
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"].startswith("/staff/surveys/customer-satisfaction/versions")


async def test_identical_upload_changes_nothing_and_a_downloaded_version_round_trips(
    client: Any, staff_login: Any
) -> None:
    await staff_login(client, "research_officer")
    for name in ("resident-satisfaction", "equality-monitoring", "digital-inclusion"):
        await definitions_store.save_definition(load_bank(name))
        before = await SurveyVersion.count()
        download = await client.get(f"/staff/surveys/{name}/versions/1/definition.yaml")
        again = await _upload(
            client,
            f"/staff/surveys/{name}/versions/new",
            file=(f"{name}-v1.yaml", download.content, "application/yaml"),
        )
        assert again.status_code == 303, again.text
        assert (
            again.headers["location"] == f"/staff/surveys/{name}/versions?saved=unchanged&version=1"
        )
        assert await SurveyVersion.count() == before
        page = await client.get(again.headers["location"])
        assert "Nothing changed: the definition is the same as version 1." in page.text

    # The bank's own file, with its comments and layout, is the same definition as well.
    same = await _upload(
        client,
        "/staff/surveys/resident-satisfaction/versions/new",
        text=bank_path("resident-satisfaction").read_text(encoding="utf-8"),
    )
    assert "saved=unchanged" in same.headers["location"]


async def test_a_version_with_responses_is_never_changed(client: Any, staff_login: Any) -> None:
    user = await staff_login(client, "research_officer")
    await definitions_store.save_definition(load_bank("resident-satisfaction"))
    original = await definitions_store.get_version("resident-satisfaction", 1)
    url = "/staff/surveys/resident-satisfaction/versions/new"
    edited = load_bank("resident-satisfaction")
    edited["title"]["en"] = "Your area and your council"

    # No responses yet: version 1 is corrected in place.
    replaced = await _upload(client, url, text=yaml.safe_dump(edited))
    assert replaced.headers["location"].endswith("saved=replaced&version=1")
    assert await SurveyVersion.count() == 1
    v1 = await definitions_store.get_version("resident-satisfaction", 1)
    assert v1.content_hash != original.content_hash

    await responses.record_assisted(
        "resident-satisfaction", RESIDENT_ANSWERS, mode="paper", entered_by=int(user.id)
    )
    edited["title"]["en"] = "Your area, your council"
    created = await _upload(client, url, text=yaml.safe_dump(edited))
    assert created.headers["location"].endswith("saved=created&version=2")
    assert (await definitions_store.get_version("resident-satisfaction", 1)).content_hash == (
        v1.content_hash
    )
    page = await client.get("/staff/surveys/resident-satisfaction/versions")
    rows = re.findall(r'<tr class="govuk-table__row">\s*<th scope="row".*?</tr>', page.text, re.S)
    assert len(rows) == 2
    assert ">2</th>" in rows[0] and "Current" in rows[0] and "No responses yet" in rows[0]
    assert ">1</th>" in rows[1] and "Locked: has responses" in rows[1] and "Current" not in rows[1]
    assert re.search(r"numeric\">1</td>", rows[1])


async def test_slugs_must_match_the_page(client: Any, staff_login: Any) -> None:
    await staff_login(client, "research_officer")
    await definitions_store.save_definition(load_bank("customer-satisfaction"))
    # A survey's page takes only its own slug ...
    other = await _upload(client, "/staff/surveys/customer-satisfaction/versions/new", text=PARKS)
    assert other.status_code == 400
    (entry,) = _summary(other.text)
    assert entry.startswith("#definition slug: this definition is for the survey 'parks-2025'")
    # ... and "add a survey" only a new one.
    existing = yaml.safe_dump(load_bank("customer-satisfaction"))
    taken = await _upload(client, "/staff/surveys/from-definition", text=existing)
    (entry,) = _summary(taken.text)
    assert entry.startswith("#definition slug: there is already a survey 'customer-satisfaction'")
    reserved = await _upload(
        client, "/staff/surveys/from-definition", text=PARKS.replace("parks-2025", "from-bank")
    )
    assert "is the address of a staff page" in _summary(reserved.text)[0]
    assert await SurveyVersion.count() == 1
    assert (await client.get("/staff/surveys/nope/versions/new")).status_code == 404
    assert (
        await _upload(client, "/staff/surveys/nope/versions/new", text=PARKS)
    ).status_code == 404


async def test_roles_sign_in_and_csrf(client: Any, staff_login: Any) -> None:
    await definitions_store.save_definition(load_bank("customer-satisfaction"))
    pages = [
        "/staff/surveys/from-definition",
        "/staff/surveys/customer-satisfaction/versions",
        "/staff/surveys/customer-satisfaction/versions/new",
        "/staff/surveys/customer-satisfaction/versions/1/definition.yaml",
    ]
    browser = {"accept": "text/html,application/xhtml+xml"}
    for url in pages:
        anonymous = await client.get(url, headers=browser)
        assert anonymous.status_code == 303, url
        assert anonymous.headers["location"] == f"/staff/sign-in?next={url}"
    anonymous_post = await _upload(
        client, "/staff/surveys/from-definition", text=PARKS, headers=browser
    )
    assert anonymous_post.status_code == 303
    assert anonymous_post.headers["location"].startswith("/staff/sign-in")

    await staff_login(client, "web_team")
    for url in pages:
        assert (await client.get(url)).status_code == 403, url
    for url in pages[::2]:
        assert (await _upload(client, url, text=PARKS)).status_code == 403, url
    assert await Survey.count() == 1

    client.cookies.clear()
    await staff_login(client, "research_officer")
    no_token = await client.post(
        "/staff/surveys/from-definition",
        data={"definition": PARKS},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert no_token.status_code == 403
    assert await Survey.count() == 1


async def test_too_large_and_not_utf8(client: Any, staff_login: Any) -> None:
    await staff_login(client, "research_officer")
    url = "/staff/surveys/from-definition"
    limit = definition_uploads.MAX_DEFINITION_BYTES
    message = f"The definition must be smaller than {limit // 1024} KB"

    big = PARKS + "#" * limit
    too_big = await _upload(client, url, text="kept", file=("big.yaml", big.encode(), "text/yaml"))
    assert too_big.status_code == 413
    assert _summary(too_big.text) == [f"#file {message}"]
    assert _textarea(too_big.text) == "kept"

    pasted = await _upload(client, url, text=big)
    assert pasted.status_code == 413
    assert _summary(pasted.text) == [f"#definition {message}"]

    # Beyond what the form may carry at all, the page says the same (nothing could be read).
    huge = b"#" * (definition_uploads.MAX_FORM_BYTES + 1)
    refused = await _upload(client, url, file=("huge.yaml", huge, "text/yaml"))
    assert refused.status_code == 303
    assert refused.headers["location"] == f"{url}?problem=too-large"
    shown = await client.get(refused.headers["location"])
    assert _summary(shown.text) == [f"#file {message}"]

    latin1 = PARKS.replace("Parks survey", "Parcs café survey").encode("latin-1")
    not_utf8 = await _upload(client, url, text="kept too", file=("p.yaml", latin1, "text/yaml"))
    assert not_utf8.status_code == 400
    (entry,) = _summary(not_utf8.text)
    assert entry.startswith("#file The file is not UTF-8 text")
    assert _textarea(not_utf8.text) == "kept too"

    empty = await _upload(client, url, file=("empty.yaml", b"", "text/yaml"))
    assert _summary(empty.text) == ["#file empty.yaml is empty"]

    # A UTF-8 byte-order mark (as some Windows editors write) is fine.
    with_bom = await _upload(client, url, file=("p.yaml", b"\xef\xbb\xbf" + PARKS.encode(), "x"))
    assert with_bom.status_code == 303
    assert await Survey.count() == 1
