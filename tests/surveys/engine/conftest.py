"""Fixtures for the survey engine tests: a Jinja environment that finds our
macros and GOV.UK Frontend's, and small helpers for building definitions."""

from __future__ import annotations

import sys
from pathlib import Path

import jinja2
import pytest

ROOT = Path(__file__).resolve().parents[3]

# The tests import small helpers from ``engine_helpers.py`` beside this file.
# Put this folder on sys.path so that works under pytest's importlib import
# mode as well as the default one (conftest is loaded before test modules).
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def jinja_env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(str(ROOT / "surveys" / "templates")),
                jinja2.PrefixLoader(
                    {"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja")}
                ),
            ]
        ),
        autoescape=True,
    )
