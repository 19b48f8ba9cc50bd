"""Signing in before auditing pages behind a login.

A site's sign-in settings name a page, the fields to fill and the button to press; the
browser does it once and every later page's context reuses the cookies and storage.

A field's value may name an environment variable (``$NAME``), so credentials never sit in the
database. Whoever edits a site could otherwise ask for ``$SECRET_KEY`` or ``$DATABASE_URL``
and point the sign-in URL at a page they control, so: only variables whose names start with
the administrator's prefix (setting ``AUDIT_SECRET_PREFIX``, default ``RV_AUDIT_SECRET_``)
may be named; the sign-in page must be on the audited site, before and after its redirects,
or nothing is typed; and a value never appears in an error, a log line or a report (errors
are scrubbed of it; the sign-in page is never screenshotted).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError

from accessibility.browser import BrowserPool
from accessibility.crawl.urls import normalise_url, origin
from service.settings import get_settings

__all__ = ["SignIn", "SignInError", "secret_prefix", "sign_in", "signin_problems"]

_ENV_REF = re.compile(r"^\$\{?([A-Z_][A-Z0-9_]*)\}?$")


class SignInError(RuntimeError):
    """The sign-in script could not sign in; the message says which step failed."""


@dataclass
class SignIn:
    """How to sign in before auditing pages behind a login.

    ``fields`` maps a CSS selector (or a form field's name) to its value; a value written
    ``$NAME`` or ``${NAME}`` is read from the environment variable NAME, so credentials never
    sit in the database or in a command line.
    """

    url: str
    fields: dict[str, str]
    submit: str = "button[type=submit], input[type=submit]"

    def variables(self) -> list[tuple[str, str]]:
        """(selector, variable name) of every field that names an environment variable."""
        out = []
        for selector, value in self.fields.items():
            match = _ENV_REF.match(value)
            if match:
                out.append((selector, match.group(1)))
        return out

    def resolved_fields(self) -> dict[str, str]:
        """Selector → value, variables read from the environment; SignInError for a variable
        outside the administrator's prefix or not set (the message never has a value)."""
        prefix = secret_prefix()
        out = {}
        for selector, value in self.fields.items():
            match = _ENV_REF.match(value)
            if match:
                name = match.group(1)
                if not prefix or not name.startswith(prefix):
                    raise SignInError(_not_allowed(selector, name, prefix))
                if name not in os.environ:
                    raise SignInError(
                        f"sign-in field {selector!r}: environment variable {name} is not set"
                    )
                value = os.environ[name]
            if not selector.startswith(("#", ".", "[")) and " " not in selector:
                selector = f'[name="{selector}"]'
            out[selector] = value
        return out


def secret_prefix() -> str:
    """The prefix an administrator set for variables sign-in may read ("" allows none)."""
    return get_settings().audit_secret_prefix.strip()


def _not_allowed(selector: str, name: str, prefix: str) -> str:
    allowed = f"names must start with {prefix}" if prefix else "none are allowed"
    return (
        f"sign-in field {selector!r}: environment variable {name} is not one an administrator "
        f"allowed for sign-in ({allowed}; setting AUDIT_SECRET_PREFIX)"
    )


def _origin(url: str) -> str | None:
    normal = normalise_url(url)
    return origin(normal) if normal else None


def signin_problems(signin: SignIn, start_urls: list[str]) -> list[str]:
    """Why these sign-in settings may not be used for a site with these start URLs (none when
    fine): a variable outside the allowed prefix, or a sign-in page off the site."""
    prefix = secret_prefix()
    problems = [_not_allowed(sel, name, prefix) for sel, name in signin.variables()
                if not prefix or not name.startswith(prefix)]  # fmt: skip
    site = {_origin(u) for u in start_urls} - {None}
    if _origin(signin.url) not in site:
        problems.append("the sign-in page must be on the audited site (a start URL's origin)")
    return problems


def _scrub(message: str, secrets: list[str]) -> str:
    for value in secrets:
        if value:
            message = message.replace(value, "[secret]")
    return message


async def sign_in(pool: BrowserPool, signin: SignIn, site_origins: set[str]) -> dict[str, str]:
    """Run the sign-in script once; later contexts reuse its cookies and storage.

    Nothing is typed unless the page the browser landed on (after redirects) has one of
    ``site_origins``; a value never leaves in an error message.
    """
    if _origin(signin.url) not in site_origins:
        raise SignInError(f"sign-in at {signin.url} refused: the page is not on the audited site")
    fields = signin.resolved_fields()
    secrets = [value for _, value in sorted(fields.items())]
    async with pool.context() as context:
        page = await context.new_page()
        try:
            await page.goto(signin.url, wait_until="load", timeout=30_000)
            if _origin(page.url) not in site_origins:
                raise SignInError(
                    f"sign-in at {signin.url} refused: it sent the browser off the site, to "
                    f"{_origin(page.url)}; nothing was typed"
                )
            for selector, value in fields.items():
                await page.fill(selector, value, timeout=10_000)
            async with page.expect_navigation(wait_until="load", timeout=30_000):
                await page.click(signin.submit, timeout=10_000)
        except PlaywrightError as error:
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise SignInError(_scrub(f"sign-in at {signin.url} failed: {first}", secrets)) from None
        pool.storage_state = await context.storage_state()
        cookies = await context.cookies()
    return {c["name"]: c["value"] for c in cookies if "name" in c and "value" in c}
