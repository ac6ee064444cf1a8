"""HTML rendering for the review page and `muni diff --format html`: Jinja2 templates, every value escaped."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The template environment: autoescaping on for every template, undefined names are errors."""
    from jinja2 import StrictUndefined

    from pipeline.review.diff import display

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["show"] = lambda v: "∅" if display(v) is None else display(v)
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)


def inline_css() -> str:
    """The stylesheet, for pages written to a file (no network, no separate asset)."""
    return (STATIC / "style.css").read_text(encoding="utf-8")


def render_diff_page(diffs, run_a: str, run_b: str) -> str:
    """A standalone HTML page of the diff between two runs."""
    from pipeline.review.runs import html_context

    return render("diff.html", standalone=True, css=inline_css(), user=None, read_only=True, csrf="",
                  **html_context(diffs, run_a, run_b))
