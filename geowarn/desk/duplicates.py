r"""A pasted notice that equals one already published: same normalised text or same message id.

>>> normalise("navarea xi  0123/16\r\n  1. ROCKET   LAUNCHING ")
'NAVAREA XI 0123/16 1. ROCKET LAUNCHING'
>>> sorted(message_ids("NAVAREA XI 0123/16 ... CANCEL HYDROPAC 1234/16 ... A0419/16 NOTAMN"))  # not the cancelled
['A0419/16', 'NAVAREA XI 123/16']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from geowarn.store import Store
from geowarn.store import desk as repo

_SPACE = re.compile(r"\s+")
_NAV = re.compile(r"\b(NAVAREA\s+[IVXL]+|HYDRO(?:PAC|LANT|ARC)|NAVTEX\s+[A-Z]{1,2})\s+0*(\d{1,4})/(\d{2,4})\b")
_NOTAM = re.compile(r"(?<![A-Z0-9/])([A-Z])(\d{4})/(\d{2})\b")
_FDC = re.compile(r"!FDC\s+(\d/\d{3,4})\b")
_CJK = re.compile(r"([\u4e00-\u9fff]{1,3}航警)\s*(\d{1,4})/(\d{2,4})")
_CANCEL = re.compile(r"\bCANCEL[^\n.]*")


def normalise(text: str) -> str:
    """Normalise a text for comparison: NFKC, upper case, whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).upper()).strip()


def message_ids(text: str) -> set[str]:
    """Find the ids of the messages a notice *is* (NAVAREA/HYDROPAC serials, NOTAM numbers, ``沪航警12/24``).

    Ids named in a ``CANCEL …`` sentence are another message's, not this one's, and are left out.
    """
    body = _CANCEL.sub(" ", normalise(text))
    ids = {f"{_SPACE.sub(' ', m[1])} {int(m[2])}/{m[3]}" for m in _NAV.finditer(body)}
    ids |= {f"{m[1]}{m[2]}/{m[3]}" for m in _NOTAM.finditer(body)}
    ids |= {f"FDC {m[1]}" for m in _FDC.finditer(body)}
    ids |= {f"{m[1]}{int(m[2])}/{m[3]}" for m in _CJK.finditer(body)}
    return ids


@dataclass(frozen=True)
class Duplicate:
    """A published event whose input equals the pasted one."""

    event_id: str
    name: str
    status: str
    version: int
    why: str  # "same text" | "same message id NAVAREA XI 123/16"

    def to_json(self) -> dict[str, Any]:
        """Return the JSON of the API's ``duplicates`` items."""
        return {
            "event_id": self.event_id,
            "name": self.name,
            "status": self.status,
            "version": self.version,
            "why": self.why,
        }


def find_duplicates(store: Store, text: str, *, exclude_event: str | None = None) -> list[Duplicate]:
    """Find the published events whose notice equals ``text`` (one entry per event, the first reason found).

    Parameters
    ----------
    store
        The store (its most recent raw inputs are read).
    text
        The pasted notice.
    exclude_event
        An event being updated: it is expected to repeat its own text and ids.

    Returns
    -------
    list of Duplicate
        In the order of the stored inputs, newest first.
    """
    if not text.strip():
        return []
    norm, ids = normalise(text), message_ids(text)
    with store.snapshot() as tx:
        rows = repo.recent_notices(tx)
    found: dict[str, Duplicate] = {}
    for r in rows:
        eid = str(r["event_id"])
        if eid in found or eid == exclude_event:
            continue
        why = ""
        if normalise(str(r["text"])) == norm:
            why = "same text"
        else:
            same = sorted(ids & message_ids(str(r["text"])))
            if same:
                why = f"same message id {same[0]}"
        if why:
            found[eid] = Duplicate(eid, str(r["name"]), str(r["status"]), int(r["version"]), why)
    return list(found.values())
