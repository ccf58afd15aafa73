r"""Read corridors from every source geowarn knows: ``parse`` and ``detect_format``.

=============  ==============================================================  =====================
format         what                                                            module
=============  ==============================================================  =====================
navwarn        NAVAREA / HYDROPAC / HYDROLANT / NAVTEX text                    :mod:`.navwarn`
nga-json       NGA broadcast-warn JSON record(s)                               :mod:`.navwarn`
notam          ICAO NOTAM (items Q–G) and the FAA domestic layout              :mod:`.notam`
msa            China MSA warning, Chinese (``浙航警841/26``) or English (``HN182/26``)  :mod:`.msa`
jcg            Japan Coast Guard 航行警報 / 水路通報 in Japanese (``令和7年``, 北緯)     :mod:`.jcg`
dms-notice     press / IMO relays with ``36°04′N``, Korean and Japanese text   :mod:`.notice`
advisory       civil-protection advisories with ``N17 00 E124 48`` pairs        :mod:`.notice`
profile        geowarn launch profile (TOML)                                   :mod:`.profile`
reentry        TIP-style JSON with the TLE in ``TLE_LINE1``/``TLE_LINE2``        :mod:`.reentry`
geojson        GeoJSON FeatureCollection / Feature                             :mod:`.files`
kml, gpkg,     KML/KMZ, GeoPackage, zipped Shapefile (via pyogrio)             :mod:`.files`
shapefile
=============  ==============================================================  =====================

A TLE, OMM or TIP alone has no window or no orbit: ``geowarn corridor reentry`` combines them.

>>> detect_format("NAVAREA XI 0123/16\nA. 36-04N 124-30E, 36-04N 124-54E, 35-19N 124-54E.")
'navwarn'
>>> out = parse("A0419/16 - N194400E1235300-N194300E1245100-N170000E1244800 BACK TO START")
>>> out.format, [c.id for c in out.corridors]
('notam', ['notam-a0419-16-1'])
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import PurePath
from typing import Any

from geowarn.errors import ParseError
from geowarn.jsondepth import check_depth
from geowarn.sources.common import MAX_TEXT_CHARS, ParsedInput, ParseWarning, as_text
from geowarn.sources.messages import parse_each, split_messages
from geowarn.sources.warnings import with_warnings as _with_warnings

__all__ = ["FORMATS", "ParsedInput", "detect_format", "parse"]

FORMATS = (
    "navwarn",
    "nga-json",
    "notam",
    "msa",
    "jcg",
    "dms-notice",
    "advisory",
    "profile",
    "reentry",
    "geojson",
    "kml",
    "gpkg",
    "shapefile",
    "tle",
    "omm",
    "tip",
)
"""Every format name :func:`detect_format` can answer (``tle``/``omm``/``tip`` only to say what
they are: they need ``geowarn corridor reentry``)."""

_EXT = {
    ".toml": "profile",
    ".kml": "kml",
    ".kmz": "kml",
    ".gpkg": "gpkg",
    ".zip": "shapefile",
    ".shp": "shapefile",
    ".geojson": "geojson",
    ".tle": "tle",
}
_NAVWARN = re.compile(
    r"航警|航行警告|\bNAVAREA\s+[IVXL]+\b|\bHYDRO(?:PAC|LANT|ARC)\b|\bZCZC\b|\bBOUND(?:ED)?\s+BY\b|\bTRACK\s*LINE\b"
    r"|(?<![\d-])\d{1,2}-\d{2}(?:\.\d+)?[NS]\b"
)
_NOTAM = re.compile(
    r"!FDC\s+\d/\d{3,4}\b|\bBACK\s+TO\s+START\b|^\s*\(?[A-Z]\d{4}/\d{2}\b|(?:^|\s)Q\)\s|\bNOTAM[NRC]\b", re.M
)
_SYMBOL = re.compile(r"[°º˚′″]|북위|남위|동경|서경|北緯|南緯|東経|東經|西経|西經")
_SPACED = re.compile(r"(?<![A-Za-z])[NS]\d{1,2}\s\d{2}\s+[EW]\d{1,3}\s\d{2}")
_TLE = re.compile(r"(?m)^1 [ \d]{5}[A-Z ] .*\n2 [ \d]{5} ")


def _json_kind(obj: Any) -> str | None:
    rec = obj
    if isinstance(obj, dict) and "broadcast-warn" in obj:
        return "nga-json"
    if isinstance(obj, list) and obj:
        rec = obj[0]
    if not isinstance(rec, dict):
        return None
    keys = set(rec)
    if rec is obj and obj.get("type") in ("FeatureCollection", "Feature"):
        return "geojson"
    if "text" in keys and keys & {"msgNumber", "navArea", "msgYear"}:
        return "nga-json"
    if "DECAY_EPOCH" in keys:
        return "reentry" if {"TLE_LINE1", "TLE_LINE2"} <= keys else "tip"
    if "MEAN_MOTION" in keys:
        return "omm"
    return None


def detect_format(data: str | bytes, name: str | None = None) -> str:
    r"""Guess the format of ``data`` (file name extension first, then content).

    Raises :class:`ParseError` when nothing fits (pass ``format=`` explicitly).

    >>> detect_format("DROP ZONE 1: N36 04 E124 30 N36 04 E124 54 N35 19 E124 54")
    'advisory'
    >>> detect_format(b"PK\x03\x04...", name="areas.zip")
    'shapefile'
    """
    head = data[:16] if isinstance(data, bytes) else b""
    ext = PurePath(name).suffix.lower() if name and name != "-" else ""
    if head.startswith(b"PK\x03\x04"):
        return "kml" if ext == ".kmz" else "shapefile"
    if head.startswith(b"SQLite format 3"):
        return "gpkg"
    if ext in _EXT and ext not in (".geojson", ".tle"):
        return _EXT[ext]
    start = (data[:64] if isinstance(data, bytes) else data[:64].encode("utf-8", "replace")).lstrip(
        b"\xef\xbb\xbf \t\r\n"
    )
    # JSON and XML may be GIS files: their limit is the file limit (20 MB), not the 1 MB of notice text
    from geowarn.sources.files import MAX_FILE_BYTES

    text = as_text(data, limit=MAX_FILE_BYTES if start[:1] in (b"{", b"[", b"<") else MAX_TEXT_CHARS)
    s = text.lstrip()
    if s[:1] in ("{", "["):
        return _json_format(s)
    if s.startswith("<"):
        return _xml_format(s)
    return _text_format(text, s)


def _json_format(s: str) -> str:
    """Return the format of a JSON text (GeoJSON, NGA, TIP, OMM …); :class:`ParseError` when invalid or unknown."""
    check_depth(s)
    try:
        obj = json.loads(s)
    except json.JSONDecodeError as exc:
        raise ParseError(f"looks like JSON but is not valid: {exc.msg}", line=exc.lineno, column=exc.colno) from None
    kind = _json_kind(obj)
    if kind is None:
        raise ParseError("JSON that is neither GeoJSON, an NGA warning, a TIP nor an OMM", path="$")
    return kind


def _xml_format(s: str) -> str:
    """Return ``kml`` or ``omm`` for an XML text; :class:`ParseError` for other XML."""
    low = s[:4000].lower()
    if "<kml" in low:
        return "kml"
    if "<omm" in low:
        return "omm"
    raise ParseError("XML that is neither KML nor OMM", line=1, column=1)


def _text_format(text: str, s: str) -> str:
    """Return the format of a plain text by its headers and coordinates (``s``: ``text`` left-stripped)."""
    if re.search(r"(?m)^\s*\[site\]", s) and re.search(r"(?m)^\s*\[\[track\]\]", s):
        return "profile"
    if _TLE.search(text):
        return "tle"
    from geowarn.sources.msa import is_msa

    if is_msa(text):
        return "msa"
    from geowarn.sources.jcg import is_jcg

    if is_jcg(text):
        return "jcg"
    upper = text.upper()
    if _NOTAM.search(upper):
        return "notam"
    if _NAVWARN.search(upper):
        return "navwarn"
    if _SYMBOL.search(text):
        return "dms-notice"
    if _SPACED.search(upper):
        return "advisory"
    from geowarn.sources.coords import find_points

    if find_points(text):
        return "dms-notice"
    raise ParseError("cannot tell the format of this input (no known coordinates or headers); pass a format")


def parse(
    data: str | bytes, format: str = "auto", *, name: str | None = None, issued: datetime | None = None
) -> ParsedInput:
    """Parse ``data`` into corridors; ``format="auto"`` uses :func:`detect_format`.

    ``issued`` is the issue date used as context for windows written without
    a month or year (navigational warnings). Raises :class:`ParseError` (or
    :class:`~geowarn.errors.PayloadTooLarge` above the size limits).
    """
    fmt = detect_format(data, name) if format == "auto" else format
    if fmt in ("navwarn", "navtex", "navarea", "hydropac", "notam"):
        text = as_text(data)
        spans = split_messages(text, "notam" if fmt == "notam" else "navwarn")
        if len(spans) > 1:
            return _with_warnings(_parse_many(text, spans, fmt, name=name, issued=issued), text)
        return _with_warnings(_parse_one(text, fmt, name=name, issued=issued), text)
    if fmt in ("dms-notice", "advisory"):
        from geowarn.sources.cjk_time import local_time_warnings

        text = as_text(data)
        out = _with_warnings(_parse_one(data, fmt, name=name, issued=issued), text)
        return _add_warnings(out, local_time_warnings(text))
    if fmt == "msa":
        from geowarn.sources.msa import window_warnings

        text = as_text(data)
        out = _with_warnings(_parse_one(text, fmt, name=name), text)
        return _add_warnings(out, window_warnings(text))
    if fmt == "jcg":
        from geowarn.sources.jcg import unused_lines

        text = as_text(data)
        out = _parse_one(text, fmt, name=name)
        own = out.warnings
        return _add_warnings(_with_warnings(out, unused_lines(text)), own)
    return _parse_one(data, fmt, name=name, issued=issued)


def _add_warnings(out: ParsedInput, more: list[ParseWarning]) -> ParsedInput:
    """``out`` with ``more`` warnings merged in (one per line and column), sorted, mirrored in the meta."""
    seen = {(w.line, w.column) for w in out.warnings}
    out.warnings = sorted(
        [*out.warnings, *(w for w in more if (w.line, w.column) not in seen)], key=lambda w: (w.line, w.column)
    )
    if out.warnings:
        out.meta["warnings"] = [w.to_dict() for w in out.warnings]
    return out


def _parse_many(
    text: str, spans: list[tuple[int, int]], fmt: str, *, name: str | None, issued: datetime | None
) -> ParsedInput:
    """Each message of a paste on its own; their corridors side by side, their metas under ``messages``."""
    return parse_each(text, spans, lambda part: _parse_one(part, fmt, name=name, issued=issued), fmt=None, name=name)


def _parse_one(data: str | bytes, fmt: str, *, name: str | None = None, issued: datetime | None = None) -> ParsedInput:
    if fmt in ("navwarn", "navtex", "navarea", "hydropac"):
        from geowarn.sources.navwarn import parse_navwarn

        return parse_navwarn(data, issued=issued)
    if fmt == "nga-json":
        from geowarn.sources.navwarn import parse_nga_json

        return parse_nga_json(data, issued=issued)
    if fmt == "notam":
        from geowarn.sources.notam import parse_notam

        return parse_notam(data, name=name)
    if fmt == "msa":
        from geowarn.sources.msa import parse_msa

        return parse_msa(data, name=name)
    if fmt == "jcg":
        from geowarn.sources.jcg import parse_jcg

        return parse_jcg(data, name=name)
    if fmt in ("dms-notice", "advisory"):
        from geowarn.sources.notice import parse_notice

        return parse_notice(data, format=fmt, name=name)
    if fmt == "profile":
        from geowarn.sources.profile import parse_profile

        return parse_profile(data)
    if fmt == "reentry":
        from geowarn.sources.reentry import parse_reentry_json

        return parse_reentry_json(data)
    if fmt in ("geojson", "kml", "gpkg", "shapefile"):
        from geowarn.sources.files import read_file

        return read_file(data, fmt, name=name)
    if fmt in ("tle", "omm", "tip"):
        raise ParseError(
            f"a {fmt.upper()} alone is not a corridor: use 'geowarn corridor reentry --tle FILE --epoch ISO "
            "--window-min N' (or --tip FILE)"
        )
    raise ParseError(f"unknown format {fmt!r} (known: auto, {', '.join(FORMATS)})")
