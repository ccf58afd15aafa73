"""Helpers shared by the text parsers: input limits, comments, months, phases, ids.

>>> guess_phase("FIRST STAGE DROP AREA")
<Phase.STAGE1: 'stage1'>
>>> slug("NAVAREA XI 0123/16")
'navarea-xi-0123-16'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from geowarn.errors import ParseError, PayloadTooLarge
from geowarn.model import Corridor, Phase

MAX_TEXT_CHARS = 1_000_000
"""Largest text input (characters) any text parser reads: nothing can hang on a huge paste."""

MAX_AREAS = 100
"""Most areas one message may hold (real ones have a handful)."""


@dataclass(frozen=True)
class ParseWarning:
    """Something in the input that looks like a coordinate or a window but no corridor used.

    >>> str(ParseWarning(3, 7, "N895", "looks like an air route, not a coordinate; not read"))
    "line 3, column 7: 'N895' looks like an air route, not a coordinate; not read"
    """

    line: int
    column: int
    token: str
    reason: str
    #: The reason's stable code (catalogue ``warning.<code>``, :meth:`of`) and its values (quoted input, verbatim).
    code: str = ""
    values: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, line: int, column: int, token: str, code: str, /, **values: str) -> ParseWarning:
        """Make the warning whose reason is the catalogue message ``warning.<code>`` (English; pages translate it).

        >>> w = ParseWarning.of(3, 7, "N895", "weak_coordinate")
        >>> w.reason, w.to_dict()["code"]
        ('looks like a route or label, not a coordinate; not read', 'weak_coordinate')
        """
        from geowarn.i18n import message

        return cls(line, column, token, message(f"warning.{code}", "en", **values), code, dict(values))

    def __str__(self) -> str:
        """Return the warning as ``line L, column C: 'token' reason``."""
        return f"line {self.line}, column {self.column}: {self.token!r} {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``geowarn.meta.warnings`` items): the English ``reason``, with its ``code`` (and ``values``)."""
        out: dict[str, Any] = {"line": self.line, "column": self.column, "token": self.token, "reason": self.reason}
        if self.code:
            out["code"] = self.code
        if self.values:
            out["values"] = dict(self.values)
        return out


def warning_reason(warning: Mapping[str, Any], lang: str) -> str:
    """Return the reason of a warning's JSON form (:meth:`ParseWarning.to_dict`) in ``lang``.

    One without a known ``code`` (an older stored one, a parser's own error text) keeps its reason.

    >>> w = ParseWarning.of(2, 1, "17212Z", "dtg_repaired", fixed="172120", to="170325").to_dict()
    >>> warning_reason(w, "ja")
    '数字が1つ欠けています：170325Zより前の唯一の時刻として172120Zと読みました。確認してください'
    >>> warning_reason({"reason": "not read", "code": "no-such-code"}, "ja")
    'not read'
    """
    from geowarn.i18n import CATALOGUE, message

    msgid = f"warning.{warning.get('code')}"
    values = warning.get("values") or {}
    if msgid not in CATALOGUE or not isinstance(values, dict):
        return str(warning.get("reason", ""))
    try:
        return message(msgid, lang, **values)
    except (KeyError, IndexError):  # values of another version of the message
        return str(warning.get("reason", ""))


@dataclass
class ParsedInput:
    """What :func:`geowarn.sources.parse` returns.

    ``warnings`` lists what the text parsers saw but did not use (see
    :mod:`geowarn.sources.warnings`); the same list is in ``meta["warnings"]`` when non-empty.
    """

    format: str
    corridors: list[Corridor]
    meta: dict[str, Any] = field(default_factory=dict)
    warnings: list[ParseWarning] = field(default_factory=list)


MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("JAN", "JANUARY"),
            ("FEB", "FEBRUARY"),
            ("MAR", "MARCH"),
            ("APR", "APRIL"),
            ("MAY",),
            ("JUN", "JUNE"),
            ("JUL", "JULY"),
            ("AUG", "AUGUST"),
            ("SEP", "SEPT", "SEPTEMBER"),
            ("OCT", "OCTOBER"),
            ("NOV", "NOVEMBER"),
            ("DEC", "DECEMBER"),
        ]
    )
    for m in names
}
MONTH_RE = (
    r"(?:JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|AUG(?:UST)?"
    r"|SEPT?(?:EMBER)?|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?)"
)


def check_text(text: str, what: str) -> None:
    r"""Refuse a NUL character in input text (one rule on every backend, issue 14 #8): a 400 naming its place.

    >>> check_text("a\nb\x00", "the notice")
    Traceback (most recent call last):
    ...
    geowarn.errors.ParseError: line 2, column 2: the notice contains a NUL character (U+0000)
    """
    at = text.find("\x00")
    if at >= 0:
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise ParseError(f"{what} contains a NUL character (U+0000)", line=line, column=column)


def as_text(data: str | bytes, what: str = "input", *, limit: int = MAX_TEXT_CHARS) -> str:
    """Decode ``data`` as UTF-8 (BOM dropped) and enforce ``limit`` characters (:data:`MAX_TEXT_CHARS`)."""
    if isinstance(data, bytes):
        if len(data) > 4 * limit:
            raise PayloadTooLarge(f"{what} is larger than {limit:,} characters")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(f"{what} is not UTF-8 text (byte {exc.start})") from None
    text = data.removeprefix("\ufeff")
    if len(text) > limit:
        raise PayloadTooLarge(f"{what} is larger than {limit:,} characters")
    check_text(text, what)
    return text


_COMMENT = re.compile(r"(?m)^[ \t]*#[^\n]*")


def mask_comments(text: str) -> str:
    r"""Blank out ``#`` comment lines (same length, so offsets and line numbers stay valid).

    >>> mask_comments("# note\nA. 36-04N")
    '      \nA. 36-04N'
    """
    return _COMMENT.sub(lambda m: " " * len(m.group(0)), text)


def mask(text: str, spans: list[tuple[int, int]]) -> str:
    """Replace character spans by spaces (newlines kept)."""
    chars = list(text)
    for s, e in spans:
        for i in range(s, e):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


_PHASE_WORDS: list[tuple[Phase, re.Pattern[str]]] = [
    (Phase.STAGE1, re.compile(r"\b(?:FIRST|1ST)[\s-]+STAGE\b|\bSTAGE[\s-]*(?:1|ONE|I)\b|\bBOOSTERS?\b|1단|1段|一段")),
    (Phase.FAIRING, re.compile(r"\bFAIRINGS?\b|\bPAYLOAD\s+SHROUD\b|페어링|フェアリング|整流罩")),
    (Phase.STAGE2, re.compile(r"\b(?:SECOND|2ND)[\s-]+STAGE\b|\bSTAGE[\s-]*(?:2|TWO|II)\b|2단|2段|二段")),
    (Phase.STAGE3, re.compile(r"\b(?:THIRD|3RD)[\s-]+STAGE\b|\bSTAGE[\s-]*(?:3|THREE|III)\b|3단|3段|三段")),
    (Phase.REENTRY, re.compile(r"\bRE-?ENTRY\b|\bREENTERING\b|再突入|재진입")),
    (Phase.DEBRIS, re.compile(r"\bDEBRIS\b|\bFALLING\s+OBJECTS?\b|잔해|落下物|残骸")),
]


def guess_phase(text: str) -> Phase | None:
    """Return the phase a text names, if it names exactly one (stages win over a generic 'debris')."""
    up = text.upper()
    found = [p for p, pat in _PHASE_WORDS if pat.search(up)]
    specific = [p for p in found if p is not Phase.DEBRIS]
    if len(specific) == 1:
        return specific[0]
    if not specific and found:
        return Phase.DEBRIS
    return None


