"""Signing in before auditing pages behind a login.

A site's sign-in settings name a page, the fields to fill and the button to press; the
browser does it once and every later page's context reuses the cookies and storage.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError

from accessibility.browser import BrowserPool

__all__ = ["SignIn", "SignInError", "sign_in"]

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

    def resolved_fields(self) -> dict[str, str]:
        out = {}
        for selector, value in self.fields.items():
            match = _ENV_REF.match(value)
            if match:
                name = match.group(1)
                if name not in os.environ:
                    raise SignInError(
                        f"sign-in field {selector!r}: environment variable {name} is not set"
                    )
                value = os.environ[name]
            if not selector.startswith(("#", ".", "[")) and " " not in selector:
                selector = f'[name="{selector}"]'
            out[selector] = value
        return out


async def sign_in(pool: BrowserPool, signin: SignIn) -> dict[str, str]:
    """Run the sign-in script once; later contexts reuse its cookies and storage."""
    fields = signin.resolved_fields()
    async with pool.context() as context:
        page = await context.new_page()
        try:
            await page.goto(signin.url, wait_until="load", timeout=30_000)
            for selector, value in fields.items():
                await page.fill(selector, value, timeout=10_000)
            async with page.expect_navigation(wait_until="load", timeout=30_000):
                await page.click(signin.submit, timeout=10_000)
        except PlaywrightError as error:
            raise SignInError(
                f"sign-in at {signin.url} failed: {str(error).splitlines()[0]}"
            ) from None
        pool.storage_state = await context.storage_state()
        cookies = await context.cookies()
    return {c["name"]: c["value"] for c in cookies if "name" in c and "value" in c}
