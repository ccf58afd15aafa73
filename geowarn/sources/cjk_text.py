"""Normalise CJK notice text (NFKC) without losing where each character came from.

Chinese, Japanese and Korean notices mix full-width digits and punctuation (``２８－２９．０６Ｎ``,
``，``, ``（``) with ASCII. :func:`normalise` applies NFKC character by character and keeps, for
each output character, the offset of the input character it came from, so a parser can work on
the normalised text and still name the line and column of the original.

>>> n = normalise("２８－２９．０６Ｎ，在")
>>> n.text, n.origin(3), n.line_col(4)
('28-29.06N,在', 3, (1, 5))
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from geowarn.errors import ParseError
from geowarn.sources.coords import line_col

__all__ = ["Normalised", "normalise", "remap_error"]

_EXTRA = {"\u2212": "-", "\u2013": "-", "\uff5e": "~", "\u301c": "~"}


@dataclass(frozen=True)
class Normalised:
    """NFKC text and, for every one of its characters, the offset it had in ``source``."""

    source: str
    text: str
    offsets: tuple[int, ...]

    def origin(self, index: int) -> int:
        """Offset in ``source`` of the character at ``index`` of ``text`` (its end maps to the end)."""
        if index >= len(self.offsets):
            return len(self.source)
        return self.offsets[index]

    def line_col(self, index: int) -> tuple[int, int]:
        """1-based line and column in ``source`` of ``text[index]``."""
        return line_col(self.source, self.origin(index))


def remap_error(exc: ParseError, n: Normalised) -> ParseError:
    """``exc`` raised on ``n.text`` with its line and column moved to ``n.source``."""
    if exc.line is None:
        return exc
    starts = [0] + [i + 1 for i, ch in enumerate(n.text) if ch == "\n"]
    index = starts[min(exc.line, len(starts)) - 1] + (exc.column or 1) - 1
    line, col = n.line_col(index)
    return ParseError(exc.detail, line=line, column=col if exc.column is not None else None, path=exc.path)


def normalise(source: str) -> Normalised:
    """NFKC-normalise ``source`` one character at a time (see the module docstring).

    Parameters
    ----------
    source
        The text as received.

    Returns
    -------
    Normalised
        The normalised text with its offset map.
    """
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(source):
        n = _EXTRA.get(ch) or (ch if ch.isascii() else unicodedata.normalize("NFKC", ch))
        out.append(n)
        offsets.extend([i] * len(n))
    return Normalised(source, "".join(out), tuple(offsets))
