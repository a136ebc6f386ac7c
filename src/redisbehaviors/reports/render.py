"""Templates for every page the reports write: one Jinja2 environment, with autoescape.

Templates live in ``reports/templates/``.  An HTML (or SVG, XML) template escapes every value it is
given; a Markdown template (``*.md``) does not, and uses the ``md_cell`` filter for table cells.
Markdown written by people (feature narratives) becomes HTML through the ``markdown`` and
``markdown_inline`` filters (markdown-it-py, raw HTML disabled, so a narrative cannot inject markup).

Use :func:`render` for a whole page, or :func:`environment` to add globals for a family of pages.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup


@cache
def _markdown() -> MarkdownIt:
    # "js-default": CommonMark plus tables and strikethrough, raw HTML off, links validated.
    return MarkdownIt("js-default")


def markdown(text: str) -> Markup:
    """Block Markdown (paragraphs, lists, emphasis, code) as safe HTML."""
    return Markup(_markdown().render(text))  # markdown-it escapes the text itself (html=False)


def markdown_inline(text: str) -> Markup:
    """One line of Markdown (emphasis, code) as safe HTML, without a wrapping paragraph."""
    return Markup(_markdown().renderInline(text))


def md_cell(value: object) -> str:
    """A value for a Markdown table cell: a ``|`` would end the cell, a newline the row."""
    return " ".join(str(value).split()).replace("|", "\\|")


@cache
def environment() -> jinja2.Environment:
    """The reports' Jinja2 environment (shared; add globals with ``environment().globals``)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("redisbehaviors.reports", "templates"),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "svg", "xml"), disabled_extensions=("md",), default=True
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(markdown=markdown, markdown_inline=markdown_inline, md_cell=md_cell)
    return env


def render(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` with ``context``."""
    return environment().get_template(template).render(**context)
