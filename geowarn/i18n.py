"""One message catalogue (en, ja) for what the library says to a reader.

Every user-facing string the library renders lives in :data:`CATALOGUE`, a dict
of message ids → ``{"en": …, "ja": …}`` with :meth:`str.format` placeholders.
The web layer can later export it to gettext ``.po`` files (Flask-Babel) with
the message id as ``msgctxt`` and the English text as ``msgid``.

>>> message("verdict.warning", "ja", time="07:00（日本時間）")
'07:00（日本時間）から警報'
>>> message("verdict.warning", "en-GB", time="07:00 JST")
'Warning from 07:00 JST'
>>> pick_language(None, "fr-FR,ja;q=0.8,en;q=0.5", "KR-11")
'ja'
>>> pick_language(None, None, "JP-47"), pick_language("en", "ja", "JP-47")
('ja', 'en')
"""

from __future__ import annotations

#: Languages every message has; the first is the fallback.
LANGUAGES: tuple[str, ...] = ("en", "ja")
DEFAULT_LANGUAGE = "en"

#: Message id → text per language. Placeholders: ``{time}`` is a local time with its zone
#: already rendered (see :func:`zone_label`), ``{start}``/``{end}`` local times, ``{first}``/
#: ``{last}`` local dates.
CATALOGUE: dict[str, dict[str, str]] = {
    "verdict.affected_now": {"en": "Affected now", "ja": "現在影響あり"},
    "verdict.affected_now_until": {"en": "Affected now until {time}", "ja": "{time}まで影響あり"},
    "verdict.warning": {"en": "Warning from {time}", "ja": "{time}から警報"},
    "verdict.warning_untimed": {"en": "Warning: no time given", "ja": "警報（時刻未定）"},
    "verdict.expected_later": {"en": "Expected from {time}", "ja": "{time}から予想"},
    "verdict.ended": {"en": "Ended at {time}", "ja": "{time}に終了"},
    "verdict.ended_untimed": {"en": "Ended", "ja": "終了"},
    "verdict.cancelled": {"en": "Cancelled at {time}", "ja": "{time}に取消"},
    "verdict.cancelled_untimed": {"en": "Cancelled", "ja": "取消"},
    "verdict.not_affected": {"en": "Not affected", "ja": "影響なし"},
    "schedule.daily": {
        "en": "Daily {start}–{end}, {first} to {last}",
        "ja": "{first}から{last}まで毎日{start}〜{end}",
    },
    "time.with_zone": {"en": "{time} {zone}", "ja": "{time}（{zone}）"},
    "zone.Asia/Tokyo": {"en": "JST", "ja": "日本時間"},
    "zone.Asia/Seoul": {"en": "KST", "ja": "韓国時間"},
    "zone.Asia/Pyongyang": {"en": "KST", "ja": "北朝鮮時間"},
    "zone.Asia/Shanghai": {"en": "CST", "ja": "中国時間"},
    "zone.Asia/Taipei": {"en": "CST", "ja": "台湾時間"},
    "zone.Asia/Manila": {"en": "PHT", "ja": "フィリピン時間"},
    "zone.Asia/Vladivostok": {"en": "VLAT", "ja": "ウラジオストク時間"},
    "zone.UTC": {"en": "UTC", "ja": "協定世界時"},
    # pages: shared chrome (base.html)
    "page.skip": {"en": "Skip to content", "ja": "本文へ移動"},
    "page.nav_label": {"en": "Main", "ja": "メイン"},
    "page.dashboard": {"en": "Dashboard", "ja": "ダッシュボード"},
    "page.okinawa": {"en": "Okinawa", "ja": "沖縄県"},
    "page.api": {"en": "API", "ja": "API"},
    "page.atom": {"en": "Atom", "ja": "Atom"},
    "page.operator": {"en": "Operator", "ja": "オペレーター"},
    "page.logout": {"en": "Log out", "ja": "ログアウト"},
    "page.language": {"en": "Language", "ja": "言語"},
    "page.footer": {
        "en": "fall corridors of rockets and space debris · approximate maritime zones are not legal boundaries",
        "ja": "ロケット・宇宙ごみの落下区域 · 海域の区分は概略で、法的な境界ではありません",
    },
    # live updates (webapp/static/live.js announces it when the page content was refreshed)
    "live.updated": {"en": "Page updated with the latest changes", "ja": "最新の情報に更新しました"},
    # region page (region.html)
    "region.verdict_label": {"en": "Verdict", "ja": "判定"},
    "region.not_affected_now": {"en": "Not affected now", "ja": "現在影響なし"},
    "region.no_warning": {"en": "No warning covers {region}.", "ja": "{region}を対象とする警報はありません。"},
    "region.checked_at": {"en": "Checked at {time}", "ja": "{time}時点"},
    "region.current": {"en": "Current warnings", "ja": "現在の警報"},
    "region.no_current": {"en": "No current warning.", "ja": "現在の警報はありません。"},
    "region.history": {"en": "History ({count})", "ja": "履歴（{count}件）"},
    "region.map": {"en": "Map", "ja": "地図"},
    "region.map_title": {"en": "Map of {event}", "ja": "{event}の地図"},
    "region.times": {"en": "Times in {zone} ({tz}).", "ja": "時刻は{zone}（{tz}）です。"},
    "region.zones_api": {"en": "Zones (API)", "ja": "区域（API）"},
    "region.table_scroll": {"en": "Table, scrolls sideways", "ja": "表（横にスクロールできます）"},
    "col.event": {"en": "Event", "ja": "事象"},
    "col.state": {"en": "State", "ja": "状態"},
    "col.phase": {"en": "Phase", "ja": "段階"},
    "col.zone": {"en": "Zone", "ja": "区域"},
    "col.severity": {"en": "Severity", "ja": "深刻度"},
    "col.response": {"en": "Response", "ja": "対応"},
    "col.window": {"en": "Window (local)", "ja": "時間帯（現地時間）"},
    "state.affected_now": {"en": "Affected now", "ja": "現在影響あり"},
    "state.warning": {"en": "Warning", "ja": "警報"},
    "state.expected_later": {"en": "Expected later", "ja": "後ほど予想"},
    "state.ended": {"en": "Ended", "ja": "終了"},
    "state.cancelled": {"en": "Cancelled", "ja": "取消"},
    "state.not_affected": {"en": "Not affected", "ja": "影響なし"},
    "row.cancelled_at": {"en": "Cancelled at {time}", "ja": "{time}に取消"},
    "countdown.days": {"en": "in {d} d {h} h", "ja": "あと{d}日{h}時間"},
    "countdown.hours": {"en": "in {h} h {m} min", "ja": "あと{h}時間{m}分"},
    "countdown.minutes": {"en": "in {m} min", "ja": "あと{m}分"},
    "severity.Extreme": {"en": "Extreme", "ja": "極めて重大"},
    "severity.Severe": {"en": "Severe", "ja": "重大"},
    "severity.Moderate": {"en": "Moderate", "ja": "中程度"},
    "severity.Minor": {"en": "Minor", "ja": "軽微"},
    "severity.Unknown": {"en": "Unknown", "ja": "不明"},
    "phase.stage1": {"en": "stage 1", "ja": "1段目"},
    "phase.fairing": {"en": "fairing", "ja": "フェアリング"},
    "phase.stage2": {"en": "stage 2", "ja": "2段目"},
    "phase.stage3": {"en": "stage 3", "ja": "3段目"},
    "phase.reentry": {"en": "re-entry", "ja": "再突入"},
    "phase.overflight": {"en": "overflight", "ja": "上空通過"},
    "phase.debris": {"en": "debris", "ja": "破片"},
    "phase.other": {"en": "other", "ja": "その他"},
    "response.Shelter": {"en": "Shelter", "ja": "屋内退避"},
    "response.Evacuate": {"en": "Evacuate", "ja": "避難"},
    "response.Prepare": {"en": "Prepare", "ja": "備える"},
    "response.Execute": {"en": "Execute", "ja": "実行"},
    "response.Avoid": {"en": "Avoid", "ja": "近づかない"},
    "response.Monitor": {"en": "Monitor", "ja": "情報に注意"},
    "response.Assess": {"en": "Assess", "ja": "状況を確認"},
    "response.AllClear": {"en": "All clear", "ja": "解除"},
    "response.None": {"en": "None", "ja": "なし"},
    "urgency.Immediate": {"en": "Immediate", "ja": "直ちに"},
    "urgency.Expected": {"en": "Expected", "ja": "間もなく"},
    "urgency.Future": {"en": "Future", "ja": "将来"},
    "urgency.Past": {"en": "Past", "ja": "過去"},
    "urgency.Unknown": {"en": "Unknown", "ja": "不明"},
    "certainty.Observed": {"en": "Observed", "ja": "観測"},
    "certainty.Likely": {"en": "Likely", "ja": "可能性が高い"},
    "certainty.Possible": {"en": "Possible", "ja": "可能性あり"},
    "certainty.Unlikely": {"en": "Unlikely", "ja": "可能性が低い"},
    "certainty.Unknown": {"en": "Unknown", "ja": "不明"},
    "kind.launch": {"en": "launch", "ja": "打ち上げ"},
    "kind.reentry": {"en": "re-entry", "ja": "再突入"},
    "kind.other": {"en": "other", "ja": "その他"},
    # an event's lifecycle status (geowarn.verdict.Lifecycle) and its banner
    "lifecycle.active": {"en": "Active", "ja": "発表中"},
    "lifecycle.ended": {"en": "Ended", "ja": "終了"},
    "lifecycle.cancelled": {"en": "Cancelled", "ja": "取消"},
    "banner.cancelled": {"en": "Cancelled at {time}", "ja": "{time}に取消"},
    "banner.cancelled_untimed": {"en": "Cancelled", "ja": "取消"},
    "banner.cancelled_note": {
        "en": "This warning was cancelled and no longer applies.",
        "ja": "この警報は取り消されました。現在は対象外です。",
    },
    "banner.ended": {"en": "All clear: ended at {time}", "ja": "警戒解除：{time}に終了"},
    "banner.ended_untimed": {"en": "All clear: ended", "ja": "警戒解除：終了"},
    "banner.ended_note": {"en": "Every window of this event is over.", "ja": "この事象の時間帯はすべて終わりました。"},
    # shared page controls
    "page.share": {"en": "Copy link", "ja": "リンクをコピー"},
    "page.copied": {"en": "Link copied", "ja": "リンクをコピーしました"},
    "page.copy_failed": {"en": "Copy this link: {url}", "ja": "このリンクをコピーしてください：{url}"},
    "page.times": {"en": "Times in {zone} ({tz}).", "ja": "時刻は{zone}（{tz}）です。"},
    "map.legend": {"en": "Legend", "ja": "凡例"},
    "map.windows": {"en": "Windows ({tz}) — click one to highlight", "ja": "時間帯（{tz}）— クリックで強調表示"},
    "map.more": {"en": "+{n} more", "ja": "ほか{n}件"},
    # dashboard (dashboard.html)
    "dash.title": {"en": "Rocket stages and space debris: current warnings", "ja": "ロケット・宇宙ごみ：現在の警報"},
    "dash.active": {"en": "Active events ({count})", "ja": "発表中の事象（{count}件）"},
    "dash.no_active": {"en": "No active event.", "ja": "発表中の事象はありません。"},
    "dash.recent": {"en": "Recent events (ended or cancelled)", "ja": "最近の事象（終了・取消）"},
    "dash.no_recent": {"en": "No cancelled or ended event.", "ja": "取消・終了した事象はありません。"},
    "dash.regions": {"en": "Regions:", "ja": "地域："},
    "dash.machine": {"en": "Machine access:", "ja": "機械向け："},
    "dash.alert_zones": {"en": "alert zones", "ja": "警戒区域"},
    "dash.atom_feed": {"en": "Atom feed", "ja": "Atomフィード"},
    "dash.overview": {"en": "Overview map", "ja": "概観地図"},
    "dash.overview_title": {"en": "Map of the active events", "ja": "発表中の事象の地図"},
    "col.window_zone": {"en": "Window ({zone})", "ja": "時間帯（{zone}）"},
    "col.zones": {"en": "Zones", "ja": "区域数"},
    "col.worst": {"en": "Worst", "ja": "最大深刻度"},
    "col.version": {"en": "Version", "ja": "版"},
    "col.status": {"en": "Status", "ja": "状態"},
    "col.region": {"en": "Region", "ja": "地域"},
    "col.layer": {"en": "Layer", "ja": "レイヤー"},
    "col.urgency": {"en": "Urgency", "ja": "緊急度"},
    "col.certainty": {"en": "Certainty", "ja": "確実度"},
    "col.area": {"en": "Area km²", "ja": "面積 km²"},
    "col.distance": {"en": "Distance km", "ja": "距離 km"},
    "col.id": {"en": "Id", "ja": "ID"},
    "col.label": {"en": "Label", "ja": "説明"},
    "col.source": {"en": "Source", "ja": "出典"},
    "col.updated": {"en": "Updated ({zone})", "ja": "更新（{zone}）"},
    "col.change": {"en": "Change", "ja": "変更内容"},
    "col.corridors": {"en": "Corridors", "ja": "落下区域数"},
    # event page (event.html)
    "event.meta": {
        "en": "{kind} · version {version} · window {window} · {zones} alert zones",
        "ja": "{kind} · 第{version}版 · 時間帯 {window} · 警戒区域{zones}件",
    },
    "event.downloads": {"en": "Downloads:", "ja": "ダウンロード："},
    "event.map_html": {"en": "map (HTML)", "ja": "地図（HTML）"},
    "event.update": {"en": "update as operator", "ja": "オペレーターとして更新"},
    "event.zones": {"en": "Alert zones", "ja": "警戒区域"},
    "event.no_zones": {
        "en": "No alert zone: the corridors touch no region of the reference layers.",
        "ja": "警戒区域なし：落下区域はどの参照地域にもかかりません。",
    },
    "event.corridors": {"en": "Corridors", "ja": "落下区域"},
    "event.source": {"en": "Source text", "ja": "原文"},
    "event.history": {"en": "History", "ja": "履歴"},
    "event.alternates": {"en": "(+{n} alternates)", "ja": "（ほか予備{n}件）"},
    "event.map_title": {"en": "Map of {event}", "ja": "{event}の地図"},
    # region page: the point query (use my location, place search)
    "point.heading": {"en": "Is my place affected?", "ja": "自分の場所は対象？"},
    "point.locate": {"en": "Use my location", "ja": "現在地を使う"},
    "point.locate_note": {
        "en": "Your position is sent only to this server, never elsewhere.",
        "ja": "位置情報はこのサーバーにだけ送られ、ほかには送られません。",
    },
    "point.search_label": {"en": "Place (municipality or region)", "ja": "場所（市町村・地域）"},
    "point.search_button": {"en": "Search", "ja": "検索"},
    "point.searching": {"en": "Searching…", "ja": "検索中…"},
    "point.locating": {"en": "Finding your position…", "ja": "現在地を取得中…"},
    "point.no_geolocation": {
        "en": "This browser cannot give a position.",
        "ja": "このブラウザーでは現在地を取得できません。",
    },
    "point.failed": {"en": "Position unavailable: {reason}", "ja": "現在地を取得できません：{reason}"},
    "point.no_place": {"en": "No place found.", "ja": "見つかりません。"},
    "point.here": {"en": "Your location", "ja": "現在地"},
    "point.at": {"en": "{place}: {verdict}", "ja": "{place}：{verdict}"},
    "point.region_page": {"en": "Page of {region}", "ja": "{region}のページ"},
    "point.centre_note": {
        "en": "Judged at the centre of the place ({lat}, {lon}).",
        "ja": "場所の中心（{lat}, {lon}）で判定しています。",
    },
    # Atom feed (alerts.atom)
    "atom.title": {"en": "geowarn alerts: current warnings", "ja": "geowarn 警報：現在の警報"},
}

