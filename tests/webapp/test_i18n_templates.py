"""Every visible text of the page templates comes from the catalogue (issue 13): no English literal left.

Three checks: a static walk of every template (text nodes and the attributes a reader sees or hears,
plus prose string literals inside Jinja tags), the catalogue itself (each id used exists in en and ja,
and the ja text is Japanese), and the operator pages rendered in Japanese, whose visible text must hold
no English word but codes and names allowed below.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geowarn.i18n import CATALOGUE, LANGUAGES

TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"

#: Words a page may show in any language: product, format and standard names, codes.
ALLOWED_WORDS = {
    "geowarn", "GeoJSON", "CAP", "KML", "JSON", "OpenAPI", "API", "Atom", "JP", "GeoPackage", "NAVAREA",
    "HYDROPAC", "ICAO", "NOTAM", "MSA", "UTC", "JST", "ID", "km", "Cancel", "Leaflet",
}  # fmt: skip
#: Attributes whose value a reader sees or a screen reader says.
VISIBLE_ATTRS = {"title", "aria-label", "placeholder", "alt", "data-copied", "data-failed", "data-shapes"}
#: Elements whose content is code or data, not prose.
CODE_TAGS = {"code", "pre", "script", "style", "option"}
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
STRING_LITERAL = re.compile(r"'([^']*)'|\"([^\"]*)\"")
PROSE = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}")
#: Code shown inside msg_code() (commands, settings, vertex syntax): not prose.
CODE_LITERALS = {"geowarn tokens create --name NAME", "lat lon", "circle RADIUS_M", "line WIDTH_M"}
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")


class _Visible(HTMLParser):
    """Collect the text a reader sees: text nodes outside code, and the visible attributes.

    An element with its own ``lang`` (日本語 / English in the switch, a region's name in both) says
    deliberately what it says: left out.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.code_depth = 0
        self.stack: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in CODE_TAGS or ("lang" in dict(attrs) and tag != "html"):
            self.code_depth += 1
            self.stack.append(tag)
        self.texts += [v for k, v in attrs if k in VISIBLE_ATTRS and v]
        if tag == "input" and dict(attrs).get("type") in ("submit", "button"):
            self.texts.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
            self.code_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.code_depth:
            self.texts.append(data)


def english_words(html: str) -> list[str]:
    """Return the English words a reader would see in ``html`` (allowed words left out)."""
    parser = _Visible()
    parser.feed(html)
    words = [w for t in parser.texts for w in ENGLISH_WORD.findall(t)]
    return [w for w in words if w not in ALLOWED_WORDS]


def template_problems(source: str) -> list[str]:
    """Return the English literals of one template's source: visible text and prose literals in Jinja tags."""
    problems = []
    for tag in JINJA.findall(source):
        if tag.startswith("{#"):
            continue
        literals = [m.group(1) if m.group(1) is not None else m.group(2) for m in STRING_LITERAL.finditer(tag)]
        problems += [t for t in literals if PROSE.search(t) and t not in CODE_LITERALS]
    # Jinja tags out, attribute values that were only an expression become empty
    problems += english_words(JINJA.sub("", source))
    return problems


def test_the_checker_finds_english_it_is_meant_to_find() -> None:
    assert template_problems("<p>Hello {{ msg('a.b', lang) }}</p>") == ["Hello"]
    assert template_problems('<input placeholder="from the name">') == ["from", "the", "name"]
    assert template_problems("{% for k, l in [('a', 'Site latitude')] %}{% endfor %}") == ["Site latitude"]
    assert template_problems("<code>GEOWARN_APPROVAL=2</code> <b>{{ x }}</b> GeoJSON") == []
    assert english_words("<p>現在影響なし <span>Okinawa</span></p>") == ["Okinawa"]


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_no_template_has_a_visible_english_literal(path: Path) -> None:
    assert template_problems(path.read_text(encoding="utf-8")) == []


def test_every_message_a_template_uses_exists_in_every_language_and_the_japanese_is_japanese() -> None:
    used: set[str] = set()
    prefixes: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"msg(?:_code)?\(\s*'([a-z0-9_.-]+[a-z0-9_-])'", source))
        prefixes |= set(re.findall(r"msg\(\s*'([a-z0-9_-]+\.)'\s*~", source))  # msg('op.' ~ key)
        prefixes |= {f"{p}." for p in re.findall(r"label\(\s*'([a-z]+)'", source)}
    assert used and {"op.", "template.", "lifecycle.", "phase."} <= prefixes
    missing = sorted(i for i in used if i not in CATALOGUE)
    assert missing == []
    for msgid, texts in CATALOGUE.items():
        assert set(texts) == set(LANGUAGES), msgid
        shown = re.sub(r"\{[a-z0-9_]+(?::[^}]*)?\}", "", texts["ja"])  # placeholders are not words shown
        ja_is_codes = all(w in ALLOWED_WORDS for w in ENGLISH_WORD.findall(shown))  # API, Atom, ID, "{name} ({id})"
        assert JAPANESE.search(texts["ja"]) or ja_is_codes, f"{msgid}: {texts['ja']!r} is not Japanese"
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in CATALOGUE), prefix


