"""Every route is either explicitly public or refuses anonymous and wrong-role requests.

This walks Litestar's route table, so a route added later without a guard fails here.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from service.auth import PUBLIC_PATH_PREFIXES, public
from service.roles import Role
from tests.conftest import create_staff, csrf_token, sign_in

PARAM = re.compile(r"{(\w+)(?::(\w+))?}")
SAMPLES = {"int": "1", "uuid": str(uuid.uuid4()), "path": "x", "str": "x"}


def concrete(path: str) -> str:
    return PARAM.sub(lambda m: SAMPLES.get(m.group(2) or "str", "x"), path)


def route_table(app: Litestar) -> list[tuple[str, str, Any]]:
    rows = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods):
                if method in ("HEAD", "OPTIONS"):
                    continue
                rows.append((method, route.path, handler))
    return rows


def is_public(path: str, handler: Any) -> bool:
    if any(path == p or path.startswith(p + "/") for p in PUBLIC_PATH_PREFIXES):
        return True
    opt_public = bool(handler.opt.get("exclude_from_auth"))
    guard_public = public in guards(handler)
    assert opt_public == guard_public, (
        f"{path}: a public route needs both opt exclude_from_auth and the `public` guard"
    )
    return opt_public


def guards(handler: Any) -> list[Any]:
    """The guard functions (Litestar wraps them in AsyncCallable)."""
    return [getattr(g, "func", g) for g in handler.resolve_guards()]


def allowed_roles(handler: Any) -> set[str]:
    allowed: set[str] | None = None
    for guard in guards(handler):
        roles = getattr(guard, "roles", None)
        if roles is not None:
            allowed = set(roles) if allowed is None else allowed & set(roles)
    return allowed or set()


@pytest.mark.db
async def test_every_staff_route_refuses_anonymous_and_wrong_roles(client: Any, app: Litestar):
    staff = []
    for method, path, handler in route_table(app):
        if is_public(path, handler):
            continue
        roles = allowed_roles(handler)
        assert roles, f"{method} {path} is not public and declares no role guard"
        staff.append((method, path, roles))
    assert staff, "expected staff routes in the route table"

    token = await csrf_token(client)
    headers = {"accept": "application/json", "x-csrftoken": token}
    for method, path, _ in staff:
        response = await client.request(method, concrete(path), headers=headers)
        assert response.status_code == 401, f"anonymous {method} {path} -> {response.status_code}"

    refused = 0
    for role in Role:
        if role is Role.ADMIN:
            continue
        user, password = await create_staff(role.value)
        client.cookies.clear()
        assert (await sign_in(client, user.email, password)).status_code == 303
        headers["x-csrftoken"] = await csrf_token(client)
        for method, path, roles in staff:
            if role.value in roles:
                continue
            response = await client.request(method, concrete(path), headers=headers)
            assert response.status_code == 403, (
                f"{role.value} {method} {path} -> {response.status_code}"
            )
            refused += 1
    assert refused, "no route restricted to some roles was exercised"


def test_public_routes_are_the_ones_we_meant(app: Litestar):
    """A short, reviewable list: anything new here should be a deliberate choice."""
    public_paths = sorted(
        {path for _, path, handler in route_table(app) if is_public(path, handler)}
    )
    allowed_prefixes = (
        "/health",
        "/staff/sign-in",
        "/s/",
        "/o/",
        "/r/",
        "/assets",
        "/static",
        "/schema",
        "/privacy",
        "/accessibility",
        "/join",
        "/panel/",
        "/demo-council",  # the demo's sample council website, which the auditor visits
    )
    unexpected = [p for p in public_paths if p != "/" and not p.startswith(allowed_prefixes)]
    assert not unexpected, f"unexpected public routes: {unexpected}"