#: Country prefix of a region id → the language its readers are assumed to read first.
REGION_LANGUAGES: dict[str, str] = {"JP": "ja", "JPN": "ja"}


def normalise_language(value: str | None) -> str | None:
    """``ja-JP`` → ``ja``; ``None`` for a language the catalogue does not have.

    >>> normalise_language("ja-JP"), normalise_language("EN"), normalise_language("ko")
    ('ja', 'en', None)
    """
    if not value:
        return None
    base = value.strip().split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else None


def message(msgid: str, lang: str, /, **values: object) -> str:
    """Return the text of ``msgid`` in ``lang`` (falling back to English) with ``values`` filled in.

    Raises ``KeyError`` for an unknown message id (a programming error, not a reader's).
    """
    texts = CATALOGUE[msgid]
    text = texts.get(normalise_language(lang) or DEFAULT_LANGUAGE) or texts[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def zone_label(tz: str, lang: str, fallback: str) -> str:
    """Return the reader's name of the time zone ``tz`` (``JST`` / ``日本時間``); ``fallback`` when unknown.

    >>> zone_label("Asia/Tokyo", "ja", "JST"), zone_label("Europe/Paris", "ja", "CET")
    ('日本時間', 'CET')
    """
    if f"zone.{tz}" not in CATALOGUE:
        return fallback
    return message(f"zone.{tz}", lang)


def with_zone(time: str, tz: str, lang: str, fallback: str) -> str:
    """``07:00 JST`` / ``07:00（日本時間）``.

    >>> with_zone("07:00", "Asia/Tokyo", "en", "JST"), with_zone("07:00", "Asia/Tokyo", "ja", "JST")
    ('07:00 JST', '07:00（日本時間）')
    """
    return message("time.with_zone", lang, time=time, zone=zone_label(tz, lang, fallback))


def _accept_language(header: str) -> list[str]:
    """Language tags of an ``Accept-Language`` header, best first (``q=0`` dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            ranked.append((-q, i, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def pick_language(query: str | None, accept_language: str | None, region_id: str | None = None) -> str:
    """Pick the page language: ``?lang=``, then ``Accept-Language``, then the region's, then English."""
    chosen = normalise_language(query)
    if chosen:
        return chosen
    for tag in _accept_language(accept_language or ""):
        chosen = normalise_language(tag)
        if chosen:
            return chosen
    if region_id:
        parts = region_id.split("-")
        if parts[0] in ("TS", "EEZ") and len(parts) > 1:
            parts = parts[1:]
        lang = REGION_LANGUAGES.get(parts[0].upper())
        if lang:
            return lang
    return DEFAULT_LANGUAGE
