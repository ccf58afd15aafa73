"""A nesting limit for JSON input, checked before any parser recurses into it (issue 14 #6).

200,000 ``[`` made every JSON path of the API answer 500 and the CLI print a RecursionError
traceback. :func:`check_depth` finds the deepest nesting of ``[``/``{`` outside strings at C
speed (regular expressions and numpy, no Python loop per character) and raises a
:class:`~geowarn.errors.ParseError` naming the line and column where the limit is passed.

>>> check_depth('{"a": [[1, 2], "[[[[["]}', limit=3)
>>> try:
...     check_depth('{"a": [[[1]]]}', limit=3)
... except ParseError as exc:
...     print(exc)
line 1, column 9: JSON nested deeper than 3 levels
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from geowarn.errors import ParseError

#: Deepest accepted nesting: GeoJSON needs 7 (FeatureCollection → MultiPolygon coordinates).
MAX_DEPTH = 64
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


def check_depth(text: str | bytes, *, limit: int = MAX_DEPTH) -> None:
    """Raise :class:`ParseError` when ``text`` nests ``[``/``{`` deeper than ``limit`` (strings ignored)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return
    s = raw.decode("utf-8", "replace")
    # blank out strings (same length, so offsets stay valid), keep only the brackets and their offsets
    blanked = _STRING.sub(lambda m: " " * len(m.group(0)), s)
    marks = np.frombuffer(blanked.encode("utf-32-le"), dtype=np.uint32)
    opening = (marks == ord("[")) | (marks == ord("{"))
    closing = (marks == ord("]")) | (marks == ord("}"))
    steps = opening.astype(np.int32) - closing.astype(np.int32)
    depth = np.cumsum(steps)
    if depth.size == 0 or int(depth.max()) <= limit:
        return
    at = int(np.argmax(depth > limit))
    line = s.count("\n", 0, at) + 1
    column = at - (s.rfind("\n", 0, at) + 1) + 1
    raise ParseError(f"JSON nested deeper than {limit} levels", line=line, column=column)


def load_object(text: str, *, what: str = "JSON") -> dict[str, Any]:
    """Parse ``text`` as a JSON object, its nesting checked first; errors name the line and column.

    Parameters
    ----------
    text
        The JSON text.
    what
        How the error calls the expected object (``"GeoJSON"``: "expected a GeoJSON object").

    Returns
    -------
    dict
        The object.

    Examples
    --------
    >>> load_object('{"type": "FeatureCollection"}')
    {'type': 'FeatureCollection'}
    >>> try:
    ...     load_object("[1]", what="GeoJSON")
    ... except ParseError as exc:
    ...     print(exc)
    $: expected a GeoJSON object
    """
    check_depth(text)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None
    if not isinstance(obj, dict):
        raise ParseError(f"expected a {what} object", path="$")
    return obj
