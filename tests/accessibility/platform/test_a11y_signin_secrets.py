"""Sign-in secrets (issue 9): only administrator-allowed variables, only typed into the audited
site, never in an error message."""

from __future__ import annotations

from typing import Any

import pytest

from accessibility import services
from accessibility.browser import BrowserPool
from accessibility.schemas import SignInSettings, SiteIn
from accessibility.signin import SignIn, SignInError, sign_in

SECRET = "s3cret-value-never-shown-in-any-log-or-report"  # long enough to be a SECRET_KEY
FORM = (
    '<form action="/got" method="get"><label for="pw">Password</label>'
    '<input id="pw" name="pw"><button type="submit">Sign in</button></form>'
)


def test_only_variables_with_the_allowed_prefix_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.settings import get_settings

    get_settings()  # settings are read once per process, before this test's SECRET_KEY
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("RV_AUDIT_SECRET_CMS", SECRET)
    with pytest.raises(SignInError, match="RV_AUDIT_SECRET_") as caught:
        SignIn("https://council.example/login", {"#pw": "$SECRET_KEY"}).resolved_fields()
    assert SECRET not in str(caught.value)
    with pytest.raises(SignInError, match="DATABASE_URL"):
        SignIn("https://council.example/login", {"#pw": "${DATABASE_URL}"}).resolved_fields()
    fields = SignIn("https://council.example/login", {"pw": "$RV_AUDIT_SECRET_CMS"})
    assert fields.resolved_fields() == {'[name="pw"]': SECRET}


def test_an_empty_prefix_allows_no_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.settings import get_settings

    monkeypatch.setenv("RV_AUDIT_SECRET_CMS", SECRET)
    monkeypatch.setattr(get_settings(), "audit_secret_prefix", "")
    with pytest.raises(SignInError, match="none are allowed"):
        SignIn("https://council.example/login", {"#pw": "$RV_AUDIT_SECRET_CMS"}).resolved_fields()


async def test_site_settings_refuse_other_variables_and_other_sites(db: Any) -> None:
    site = SiteIn(
        name="Council",
        start_urls=["https://council.example/"],
        signin=SignInSettings(url="https://evil.example/login", fields={"#pw": "$SECRET_KEY"}),
    )
    with pytest.raises(services.SiteError) as caught:
        await services.create_site(site)
    messages = [m for f, m in caught.value.errors if f == "signin"]
    assert any("SECRET_KEY" in m and "RV_AUDIT_SECRET_" in m for m in messages), messages
    assert any("on the audited site" in m for m in messages), messages
    fine = SiteIn(
        name="Council",
        start_urls=["https://council.example/"],
        signin=SignInSettings(
            url="https://council.example/login", fields={"#pw": "$RV_AUDIT_SECRET_CMS"}
        ),
    )
    assert await services.create_site(fine) > 0


@pytest.mark.browser
async def test_nothing_is_typed_into_a_page_off_the_site(
    browser: Any, make_site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.accessibility.platform.conftest import html

    monkeypatch.setenv("RV_AUDIT_SECRET_PW", SECRET)
    elsewhere = make_site({"/login": html(FORM, "Sign in")})
    audited = make_site({"/login": (302, {"Location": f"{elsewhere.url}/login"}, b"")})
    pool = BrowserPool(browser, allow_private=True)
    signin = SignIn(f"{audited.url}/login", {"#pw": "$RV_AUDIT_SECRET_PW"})
    with pytest.raises(SignInError, match="off the site") as caught:
        await sign_in(pool, signin, {audited.url})
    assert SECRET not in str(caught.value)
    assert not any(SECRET in path for path in elsewhere.paths()), elsewhere.paths()
    with pytest.raises(SignInError, match="not on the audited site"):
        await sign_in(pool, SignIn(f"{elsewhere.url}/login", signin.fields), {audited.url})


@pytest.mark.browser
async def test_a_failed_sign_in_does_not_repeat_the_secret(
    browser: Any, make_site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.accessibility.platform.conftest import html

    monkeypatch.setenv("RV_AUDIT_SECRET_PW", SECRET)
    site = make_site({"/login": html(FORM, "Sign in")})
    pool = BrowserPool(browser, allow_private=True)
    # The submit button's selector is wrong: the step after typing the secret fails.
    signin = SignIn(f"{site.url}/login", {"#pw": "$RV_AUDIT_SECRET_PW"}, submit="#missing")
    with pytest.raises(SignInError, match="failed") as caught:
        await sign_in(pool, signin, {site.url})
    assert SECRET not in str(caught.value)