ROCKET_LAUNCH = re.compile(r"\b(?:ROCKET|MISSILE|SATELLITE|SPACE\s+VEHICLE)\s+LAUNCH(?:ING|ES)?\b")
THREE_AREA_ORDER = (Phase.STAGE1, Phase.FAIRING, Phase.STAGE2)


def assign_phases(area_texts: list[str], context: str) -> tuple[list[Phase], str]:
    """Phases for the areas of one message and how they were decided.

    1. an area that names its phase gets it ("text"); an area of its own ``ROCKET LAUNCHING``
       (HYDROPAC 3215/25: ``A. ROCKET LAUNCHING IN AREA …  B. SPACE DEBRIS IN AREA …``) is a launch
       hazard area whose falling part is not named: ``other``, never the ``debris`` of its neighbour;
    2. otherwise, if the whole message names exactly one phase, that one ("message");
    3. otherwise, when no area names a phase, the message says it is a rocket
       launch and there are exactly three areas, they are taken in launch order:
       stage1, fairing, stage2 ("order");
    4. otherwise "debris".

    >>> assign_phases(["A", "B", "C"], "HAZARDOUS OPERATIONS, ROCKET LAUNCHING")
    ([<Phase.STAGE1: 'stage1'>, <Phase.FAIRING: 'fairing'>, <Phase.STAGE2: 'stage2'>], 'order')
    >>> assign_phases(["A. ROCKET LAUNCHING IN AREA", "B. SPACE DEBRIS IN AREA"], "HAZARDOUS OPERATIONS")
    ([<Phase.OTHER: 'other'>, <Phase.DEBRIS: 'debris'>], 'text')
    """
    own = [guess_phase(t) or (Phase.OTHER if ROCKET_LAUNCH.search(t.upper()) else None) for t in area_texts]
    if any(p is not None for p in own):
        ctx = guess_phase(context)
        return [p or ctx or Phase.DEBRIS for p in own], "text"
    ctx = guess_phase(context)
    if ctx is not None:
        return [ctx] * len(area_texts), "message"
    if len(area_texts) == 3 and ROCKET_LAUNCH.search(context.upper()):
        return list(THREE_AREA_ORDER), "order"
    return [Phase.DEBRIS] * len(area_texts), "default"


def slug(text: str) -> str:
    """Make a lower-case id fragment: letters, digits and single dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def shift_error(exc: ParseError, text: str, offset: int, prefix: str = "", path: str | None = None) -> ParseError:
    """Re-anchor a ParseError raised on ``text[offset:]`` to ``text`` (and prefix its message)."""
    base_line = text.count("\n", 0, offset) + 1
    base_col = offset - (text.rfind("\n", 0, offset) + 1)
    line = exc.line
    col = exc.column
    if line is not None:
        if line == 1 and col is not None:
            col += base_col
        line += base_line - 1
    detail = exc.detail if not prefix or exc.detail.startswith(prefix) else f"{prefix}{exc.detail}"
    return ParseError(detail, line=line, column=col, path=path or exc.path)


def repair_dtg(five: str, end: str) -> str | None:
    """Put back the digit a five-digit date-time group lost, when only one reading can start its window.

    HYDROPAC 3317/25 was published with ``17212Z TO 170325Z DEC``: of every ``DDHHMM`` made by
    inserting one digit into ``17212``, only ``170212`` is a time at most 24 hours before the end
    ``170325``. Several readings (or none) give ``None``: the group stays unread and warned about.

    >>> repair_dtg("17212", "170325"), repair_dtg("17212", "172359")
    ('170212', None)
    """
    e = int(end[:2]) * 1440 + int(end[2:4]) * 60 + int(end[4:])
    found = set()
    for pos in range(len(five) + 1):
        for digit in "0123456789":
            c = five[:pos] + digit + five[pos:]
            dd, hh, mm = int(c[:2]), int(c[2:4]), int(c[4:])
            if 1 <= dd <= 31 and hh <= 23 and mm <= 59 and 0 < e - (dd * 1440 + hh * 60 + mm) <= 1440:
                found.add(c)
    return found.pop() if len(found) == 1 else None
