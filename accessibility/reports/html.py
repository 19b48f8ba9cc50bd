"""The standalone HTML report the CLI writes: one file, styles and screenshots inside it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from accessibility.reports.view import ReportView

__all__ = ["REPORT_CSS", "render_standalone"]

_HERE = Path(__file__).resolve().parent.parent
TEMPLATES = _HERE / "templates"
REPORT_CSS = _HERE / "static" / "report.css"
GOVUK_CSS = (
    _HERE.parent / "node_modules" / "govuk-frontend" / "dist" / "govuk" / "govuk-frontend.min.css"
)


@cache
def _environment() -> Environment:
    return Environment(
        loader=ChoiceLoader([FileSystemLoader(str(TEMPLATES))]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _govuk_css() -> str:
    """GOV.UK Frontend's CSS, without its font and image URLs (the file travels alone)."""
    if not GOVUK_CSS.exists():
        return "body{font-family:arial,sans-serif;margin:0 1em;line-height:1.4}"
    return GOVUK_CSS.read_text(encoding="utf-8")


def render_standalone(view: ReportView) -> str:
    """The report as one self-contained HTML document."""
    template = _environment().get_template("accessibility/report_standalone.html")
    return template.render(
        report=view, govuk_css=_govuk_css(), report_css=REPORT_CSS.read_text(encoding="utf-8")
    )
