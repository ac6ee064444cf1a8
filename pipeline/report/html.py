"""The report page: a Jinja2 template (autoescaped) filled with the report's view model."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"


def environment() -> Environment:
    """Templates from pipeline/report/templates, HTML autoescaped, unknown names an error."""
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(model: dict) -> str:
    """The report page for a view model (see pipeline.report.build.view_model)."""
    return environment().get_template("report.html.j2").render(**model)