# --------------------------------------------------------------------------- rendered in Japanese

NOTAM = (
    "A0777/99 - A TEMPORARY DANGER AREA ESTABLISHED BOUNDED BY: "
    "N263000E1280000-N263000E1283000-N260000E1283000-N260000E1280000 BACK TO START. "
    "SFC - UNL, 01 JAN 01:00 2099 UNTIL 01 JAN 03:00 2099. ROUTES N895 AND W66 CLOSED."
)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def _login_ja(client: FlaskClient, app: Flask) -> str:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja-JP,ja;q=0.9"
    _id, tok = app.extensions["geowarn.store"].create_token("tanaka")
    login = client.get("/operator").get_data(as_text=True)
    assert "オペレーターのログイン" in login and english_words(_main(login)) == []
    assert client.post("/operator/login", data={"token": tok, "csrf_token": _csrf(login)}).status_code == 303
    return _csrf(client.get("/operator").get_data(as_text=True))


def _main(page: str) -> str:
    """The page's ``<main>`` without the notice text and the data cells (region names, parser reasons)."""
    main = page[page.index("<main") : page.index("</main>")]
    return re.sub(r"<textarea.*?</textarea>|<iframe.*?</iframe>|<td>.*?</td>", "", main, flags=re.S)


def test_operator_pages_in_japanese_show_no_english(client: FlaskClient, app: Flask, auth: dict[str, str]) -> None:
    csrf = _login_ja(client, app)
    form_page = client.get("/operator").get_data(as_text=True)
    assert '<html lang="ja">' in form_page and "事象の作成・更新" in form_page
    assert english_words(_main(form_page)) == []
    form = {"csrf_token": csrf, "mode": "text", "text": NOTAM, "name": "沖縄東方", "action": "preview"}
    preview = client.post("/operator", data=form).get_data(as_text=True)
    assert "か所が使われていません" in preview and "送信先と送信内容" in preview
    # the parser's reasons and the zone's English region name are data, not page text
    shown = _main(preview)
    assert english_words(shown) == [], english_words(shown)
    # the corridor's window (a data cell) names Japan's time in Japanese: the NOTAM's 01:00–03:00Z
    corridors = preview[preview.index('id="preview-corridors"') :].split("</table>", 1)[0]
    assert "2099-01-01 10:00–12:00（日本時間）" in corridors and "JST" not in corridors, corridors
    r = client.post("/operator", data={**form, "action": "publish", "ack_warnings": "on", "event_id": "oki"})
    assert r.status_code == 303
    cancel = client.get("/operator/events/oki/cancel").get_data(as_text=True)
    assert "沖縄東方を取り消しますか？" in cancel and english_words(_main(cancel)) == []
    approvals = client.get("/operator/approvals").get_data(as_text=True)
    assert "承認待ちはありません。" in approvals and english_words(_main(approvals)) == []
    event = client.get("/events/oki").get_data(as_text=True)
    start = event.index('<section class="operator-block"')
    block = event[start : event.index("</section>", start)]
    assert "各版の作成者" in block and english_words(_main("<main>" + block + "</main>")) == []
    # the version's note (a data cell) too: the desk wrote "published from notam"
    assert "<td>notamから発表</td>" in block and "published from" not in block, block


def test_english_reader_still_gets_english_and_errors_follow_the_language(client: FlaskClient, app: Flask) -> None:
    en = client.get("/operator", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Operator login" in en and "オペレーター" not in _main(en)
    r = client.get("/events/nope", headers={"Accept": "text/html", "Accept-Language": "ja"})
    assert r.status_code == 404 and "ダッシュボードに戻る" in r.get_data(as_text=True)
    r = client.post("/operator/login?lang=ja", data={"token": "nope", "csrf_token": _csrf(en)})
    assert r.status_code == 403 and "不明または失効したトークンです" in r.get_data(as_text=True)
