"""An Atom feed (RFC 4287) of CAP messages: each entry links to its CAP XML.

>>> from datetime import datetime, UTC
>>> e = AtomEntry(id="urn:geowarn:cap:x-1", title="Okinawa", updated=datetime(2016, 2, 2, 12, tzinfo=UTC),
...               cap_url="/alerts/x-1.cap")
>>> feed = build_atom([e], feed_id="urn:geowarn:alerts", title="geowarn alerts", self_url="/alerts.atom")
>>> b'<link rel="alternate" type="application/cap+xml" href="/alerts/x-1.cap"/>' in feed
True
>>> b"<updated>2016-02-02T12:00:00Z</updated>" in feed
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from geowarn.i18n import DEFAULT_LANGUAGE, label, message, normalise_language
from geowarn.model import format_time, utc
from geowarn.publish.cap import MEDIA_TYPE as CAP_MEDIA_TYPE
from geowarn.publish.cap import NS as CAP_NSMAP
from geowarn.publish.cap import parse_cap
from geowarn.publish.xmltext import xml_safe

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"


@dataclass(frozen=True)
class AtomEntry:
    """One CAP message in the feed. ``id`` must be an IRI that never changes (e.g. ``urn:…``)."""

    id: str
    title: str
    updated: datetime
    cap_url: str
    summary: str = ""
    author: str = "geowarn"
    published: datetime | None = None
    html_url: str | None = None
    category: str | None = None


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_safe(text)
    return el


def _time(value: datetime) -> str:
    text = format_time(utc(value).replace(microsecond=0))
    assert text is not None
    return text


def build_atom(
    entries: Sequence[AtomEntry],
    *,
    feed_id: str,
    title: str,
    self_url: str,
    author: str = "geowarn",
    updated: datetime | None = None,
    lang: str | None = None,
) -> bytes:
    """Build the feed (UTF-8 XML bytes), newest entry first; ``updated`` defaults to the newest entry's time.

    ``lang`` (``ja``, ``en``) is the feed's ``xml:lang``: the language of its titles and summaries.
    """
    ordered = sorted(entries, key=lambda e: (utc(e.updated), e.id), reverse=True)
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    if lang:
        feed.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title)
    newest = ordered[0].updated if ordered else (updated or datetime.now(UTC))
    _sub(feed, "updated", _time(updated or newest))
    _sub(_sub(feed, "author"), "name", author)
    _sub(feed, "link", rel="self", type=MEDIA_TYPE, href=self_url)
    _sub(feed, "generator", "geowarn")
    for e in ordered:
        entry = _sub(feed, "entry")
        _sub(entry, "id", e.id)
        _sub(entry, "title", e.title)
        _sub(entry, "updated", _time(e.updated))
        if e.published is not None:
            _sub(entry, "published", _time(e.published))
        _sub(_sub(entry, "author"), "name", e.author)
        _sub(entry, "link", rel="alternate", type=CAP_MEDIA_TYPE, href=e.cap_url)
        if e.html_url:
            _sub(entry, "link", rel="related", type="text/html", href=e.html_url)
        if e.category:
            _sub(entry, "category", term=e.category)
        if e.summary:
            _sub(entry, "summary", e.summary, type="text")
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def entry_for_cap(xml: bytes, cap_url: str, *, html_url: str | None = None, language: str = "en-US") -> AtomEntry:
    """Build an entry describing one CAP message in the reader's ``language`` (``ja-JP`` or ``en-US``).

    The id comes from sender + identifier; the title is the headline of the message's ``<info>`` in
    that language (an Update says so first; a Cancel's headline does itself); the summary names the
    severity, the kind of message and its status, then the ``<description>`` of that ``<info>`` (one
    line per region), all in the reader's language (:data:`geowarn.i18n.CATALOGUE`: ``atom.*``,
    ``severity.*``).

    """
    lang = normalise_language(language) or DEFAULT_LANGUAGE
    root = parse_cap(xml)

    def text(path: str) -> str:
        return root.findtext(path, default="", namespaces=CAP_NSMAP) or ""

    info = root.find(f"cap:info[cap:language='{language}']", CAP_NSMAP)
    if info is None:
        info = root.find("cap:info", CAP_NSMAP)
    headline = info.findtext("cap:headline", default="", namespaces=CAP_NSMAP) if info is not None else ""
    sent = datetime.fromisoformat(text("cap:sent"))
    msg_type = text("cap:msgType")
    sender_name = info.findtext("cap:senderName", default="", namespaces=CAP_NSMAP) if info is not None else ""
    severity = info.findtext("cap:severity", default="", namespaces=CAP_NSMAP) if info is not None else ""
    description = info.findtext("cap:description", default="", namespaces=CAP_NSMAP) if info is not None else ""
    kind = label("atom.msgtype", msg_type, lang)
    facts = message("atom.separator", lang).join(
        label(prefix, value, lang)
        for prefix, value in (("severity", severity), ("atom.msgtype", msg_type), ("atom.status", text("cap:status")))
        if value
    )
    if msg_type not in ("Alert", "Cancel"):  # a Cancel's headline says so itself (``headline.cancel``)
        title = message("atom.prefixed", lang, kind=kind, text=headline or text("cap:identifier"))
    else:
        title = headline or text("cap:identifier")
    return AtomEntry(
        id=f"urn:geowarn:cap:{text('cap:sender')}:{text('cap:identifier')}",
        title=title,
        updated=sent,
        published=sent,
        cap_url=cap_url,
        summary=message("atom.prefixed", lang, kind=facts, text=description.strip()) if description.strip() else facts,
        author=sender_name or text("cap:sender"),
        html_url=html_url,
        category=severity or None,
    )
