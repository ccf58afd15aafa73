"""The controls' jinja2 templates (package data in ``templates/``) and JSON safe inside a ``<script>``."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import branca.element


@cache
def load_template(name: str) -> branca.element.Template:
    """Load the template ``templates/<name>`` of this package, compiled once.

    >>> "script" in load_template("legend.js.j2").module.__dict__
    True
    """
    text = resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8")
    return branca.element.Template(text)


def js_json(value: Any) -> str:
    r"""JSON safe to embed in a ``<script>``: ``<``, ``>``, ``&`` and line separators escaped.

    >>> js_json({"a": "</script><img src=x>"})
    '{"a": "\\u003c/script\\u003e\\u003cimg src=x\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    for ch, rep in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, rep)
    return text
