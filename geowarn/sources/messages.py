r"""Split one paste holding several NOTAMs or navigational warnings into its messages.

A duty officer pastes whatever arrived, often two NOTAMs or a run of HYDROPAC warnings in one
block. Each message must become its own corridors with its own id and windows, never a merge
into its neighbour. A message starts at a line beginning with a NOTAM id (``A1234/23``,
``(A1234/23 NOTAMN``, ``!FDC 3/1234``) or a warning id (``NAVAREA XII 387/23``, ``HYDROPAC
1234/23``); a bare date-time group on the line just above a warning id (NGA's printed layout)
belongs to that warning. A second id line before anything else of the message (``HYDROPAC
321/16`` then ``NAVAREA XI 0123/16``) is the same message, and so is a NOTAM id repeated right
after its own message (the next part of ``A0380/25 … PART 1 OF 2``).

>>> text = "A0001/23 NOTAMN\nE) N392852E0955438-N385637E0955854-N385000E0960000 BACK TO START\n"
>>> [s for s, _ in split_messages(text + text.replace("A0001", "A0002"), "notam")]
[0, 81]
>>> split_messages("NAVAREA XI 0123/16\n1. 36-04N 124-30E", "navwarn")
[(0, 36)]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from geowarn.errors import ParseError
from geowarn.sources.common import ParsedInput, shift_error

__all__ = ["parse_each", "split_messages"]

_NOTAM_HEAD = re.compile(r"(?m)^[ \t]*(?:\(\s*)?(?:[A-Z]\d{4}/\d{2}\b|!FDC\s+\d/\d{3,4}\b)")
_NAVWARN_HEAD = re.compile(
    r"(?m)^[ \t]*(?:NAVAREA\s+[IVXL]{1,5}|HYDROPAC|HYDROLANT|HYDROARC)\s+\d{1,4}/\d{2,4}\b", re.I
)
_BARE_DTG = re.compile(r"(?m)^[ \t]*\d{6}Z\s+[A-Z]{3}\s+\d{2,4}[ \t.]*\n[ \t]*\Z", re.I)
_BODY = re.compile(r"\d")


def split_messages(text: str, fmt: str) -> list[tuple[int, int]]:
    """Character spans ``[start, end)`` of each message of ``text`` (one span when there is one message).

    ``fmt`` is ``"notam"`` or ``"navwarn"``; any other format gives one span. Text before the
    first message head belongs to the first message.
    """
    pat = _NOTAM_HEAD if fmt == "notam" else _NAVWARN_HEAD if fmt == "navwarn" else None
    if pat is None:
        return [(0, len(text))]
    starts: list[int] = []
    ids: list[str] = []
    for m in pat.finditer(text):
        start = m.start()
        mid = " ".join(m.group(0).strip(" \t(").split())
        if fmt == "notam" and ids and mid == ids[-1]:
            continue  # the same NOTAM id again: its next part (PART 2 OF 2), the same message
        if starts:
            line_end = text.find("\n", starts[-1])
            first_line_end = len(text) if line_end < 0 else line_end
            body = text[first_line_end:start]
            if not _BODY.search(body):
                continue  # an alias id right under the first: the same message
        if fmt == "navwarn":
            before = text[:start]
            prev = before.rfind("\n", 0, max(0, len(before) - 1))
            dtg = _BARE_DTG.search(before, prev + 1)
            if dtg and (not starts or dtg.start() > starts[-1]):
                start = dtg.start()
        starts.append(start)
        ids.append(mid)
    if len(starts) <= 1:
        return [(0, len(text))]
    starts[0] = 0
    return [(s, e) for s, e in zip(starts, [*starts[1:], len(text)], strict=True)]


def parse_each(
    text: str,
    spans: list[tuple[int, int]],
    parse_one: Callable[[str], ParsedInput],
    *,
    fmt: str | None,
    name: str | None,
) -> ParsedInput:
    """Parse each message of a paste on its own; their corridors side by side, their metas under ``messages``.

    An error names its message (``message 2: line 3 …``, lines counted in the whole paste); two messages
    giving the same corridor id are an error, never a silent merge. Cancellations of all the
    messages are gathered in ``meta["cancels"]`` when any message has some.

    Parameters
    ----------
    text
        The whole paste.
    spans
        ``(start, end)`` offsets of each message (:func:`split_messages`).
    parse_one
        The reader of one message.
    fmt
        The format of the result (``None``: the first message's).
    name
        A name for the input (``meta["name"]``).

    Returns
    -------
    ParsedInput
        The corridors of every message.
    """
    outs = []
    for index, (start, end) in enumerate(spans):
        try:
            outs.append(parse_one(text[start:end]))
        except ParseError as exc:
            raise shift_error(exc, text, start, prefix=f"message {index + 1}: ") from None
    corridors = [c for o in outs for c in o.corridors]
    ids = [c.id for c in corridors]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ParseError(f"the same corridor id {dup[0]!r} comes from two messages of this paste", line=1)
    meta: dict[str, Any] = {"messages": [o.meta for o in outs]}
    if any("cancels" in o.meta for o in outs):
        meta["cancels"] = [c for o in outs for c in o.meta.get("cancels", [])]
    if name:
        meta["name"] = name
    return ParsedInput(fmt or outs[0].format, corridors, meta)
